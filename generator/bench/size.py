"""Size benchmarks: the real pipeline on one large matrix and on many small datasets.

``attention-report benchmark`` calls these; each returns plain figures so the
budgets in ``docs/limits.md`` can be checked on any machine:

* ``bench_large(n=2000)``: one ``n`` × ``n`` matrix of random values to 3 decimals
  (wide CSV, like an attention map of ``n`` tokens; 24 MB at 2,000), built by the
  ``attention-report build`` command in a fresh process, and, side by side, the
  pandas + seaborn heatmap a user would write by hand, saved as PNG, from the same
  file in another fresh process. The budget is the ratio of the two (CPU time,
  which is steadier than wall time on a shared machine; wall is printed too) and
  the build's peak RSS;
* ``bench_many(count=500)``: ``count`` small 12 × 24 datasets in one build, in this
  process.

Peak memory is the process's peak resident set (``ru_maxrss``), which includes the
interpreter and the libraries. The inputs are generated from a fixed seed, so every
run measures the same bytes.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

#: The budgets documented in docs/limits.md on a 2-core machine: times in seconds, memory in MB,
#: ``cpu_ratio`` is the build's CPU time over the hand-made seaborn PNG's.
BUDGETS = {
    "large": {"cpu_ratio": 1.0, "peak_rss_mb": 1024.0},
    "many": {"wall_s": 60.0, "peak_rss_mb": 2048.0},
}

#: What a user writes by hand for a heatmap of a wide CSV: the baseline of ``bench_large``.
SEABORN_BASELINE = """
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
frame = pd.read_csv(sys.argv[1], index_col=0)
sns.heatmap(frame)
plt.savefig(sys.argv[2])
"""


def bench_large(n: int = 2000, *, seed: int = 0, repeat: int = 3) -> dict[str, Any]:
    """The build of one ``n`` × ``n`` matrix against a pandas + seaborn PNG of the same file (best of
    ``repeat`` runs of each, taken in turn)."""
    with tempfile.TemporaryDirectory(prefix="attention-report-bench-") as tmp:
        data = Path(tmp) / f"large-{n}.csv"
        rng = np.random.default_rng(seed)
        _write_wide(data, rng.random((n, n)).round(3), digits=3)
        out = Path(tmp) / "out"
        # the two in turn: a machine that slows down part-way through slows both sides alike
        runs = [(run_measured([sys.executable, "-m", "generator.cli", "build", str(data), "--out", str(out)]),
                 run_measured([sys.executable, "-c", SEABORN_BASELINE, str(data), str(Path(tmp) / "seaborn.png")]))
                for _ in range(max(1, repeat))]
        build = min((b for b, _ in runs), key=lambda r: r["cpu_s"])
        baseline = min((s for _, s in runs), key=lambda r: r["cpu_s"])
        output_bytes = sum(p.stat().st_size for p in out.iterdir())
        input_bytes = data.stat().st_size
    return {
        "benchmark": "large", "n": n, "cells": n * n, "input_bytes": input_bytes, "output_bytes": output_bytes,
        "build": build, "seaborn_png": baseline,
        "runs_cpu_s": [[b["cpu_s"], s["cpu_s"]] for b, s in runs],  # every (build, seaborn) pair, best taken
        "cpu_ratio": round(build["cpu_s"] / baseline["cpu_s"], 2),
        "wall_ratio": round(build["wall_s"] / baseline["wall_s"], 2),
        "peak_rss_mb": build["peak_rss_mb"],
    }


def run_measured(command: list[str], *, cwd: Path | None = None) -> dict[str, float]:
    """Run ``command`` to the end; its own CPU time (user + system), wall time and peak RSS."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    errors = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed: {errors.strip()[-2000:]}")
    return {"cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "wall_s": round(wall, 2),
            "peak_rss_mb": round(_rss_mb(usage.ru_maxrss), 1)}


def bench_many(count: int = 500, *, rows: int = 12, columns: int = 24, seed: int = 0,
               trace: bool = False) -> dict[str, Any]:
    """Build ``count`` small datasets (``rows`` × ``columns`` each) in one run."""
    with tempfile.TemporaryDirectory(prefix="attention-report-bench-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        rng = np.random.default_rng(seed)
        for i in range(count):
            _write_wide(data / f"small-{i:04d}.csv", rng.random((rows, columns)).round(3))
        figures = _run(data, Path(tmp) / "out", trace=trace)
    return {"benchmark": "many", "count": count, "cells": count * rows * columns, **figures}


def within_budget(figures: dict[str, Any]) -> list[str]:
    """The budgets a result misses, as readable lines (empty when it fits)."""
    budget = BUDGETS[figures["benchmark"]]
    return [f"{key} {figures[key]:.2f} exceeds the budget of {limit:g}"
            for key, limit in budget.items() if figures[key] > limit]


def _write_wide(path: Path, matrix: np.ndarray, digits: int | None = None) -> None:
    cell = (lambda v: f"{v:.{digits}f}") if digits is not None else (lambda v: f"{v:.6g}")
    with path.open("w", encoding="utf-8") as out:
        out.write("token," + ",".join(str(c) for c in range(matrix.shape[1])) + "\n")
        for r, row in enumerate(matrix):
            out.write(f"{r}," + ",".join(map(cell, row)) + "\n")


def _run(data: Path, out: Path, *, trace: bool) -> dict[str, Any]:
    from generator.output.writer import write_output
    from generator.pipeline import build_bundles, find_datasets

    input_bytes = sum(p.stat().st_size for p in data.iterdir())
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    paths = find_datasets([data])
    bundles = build_bundles(paths)
    write_output(out, bundles)
    wall = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    output_bytes = sum(p.stat().st_size for p in out.iterdir())
    shutil.rmtree(out, ignore_errors=True)
    figures = {
        "datasets": len(paths),
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "input_bytes": input_bytes,
        "output_bytes": output_bytes,
    }
    if traced is not None:
        figures["peak_traced_mb"] = round(traced / 2**20, 1)
    return figures


def _peak_rss_mb() -> float:
    return _rss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _rss_mb(peak: int) -> float:
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


if __name__ == "__main__":  # python -m generator.bench.size [large|many]
    import json

    which = sys.argv[1:] or ["large", "many"]
    for name in which:
        result = bench_large() if name == "large" else bench_many()
        print(json.dumps({**result, "over_budget": within_budget(result)}))
