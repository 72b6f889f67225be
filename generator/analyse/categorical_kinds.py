"""Observation kinds for level structure that almost holds, or holds with two levels exchanged.

- ``level_exception``: a periodic rule ("every odd-numbered position is Low", the level on that
  phase and nowhere else) that holds in the listed rows except at a few cells, named with the
  level they hold instead: at most ``exception_max_cells`` cells and ``exception_max_share`` of
  the rule's cells. Reported instead of dropping the rule.
- ``swapped_rows``: two rows that are equal once two levels are exchanged ("RES is MLP with
  High and Neutral swapped"): every cell where they differ holds one of the two levels in one
  row and the other in the other, both ways occur, and neither level appears where the rows
  agree.

Both work on levels, so they apply to numeric tables too (on the levels their rule gave).
Each ``check`` re-derives the claim cell by cell; the verify stage checks the printed sentence
(``generator/verify/categorical_kinds.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from generator.analyse.levels import LevelGrid
from generator.analyse.observations import Observation, period_keys
from generator.settings import AnalysisSettings


@dataclass(frozen=True)
class LevelException(Observation):
    """In ``rows``, every column whose key is ``phase`` mod ``period`` is ``level`` except ``exceptions``."""

    kind: ClassVar[str] = "level_exception"
    rows: list
    period: int
    phase: int
    level: str
    columns: int
    exceptions: list  # [[row, column, level held instead], ...]
    by: str = "label"  # what the period counts: whole-number labels, or 0-based positions (see period_keys)

@dataclass(frozen=True)
class SwappedRows(Observation):
    """``rows[1]`` is ``rows[0]`` with ``levels[0]`` and ``levels[1]`` exchanged at ``swapped`` cells."""

    kind: ClassVar[str] = "swapped_rows"
    rows: list
    levels: list
    swapped: int
    positions: int

def find_categorical_kinds(grid: LevelGrid, groups: list[list[int]], settings: AnalysisSettings) -> list[Observation]:
    return [*find_exceptions(grid, settings), *find_swaps(grid, groups, settings)]


def find_exceptions(grid: LevelGrid, settings: AnalysisSettings) -> list[LevelException]:
    """Periodic rules, over all rows together and over each row, broken by at most a few cells."""
    keys, by = period_keys(grid.columns, 3)  # by label only when the labels step evenly
    keys = np.asarray(keys)
    if len(keys) < 2 * settings.periodic_min_support:
        return []
    out: list[LevelException] = []
    said: set = set()
    row_sets = [list(range(len(grid.rows)))]
    if 1 < len(grid.rows) <= settings.level_runs_max_rows:
        row_sets += [[r] for r in range(len(grid.rows))]
    holding = {level: grid.holding(level) for level in grid.scheme.names}
    for rows in row_sets:
        # each level's cells once, and per column how many rows hold it: every rule below is counted
        # from these, not by comparing the level array again for each period and phase
        is_level = {level: held[rows] for level, held in holding.items()}
        per_column = {level: held.sum(axis=0) for level, held in is_level.items()}
        for period in range(2, settings.periodic_max_period + 1):
            for phase in range(period):
                on = (keys % period) == phase
                if on.sum() < settings.periodic_min_support or on.all():
                    continue
                for level in grid.scheme.names:
                    size = len(rows) * int(on.sum())
                    misses = size - int(per_column[level][on].sum())
                    if not 0 < misses <= min(settings.exception_max_cells, settings.exception_max_share * size):
                        continue
                    if per_column[level][~on].any():
                        continue
                    hits = is_level[level][:, on]
                    where = [(rows[i], int(np.flatnonzero(on)[j])) for i, j in zip(*np.nonzero(~hits))]
                    if any((q, phase % q, level) in said for q in range(2, period) if period % q == 0) \
                            or any(set(where) <= cells for (p, f, lv, cells) in _keyed(said) if lv == level
                                   and p == period and f == phase):
                        continue  # a shorter period, or the same rule over more rows, says it
                    said.add((period, phase, level))
                    said.add((period, phase, level, frozenset(where)))
                    out.append(LevelException(
                        rows=[grid.rows[r] for r in rows], period=period, phase=phase, level=str(level),
                        columns=int(on.sum()), by=by,
                        exceptions=[[grid.rows[r], grid.columns[c], grid.levels[r, c]] for r, c in where]))
    return out


def _keyed(said: set):
    return [x for x in said if len(x) == 4]


def find_swaps(grid: LevelGrid, groups: list[list[int]], settings: AnalysisSettings) -> list[SwappedRows]:
    """Pairs of distinct rows (one per identical group) equal up to exchanging two levels."""
    reps = [g[0] for g in groups]
    if len(reps) > settings.level_runs_max_rows:
        return []
    missing = grid.levels == None  # noqa: E711
    out = []
    for i, a in enumerate(reps):
        for b in reps[i + 1:]:
            if not np.array_equal(missing[a], missing[b]):
                continue
            x, y = grid.levels[a], grid.levels[b]
            differ = ~missing[a] & (x != y)
            pairs = {(u, v) for u, v in zip(x[differ], y[differ])}
            if len(pairs) != 2 or len({frozenset(pair) for pair in pairs}) != 1:
                continue  # both directions of one exchange: p→q somewhere and q→p elsewhere
            p, q = sorted(next(iter(pairs)), key=list(grid.scheme.names).index)
            same = ~missing[a] & ~differ
            if np.any(np.isin(x[same], [p, q])):
                continue
            out.append(SwappedRows(rows=[grid.rows[a], grid.rows[b]], levels=[str(p), str(q)],
                                   swapped=int(differ.sum()), positions=int((~missing[a]).sum())))
    return out
