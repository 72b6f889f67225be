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
build's time; the build reads every file once, for the analysis and the verify
stage together) and its ratio to the raw bandwidth, the build's CPU seconds (all
threads, over the same span as its time: steadier than wall time on a shared machine), peak RSS per
size and its ratio between the largest and smallest size; apart, the analysis pass
alone (read, check and classify every prompt on the local scheduler, no verify, no
render) with its own ratio; and the **read-and-hash floor**: every file read and
hashed with SHA-256 on one thread per core, the least any build must do since the
findings record each file's hash, with its ratio to the raw bandwidth (the
highest ratio a build could reach if everything else took no time).
Nothing is asserted; the budgets are in docs/limits.md.
"""

from __future__ import annotations

import hashlib
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
start, cpu = time.perf_counter(), time.process_time()
code = main(["build", sys.argv[1], "--out", sys.argv[2]])
print(json.dumps({"seconds": time.perf_counter() - start, "cpu_s": time.process_time() - cpu, "code": code}))
"""

_CHILD_ANALYSIS = """
import json, sys, time
from pathlib import Path
import dask
from generator.analyse.corpus import compute_table
from generator.load.corpus import read_corpus
from generator.settings import Settings
start, cpu = time.perf_counter(), time.process_time()
table = compute_table(read_corpus(Path(sys.argv[1])), Settings())
print(json.dumps({"seconds": time.perf_counter() - start, "cpu_s": time.process_time() - cpu, "code": 0}))
"""


def raw_read(folder: Path) -> tuple[int, float]:
    """Every prompt file read start to end on one thread, warm cache (one thread reads faster than two
    here: the copy out of the page cache is bound by memory, so this is the higher, stricter baseline)."""
    files = _prompt_files(folder)
    for p in files:  # warm the page cache, as the build's files will be
        p.read_bytes()
    start = time.perf_counter()
    total = sum(len(p.read_bytes()) for p in files)
    return total, time.perf_counter() - start


def read_and_hash(folder: Path) -> float:
    """Seconds to read and SHA-256 every prompt file, one thread per core (hashlib releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    files = _prompt_files(folder)
    start = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(digest, files))
    return time.perf_counter() - start


def _prompt_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".npz")


def bench_corpus(sizes: tuple[int, ...] = (100, 1000), *, layers: int = 2, heads: int = 8, length: int = 129,
                 seed: int = 0) -> dict[str, Any]:
    runs = []
    with tempfile.TemporaryDirectory(prefix="attention-report-bench-corpus-") as tmp:
        for size in sizes:
            folder = write_planted_corpus(Path(tmp) / f"corpus-{size}", size, seed=seed, lengths=(length, length),
                                          layers=layers, heads=heads, distinct=min(size, 50))
            total, read_s = raw_read(folder)
            floor_s = read_and_hash(folder)
            build = _measured_build(folder, Path(tmp) / f"out-{size}")
            analysis = _measured_build(folder, Path(tmp) / f"unused-{size}", child=_CHILD_ANALYSIS)
            runs.append({
                "prompts": size, "bytes": total, "raw_read_mb_s": round(total / read_s / 1e6, 1),
                "build_s": round(build["seconds"], 3), "prompts_per_s": round(size / build["seconds"], 1),
                "build_read_mb_s": round(total / build["seconds"] / 1e6, 1),
                "read_ratio": _figure((total / build["seconds"]) / (total / read_s)),
                "build_cpu_s": round(build["cpu_s"], 3),
                "peak_rss_mb": round(build["peak_rss_mb"], 1),
                "analysis_pass_s": round(analysis["seconds"], 3),
                "analysis_pass_read_ratio": _figure((total / analysis["seconds"]) / (total / read_s)),
                "read_and_hash_s": round(floor_s, 3),
                "read_and_hash_ratio": _figure(read_s / floor_s),
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
