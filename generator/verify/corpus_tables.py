"""Re-derive every claim about a corpus of tables from the files, cell by cell, by code of its own.

Each table is read again (its own Dask tasks); counts, means and percentiles are
then taken in plain Python over each cell's list of values, so nothing is shared
with the vectorised analysis but the file reader. Never imports ``generator.analyse``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from generator.errors import InputError, Problem
from generator.load.corpus import CorpusSource, read_table_shard, run_per_file
from generator.settings import Settings
from generator.verify.corpus import quantile

TOL = 1e-9


def _read(path: str, settings: Settings):
    try:
        shard = read_table_shard(path, settings)
    except InputError as exc:
        return exc.problems[0]
    m = shard.matrix
    return (list(m.rows), list(m.columns), [[float(x) for x in row] for row in m.values.tolist()])


@dataclass(frozen=True)
class TableReference:
    rows: list
    columns: list
    tables: list
    """Per prompt, rows × columns lists of floats (NaN missing)."""
    settings: Settings

    def cell(self, row, column) -> list[float] | None:
        if row not in self.rows or column not in self.columns:
            return None
        r, c = self.rows.index(row), self.columns.index(column)
        return [t[r][c] for t in self.tables]

    @property
    def signed(self) -> bool:
        return any(x < 0 for t in self.tables for row in t for x in row if not math.isnan(x))

    def holds(self, level: str, t: list, value: float) -> bool:
        if math.isnan(value):
            return False
        if level == "positive":
            return value > 0
        if level == "negative":
            return value < 0
        present = [x for row in t for x in row if not math.isnan(x)]
        lo, hi = min(present), max(present)
        return hi > lo and value >= lo + (hi - lo) * 2 / 3


def recompute_tables(source: CorpusSource, settings: Settings) -> TableReference:
    results = run_per_file(_read, source.shards, settings)
    problems = [r for r in results if isinstance(r, Problem)]
    if problems:
        raise InputError(problems)
    rows, columns = results[0][0], results[0][1]
    return TableReference(rows, columns, [r[2] for r in results], settings)


def check_table(fields: dict, ref: TableReference) -> bool:
    checker = {"corpus_consistent_cells": _cells, "corpus_extreme_mean": _extreme}.get(fields["kind"])
    return bool(checker and checker(fields, ref))


def _cells(f: dict, ref: TableReference) -> bool:
    levels = ("positive", "negative") if ref.signed else ("high",)
    if f["level"] not in levels:
        return False
    n = len(ref.tables)
    cs = ref.settings.corpus
    expected = []
    for r, row in enumerate(ref.rows):
        for c, column in enumerate(ref.columns):
            count = sum(ref.holds(f["level"], t, t[r][c]) for t in ref.tables)
            if count >= cs.consistent_min * n:
                expected.append([row, column, count])
    expected.sort(key=lambda cell: -cell[2])
    return ([list(x) for x in f["cells"]] == expected and f["prompts"] == n and f["threshold"] == cs.consistent_min
            and f["total"] == len(ref.rows) * len(ref.columns))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _extreme(f: dict, ref: TableReference) -> bool:
    means = {}
    for r, row in enumerate(ref.rows):
        for c, column in enumerate(ref.columns):
            values = [t[r][c] for t in ref.tables if not math.isnan(t[r][c])]
            if values:
                means[(r, c)] = _mean(values)
    if not means:
        return False
    target = max(means.values()) if f["extreme"] == "max" else min(means.values())
    values = ref.cell(f["row"], f["column"])
    if values is None:
        return False
    present = [x for x in values if not math.isnan(x)]
    if not present or abs(_mean(present) - target) > TOL:
        return False
    first = next(k for k, m in means.items() if abs(m - target) <= TOL)  # the first such cell, matrix order
    if (ref.rows[first[0]], ref.columns[first[1]]) != (f["row"], f["column"]):
        return False
    tail = (1 - f["interval"]) / 2
    return (abs(_mean(present) - f["mean"]) <= TOL and abs(quantile(present, tail) - f["low"]) <= TOL
            and abs(quantile(present, 1 - tail) - f["high"]) <= TOL
            and f["interval"] == ref.settings.corpus.interval
            and f["positive"] == sum(x > 0 for x in present) and f["negative"] == sum(x < 0 for x in present)
            and f["defined"] == len(present) and f["prompts"] == len(ref.tables))
