"""The observation kinds, each with the evidence it carries and a check against the data.

An observation is a claim about the data. Its ``check`` re-derives the claim from
the :class:`LevelGrid` by the plainest possible route — cell by cell, written
separately from the vectorised finders in :mod:`generator.analyse.table` — and the
report prints only observations whose check passes. The fields here are exactly
the findings JSON fields (see ``docs/findings.md``); ``kind`` names the type.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import ClassVar

from generator.analyse.levels import LevelGrid
from generator.analyse.ranges import expand
from generator.load.dataset import Label

_TOL = 1e-9


def _row(grid: LevelGrid, label: Label) -> int:
    return list(grid.rows).index(label)


def _level(grid: LevelGrid, r: int, c: int):
    return grid.levels[r][c]


def period_key(grid: LevelGrid, c: int) -> int:
    """What a periodic claim counts with: the integer label, or the 0-based position."""
    return period_keys(grid)[c]


def period_keys(grid: LevelGrid) -> list[int]:
    """:func:`period_key` of every column at once (linear, not quadratic, in the columns)."""
    labels = grid.columns
    if all(isinstance(x, int) and not isinstance(x, bool) for x in labels):
        return list(labels)
    return list(range(len(labels)))


@dataclass(frozen=True)
class Observation:
    kind: ClassVar[str] = ""

    def check(self, grid: LevelGrid) -> bool:
        raise NotImplementedError

    def fields(self) -> dict:
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class IdenticalRows(Observation):
    """These rows hold the same value in every column (missing where the others are missing)."""

    kind: ClassVar[str] = "identical_rows"
    rows: list
    positions: int
    levels: int
    """How many distinct levels the rows hold: 1 (constant rows) supports no reading of a shared mechanism."""

    def check(self, grid):
        idx = [_row(grid, r) for r in self.rows]
        if len(idx) < 2:
            return False
        first = idx[0]
        filled = 0
        for c in range(len(grid.columns)):
            for r in idx[1:]:
                if _level(grid, r, c) != _level(grid, first, c):
                    return False
                if grid.values is not None:
                    a, b = grid.values[first][c], grid.values[r][c]
                    if not (a == b or (math.isnan(a) and math.isnan(b))):
                        return False
            filled += _level(grid, first, c) is not None
        distinct = {_level(grid, first, c) for c in range(len(grid.columns))} - {None}
        return filled == self.positions and len(distinct) == self.levels


@dataclass(frozen=True)
class SimilarRows(Observation):
    """Two rows that are not identical but close by ``metric`` (pearson or agreement)."""

    kind: ClassVar[str] = "similar_rows"
    rows: list
    metric: str
    value: float
    threshold: float

    def check(self, grid):
        a, b = (_row(grid, r) for r in self.rows)
        shared = [c for c in range(len(grid.columns))
                  if _level(grid, a, c) is not None and _level(grid, b, c) is not None]
        if len(shared) < 3:
            return False
        if self.metric == "agreement":
            value = sum(_level(grid, a, c) == _level(grid, b, c) for c in shared) / len(shared)
        elif self.metric == "pearson":
            xs = [float(grid.values[a][c]) for c in shared]
            ys = [float(grid.values[b][c]) for c in shared]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
            sxx = sum((x - mx) ** 2 for x in xs)
            syy = sum((y - my) ** 2 for y in ys)
            if sxx == 0 or syy == 0:
                return False
            value = sxy / math.sqrt(sxx * syy)
        else:
            return False
        return abs(value - self.value) < 1e-6 and value >= self.threshold


@dataclass(frozen=True)
class Periodic(Observation):
    """In each listed row, every column whose key is ``phase`` mod ``period`` has ``level``.

    The key is the numeric label for integer-labelled columns, else the 0-based
    position. ``exclusive``: the level appears in no other column of these rows.
    """

    kind: ClassVar[str] = "periodic"
    rows: list
    period: int
    phase: int
    level: str
    exclusive: bool
    columns: int

    def check(self, grid):
        keys = period_keys(grid)
        on_phase = [c for c in range(len(grid.columns)) if keys[c] % self.period == self.phase]
        off_phase = [c for c in range(len(grid.columns)) if keys[c] % self.period != self.phase]
        rows = [_row(grid, label) for label in self.rows]
        all_on = all(_level(grid, r, c) == self.level for r in rows for c in on_phase)
        seen_off = any(_level(grid, r, c) == self.level for r in rows for c in off_phase)
        return all_on and len(on_phase) == self.columns and self.exclusive == (not seen_off)


@dataclass(frozen=True)
class LevelRuns(Observation):
    """All columns of ``row`` holding ``level``, and the ranges they compress into."""

    kind: ClassVar[str] = "level_runs"
    row: Label
    level: str
    columns: list
    ranges: list
    same_rows: list
    """Other rows identical to this one, which the sentence covers too."""

    def check(self, grid):
        for label in [self.row, *self.same_rows]:
            r = _row(grid, label)
            actual = [grid.columns[c] for c in range(len(grid.columns)) if _level(grid, r, c) == self.level]
            if actual != list(self.columns):
                return False
        return _same_labels(expand_labels(grid, self.ranges), self.columns)


@dataclass(frozen=True)
class AxisGaps(Observation):
    """Labels a regular progression (first label, step, last label) would have but the axis lacks."""

    kind: ClassVar[str] = "axis_gaps"
    axis: str
    step: float
    first: float
    last: float
    missing: list

    def check(self, grid):
        labels = grid.columns if self.axis == "columns" else grid.rows
        if min(labels) != self.first or max(labels) != self.last:
            return False
        progression = expand([[self.first, self.last, self.step]])
        if not _same_numbers([progression[-1]], [self.last]):
            return False
        present = set(labels)
        if any(x not in present and not any(abs(x - p) < _TOL for p in present) for x in labels):
            return False
        absent = [x for x in progression if not any(abs(x - p) < 1e-6 for p in present)]
        on_grid = all(abs(((p - self.first) / self.step) - round((p - self.first) / self.step)) < 1e-6 for p in labels)
        return on_grid and _same_numbers(absent, self.missing) and len(self.missing) > 0


@dataclass(frozen=True)
class MissingCells(Observation):
    """Every cell with no value: absent from a tidy file, or empty in a wide one."""

    kind: ClassVar[str] = "missing_cells"
    cells: list
    total: int

    def check(self, grid):
        actual = [[grid.rows[r], grid.columns[c]] for r in range(len(grid.rows))
                  for c in range(len(grid.columns)) if _level(grid, r, c) is None]
        return actual == [list(x) for x in self.cells] and self.total == len(grid.rows) * len(grid.columns)


@dataclass(frozen=True)
class Extremes(Observation):
    """All cells holding the largest (``extreme: max``) or smallest value."""

    kind: ClassVar[str] = "extremes"
    extreme: str
    value: float
    cells: list

    def check(self, grid):
        if grid.values is None:
            return False
        finite = [(grid.rows[r], grid.columns[c], float(grid.values[r][c]))
                  for r in range(len(grid.rows)) for c in range(len(grid.columns))
                  if not math.isnan(grid.values[r][c])]
        target = max(v for *_, v in finite) if self.extreme == "max" else min(v for *_, v in finite)
        expected = [[r, c, v] for r, c, v in finite if v == target]
        return target == self.value and expected == [list(x) for x in self.cells]


def _same_numbers(a, b) -> bool:
    return len(a) == len(b) and all(abs(x - y) < 1e-6 for x, y in zip(a, b))


def expand_labels(grid: LevelGrid, ranges) -> list:
    """Expand ranges of column labels: by value for numeric labels, by position otherwise."""
    if grid.numeric_columns:
        return expand(ranges)
    index = {label: i for i, label in enumerate(grid.columns)}
    out = []
    for first, last, step in ranges:
        out.extend(grid.columns[index[first]: index[last] + 1: step])
    return out


def _same_labels(a, b) -> bool:
    if all(isinstance(x, (int, float)) for x in [*a, *b]):
        return _same_numbers(a, b)
    return list(a) == list(b)


ALL_KINDS = (IdenticalRows, SimilarRows, Periodic, LevelRuns, AxisGaps, MissingCells, Extremes)
