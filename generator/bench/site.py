"""Incremental site builds: a cold ``mkdocs build``, a second one with nothing changed, and
the rebuild ``mkdocs serve`` does after one dataset is edited.

``bench_site(count)`` makes a site of ``count`` small datasets (12 × 24, random to 3
decimals, fixed seed) with the scaffold's settings, then measures, each in the
real command's own process:

* ``cold``: ``mkdocs build`` with an empty cache;
* ``second``: ``mkdocs build`` again, nothing changed (every bundle from the cache);
* ``serve_rebuild``: a running ``mkdocs serve`` (started after the two builds), one
  dataset edited, until the server logs the rebuilt site; the CPU time the server
  process spent on it (read with psutil).

The budgets (docs/limits.md) are ratios of CPU times — CPU time is steadier than
wall time on a shared machine: ``second / cold`` and ``serve / cold`` at most 0.3.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from generator.bench.size import run_measured

BUDGET = {"second_ratio": 0.3, "serve_ratio": 0.3}

SITE_CONFIG = """site_name: benchmark
docs_dir: docs
theme:
  name: material
  font: false
  features:
    - navigation.prune
plugins:
  - search
  - attention-report:
      datasets:
        - docs/datasets/**/*.*
"""


def bench_site(count: int = 40, *, seed: int = 0, serve: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="attention-report-site-") as tmp:
        root = Path(tmp)
        _make_site(root, count, seed)
        mkdocs = [sys.executable, "-m", "mkdocs", "build", "-q"]
        cold = run_measured(mkdocs, cwd=root)
        second = run_measured(mkdocs, cwd=root)
        figures: dict[str, Any] = {"benchmark": "site", "datasets": count, "cold": cold, "second": second,
                                   "second_ratio": round(second["cpu_s"] / cold["cpu_s"], 2)}
        if serve:
            rebuild = serve_rebuild(root, root / "docs" / "datasets" / "d0000.csv")
            figures["serve_rebuild"] = rebuild
            figures["serve_ratio"] = round(rebuild["cpu_s"] / cold["cpu_s"], 2)
    figures["over_budget"] = [f"{key} {figures[key]:.2f} exceeds the budget of {limit:g}"
                              for key, limit in BUDGET.items() if key in figures and figures[key] > limit]
    return figures


def serve_rebuild(root: Path, edit: Path, *, timeout: float = 600) -> dict[str, float]:
    """CPU and wall time of the rebuild a running ``mkdocs serve`` does after ``edit`` changes."""
    import psutil

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=root,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stderr), daemon=True)
    reader.start()

    def built(times: int) -> None:
        deadline = time.monotonic() + timeout
        while sum("Documentation built" in line for line in lines) < times:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mkdocs serve did not rebuild: " + "".join(lines[-20:]))
            time.sleep(0.05)

    try:
        built(1)
        deadline = time.monotonic() + timeout
        while not any("Serving on" in line for line in lines):  # the watcher runs from here on
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mkdocs serve did not start: " + "".join(lines[-20:]))
            time.sleep(0.05)
        time.sleep(1.0)  # let the watcher take its first look
        process = psutil.Process(server.pid)
        before = sum(process.cpu_times()[:2])
        start = time.perf_counter()
        text = edit.read_text(encoding="utf-8")
        edit.write_text(text.replace("0.", "0.9", 1), encoding="utf-8")
        built(2)
        wall = time.perf_counter() - start
        return {"cpu_s": round(sum(process.cpu_times()[:2]) - before, 2), "wall_s": round(wall, 2)}
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _make_site(root: Path, count: int, seed: int) -> None:
    data = root / "docs" / "datasets"
    data.mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Benchmark\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(SITE_CONFIG, encoding="utf-8")
    rng = np.random.default_rng(seed)
    for i in range(count):
        matrix = rng.random((12, 24)).round(3)
        lines = ["token," + ",".join(map(str, range(24)))]
        lines += [f"{r}," + ",".join(f"{v:.3f}" for v in row) for r, row in enumerate(matrix)]
        (data / f"d{i:04d}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
