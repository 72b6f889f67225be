"""A corpus of tables with the same axes (patching results per prompt, say): the mean matrix, and how
consistently each cell holds its sign across prompts.

As for tensor corpora, ``dask.delayed`` tasks (one per batch of files) read and
check each file and return its matrix; the matrices are stacked in file order (so the result is the
same on any scheduler) and every observation is read from that stack. A cell is
*positive* / *negative* on a prompt by its sign when the corpus's values are signed
(any value below zero), else *high* when it lies in the top third of that prompt's
value range (the ``thirds`` level rule).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from generator.analyse.corpus import CorpusObservation
from generator.errors import InputError, Problem
from generator.load.corpus import CorpusSource, read_table_shard, run_per_file
from generator.settings import CorpusSettings, Settings


@dataclass(frozen=True)
class TableSummary:
    file: str
    sha256: str
    size: int
    rows: tuple
    columns: tuple
    values: np.ndarray
    """[rows, columns] float64, NaN where the table has no value."""


def summarise_table(path: str, settings: Settings) -> TableSummary | Problem:
    """The per-table task; a bad file comes back as its Problem."""
    try:
        shard = read_table_shard(path, settings)
    except InputError as exc:
        return exc.problems[0]
    m = shard.matrix
    return TableSummary(path, shard.sha256, shard.size, tuple(m.rows), tuple(m.columns),
                        np.asarray(m.values, dtype=np.float64))


@dataclass(frozen=True)
class TableStack:
    files: tuple[str, ...]
    sha256: tuple[str, ...]
    sizes: np.ndarray
    rows: tuple
    columns: tuple
    values: np.ndarray
    """[prompts, rows, columns] float64."""

    @property
    def prompts(self) -> int:
        return len(self.files)

    @property
    def signed(self) -> bool:
        return bool(np.nanmin(self.values) < 0) if np.isfinite(self.values).any() else False


def compute_stack(source: CorpusSource, settings: Settings) -> TableStack:
    results = run_per_file(summarise_table, source.shards, settings)
    problems = [r for r in results if isinstance(r, Problem)]
    good = [r for r in results if not isinstance(r, Problem)]
    if good:
        first = good[0]
        for r in good[1:]:
            for axis in ("rows", "columns"):
                if getattr(r, axis) != getattr(first, axis):
                    problems.append(Problem(r.file, axis, f"differ from those of {first.file}; every table of a "
                                            f"corpus needs the same rows and columns (same labels, same order)"))
                    break
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.file))
    return TableStack(tuple(r.file for r in good), tuple(r.sha256 for r in good),
                      np.array([r.size for r in good], np.int64), first.rows, first.columns,
                      np.stack([r.values for r in good]))


def cell_levels(stack: TableStack) -> dict[str, np.ndarray]:
    """Level name -> [prompts, rows, columns] bool: where each cell holds it on each prompt."""
    v = stack.values
    if stack.signed:
        return {"positive": v > 0, "negative": v < 0}
    low = np.nanmin(v, axis=(1, 2), keepdims=True)
    high = np.nanmax(v, axis=(1, 2), keepdims=True)
    return {"high": (v >= low + (high - low) * 2 / 3) & (high > low)}


@dataclass(frozen=True)
class ConsistentCells(CorpusObservation):
    """The cells holding ``level`` on at least ``threshold`` of the prompts, with each cell's count."""

    kind: ClassVar[str] = "corpus_consistent_cells"
    level: str
    cells: list
    """[[row, column, prompts holding the level]], most prompts first, then in matrix order."""
    prompts: int
    threshold: float
    total: int


@dataclass(frozen=True)
class MeanExtreme(CorpusObservation):
    """The cell with the largest (or smallest) mean over prompts, with its spread and sign counts."""

    kind: ClassVar[str] = "corpus_extreme_mean"
    extreme: str
    row: object
    column: object
    mean: float
    low: float
    high: float
    interval: float
    positive: int
    negative: int
    defined: int
    prompts: int


@dataclass(frozen=True)
class TableCorpusAnalysis:
    stack: TableStack
    observations: list


def analyse_tables(source: CorpusSource, settings: Settings) -> TableCorpusAnalysis:
    stack = compute_stack(source, settings)
    return TableCorpusAnalysis(stack, table_observations(stack, settings.corpus))


def table_observations(stack: TableStack, cs: CorpusSettings) -> list:
    n = stack.prompts
    out: list = []
    rows, cols = len(stack.rows), len(stack.columns)
    for level, where in cell_levels(stack).items():
        counts = where.sum(0)
        cells = [[stack.rows[r], stack.columns[c], int(counts[r, c])] for r in range(rows) for c in range(cols)
                 if counts[r, c] >= cs.consistent_min * n]
        cells.sort(key=lambda cell: -cell[2])  # stable: matrix order among equals
        if cells:
            out.append(ConsistentCells(level=level, cells=cells, prompts=n, threshold=cs.consistent_min,
                                       total=rows * cols))
    with warnings.catch_warnings():  # a cell missing from every table has no mean
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(stack.values, axis=0)
    if np.isfinite(means).any():
        tail = (1 - cs.interval) / 2
        for extreme, pick in (("max", np.nanargmax), ("min", np.nanargmin)):
            r, c = np.unravel_index(pick(means), means.shape)
            column = stack.values[:, r, c]
            values = column[~np.isnan(column)]
            low, high = np.quantile(values, [tail, 1 - tail])
            out.append(MeanExtreme(extreme=extreme, row=stack.rows[r], column=stack.columns[c],
                                   mean=float(values.mean()), low=float(low), high=float(high), interval=cs.interval,
                                   positive=int((values > 0).sum()), negative=int((values < 0).sum()),
                                   defined=int(values.size), prompts=n))
    return out
