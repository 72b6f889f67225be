"""Size benchmarks: the real pipeline on one large matrix and on many small datasets.

``attention-report benchmark`` calls these; each returns plain figures so the
budgets in ``docs/limits.md`` can be checked on any machine:

* ``bench_large(n=2000)``: one ``n`` × ``n`` numeric matrix (wide CSV, like an
  attention map of ``n`` tokens) built into a temporary output folder;
* ``bench_many(count=500)``: ``count`` small 12 × 24 datasets in one build.

Both go through exactly what ``attention-report build`` runs (find, load, analyse,
render, write atomically), in this process. Peak memory is the process's peak
resident set (``ru_maxrss``), which includes the interpreter and the libraries;
``peak_traced_mb`` is what Python objects allocated at most during the build.
The inputs are generated from a fixed seed, so every run measures the same bytes.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

#: The budgets documented in docs/limits.md (seconds, megabytes) on a 2-core machine.
BUDGETS = {
    "large": {"wall_s": 60.0, "peak_rss_mb": 2048.0},
    "many": {"wall_s": 60.0, "peak_rss_mb": 2048.0},
}


def bench_large(n: int = 2000, *, seed: int = 0, trace: bool = False) -> dict[str, Any]:
    """Build one ``n`` × ``n`` attention-like matrix (rows sum to 1) through the pipeline."""
    with tempfile.TemporaryDirectory(prefix="attention-report-bench-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        rng = np.random.default_rng(seed)
        matrix = rng.random((n, n))
        matrix /= matrix.sum(axis=1, keepdims=True)
        _write_wide(data / f"large-{n}.csv", matrix)
        figures = _run(data, Path(tmp) / "out", trace=trace)
    return {"benchmark": "large", "n": n, "cells": n * n, **figures}


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
    return [f"{key} {figures[key]:.1f} exceeds the budget of {limit:g}"
            for key, limit in budget.items() if figures[key] > limit]


def _write_wide(path: Path, matrix: np.ndarray) -> None:
    lines = ["token," + ",".join(str(c) for c in range(matrix.shape[1]))]
    for r, row in enumerate(matrix):
        lines.append(f"{r}," + ",".join(f"{v:.6g}" for v in row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


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
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


if __name__ == "__main__":  # python -m generator.bench.size [large|many]
    import json

    which = sys.argv[1:] or ["large", "many"]
    for name in which:
        result = bench_large() if name == "large" else bench_many()
        print(json.dumps({**result, "over_budget": within_budget(result)}))
