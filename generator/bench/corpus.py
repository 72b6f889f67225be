"""``attention-report benchmark corpus``: throughput and memory of a corpus build against raw reads.

For each size (100 and 1,000 prompts by default) a synthetic planted corpus is
written once; then, side by side on the same files:

* **raw read**: every file read start to end (``read_bytes``), warm page cache, one
  thread — the bandwidth a build can at best reach;
* **build**: ``attention-report build CORPUS --out DIR`` in a fresh process (the full
  pipeline: the Dask analysis pass, the verify stage's own Dask pass, render, write),
  timed inside the process so interpreter start-up is not counted, with the
  process's peak RSS from the operating system (``wait4``).

Figures: prompts per second, bytes read per second (the corpus's bytes over the
build's time; the two Dask passes each read every file) and its ratio to the raw
bandwidth, peak RSS per size and its ratio between the largest and smallest size;
and, apart, the analysis pass alone (read, check and classify every prompt on the
local scheduler, no verify, no render) with its own ratio.
Nothing is asserted; the budgets are in docs/limits.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from generator.bench.corpus_data import write_planted_corpus

BUDGETS = {"read_ratio_min": 0.5, "rss_growth_max": 1.10}

_CHILD = """
import json, sys, time
from pathlib import Path
from generator.cli import main
import generator.pipeline, generator.kinds.corpus  # imports before the clock starts
start = time.perf_counter()
code = main(["build", sys.argv[1], "--out", sys.argv[2]])
print(json.dumps({"seconds": time.perf_counter() - start, "code": code}))
"""

_CHILD_ANALYSIS = """
import json, sys, time
from pathlib import Path
import dask
from generator.analyse.corpus import compute_table
from generator.load.corpus import read_corpus
from generator.settings import Settings
start = time.perf_counter()
table = compute_table(read_corpus(Path(sys.argv[1])), Settings())
print(json.dumps({"seconds": time.perf_counter() - start, "code": 0}))
"""


def raw_read(folder: Path) -> tuple[int, float]:
    files = sorted(p for p in folder.iterdir() if p.suffix == ".npz")
    for p in files:  # warm the page cache, as the build's files will be
        p.read_bytes()
    start = time.perf_counter()
    total = sum(len(p.read_bytes()) for p in files)
    return total, time.perf_counter() - start


def bench_corpus(sizes: tuple[int, ...] = (100, 1000), *, layers: int = 2, heads: int = 8, length: int = 129,
                 seed: int = 0) -> dict[str, Any]:
    runs = []
    with tempfile.TemporaryDirectory(prefix="attention-report-bench-corpus-") as tmp:
        for size in sizes:
            folder = write_planted_corpus(Path(tmp) / f"corpus-{size}", size, seed=seed, lengths=(length, length),
                                          layers=layers, heads=heads, distinct=min(size, 50))
            total, read_s = raw_read(folder)
            build = _measured_build(folder, Path(tmp) / f"out-{size}")
            analysis = _measured_build(folder, Path(tmp) / f"unused-{size}", child=_CHILD_ANALYSIS)
            runs.append({
                "prompts": size, "bytes": total, "raw_read_mb_s": round(total / read_s / 1e6, 1),
                "build_s": round(build["seconds"], 3), "prompts_per_s": round(size / build["seconds"], 1),
                "build_read_mb_s": round(total / build["seconds"] / 1e6, 1),
                "read_ratio": _figure((total / build["seconds"]) / (total / read_s)),
                "peak_rss_mb": round(build["peak_rss_mb"], 1),
                "analysis_pass_s": round(analysis["seconds"], 3),
                "analysis_pass_read_ratio": _figure((total / analysis["seconds"]) / (total / read_s)),
            })
    growth = runs[-1]["peak_rss_mb"] / runs[0]["peak_rss_mb"]
    return {"benchmark": "corpus", "shape": {"layers": layers, "heads": heads, "length": length},
            "cpus": os.cpu_count(), "runs": runs, "rss_growth": round(growth, 4),
            "over_budget": [name for name, bad in (
                ("read_ratio", any(r["read_ratio"] < BUDGETS["read_ratio_min"] for r in runs)),
                ("rss_growth", growth > BUDGETS["rss_growth_max"])) if bad]}


def _figure(x: float) -> float:
    """Four significant digits: a ratio of 0.00004 must not print as 0."""
    return float(f"{x:.4g}")


def _measured_build(folder: Path, out: Path, child: str = _CHILD) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in [str(Path(__file__).resolve().parents[2]),
                                                                  os.environ.get("PYTHONPATH", "")] if p)}
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen([sys.executable, "-c", child, str(folder), str(out)], env=env,
                                stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        stdout.seek(0)
        stderr.seek(0)
        lines = stdout.read().decode().strip().splitlines()
        if os.waitstatus_to_exitcode(status) != 0 or not lines:
            raise RuntimeError(f"benchmark build failed: {stderr.read().decode(errors='replace')[-500:]}")
    figures = json.loads(lines[-1])
    return {**figures, "peak_rss_mb": usage.ru_maxrss / 1024}  # Linux reports KiB
