"""What each table observation is about, for the ranking: its cells, facts and surprise.

The per-kind rules are the table in ``docs/findings.md#ranking``; :func:`rank_table` applies
them with :func:`generator.analyse.ranking.rank`. A cell's level is the fact most kinds state,
so a row's level runs, a region and a rare-level list that name the same cells restate each
other; peaks are facts too, so the largest value restates a region whose peak it is.
"""

from __future__ import annotations

import math

import numpy as np

from generator.analyse.levels import LevelGrid
from generator.analyse.observations import Observation
from generator.analyse.ranking import Ranked, Support, rank

#: Kinds that say less per fact than a level claim (see the module docs of ranking).
WEIGHTS = {"missing_cells": 0.5, "axis_gaps": 0.5, "extremes": 0.6, "sign_structure": 0.4,
           "trend": 0.8, "similar_rows": 0.4, "concentration": 0.8, "rare_level": 0.8}
#: Level runs of numeric data: profiles and regions say the same with values, so runs weigh less.
NUMERIC_RUNS_WEIGHT = 0.5
#: The middle level of numeric data (Neutral) marks where nothing happens: level claims about it weigh less.
MIDDLE_WEIGHT = 0.5


class _Context:
    """Index maps, level shares and |value| totals shared by every observation of one grid."""

    def __init__(self, grid: LevelGrid):
        self.grid = grid
        self.row = {label: i for i, label in enumerate(grid.rows)}
        self.col = {label: j for j, label in enumerate(grid.columns)}
        self.present = max(1, int(np.count_nonzero(grid.present)))
        self.share = {name: float(n) / self.present for name, n in grid.level_counts.items()}
        self.agree = sum(p * p for p in self.share.values())  # chance that two cells picked at random agree
        self.mags = None if grid.values is None else grid.magnitudes
        self.total = 0.0 if self.mags is None else float(self.mags.sum())

    def coverage(self, cells) -> float:
        cells = list(cells)
        share = len(cells) / self.present
        if self.total > 0 and cells:
            share = max(share, float(sum(self.mags[r, c] for r, c in cells)) / self.total)
        return min(1.0, share)

    def surprise(self, p: float, k: int = 1) -> float:
        """The bits in learning that ``k`` cells each have a property of chance ``p``, over the bits
        needed to pick out one cell of the table (log2 of the cells with a value); at most 1."""
        if p <= 0:
            return 1.0
        return min(1.0, k * math.log(1 / p) / math.log(max(2, self.present)))

    def level_facts(self, cells) -> set:
        return {(r, c, self.grid.levels[r, c]) for r, c in cells}

    def cells_of(self, rows, level=None) -> list[tuple[int, int]]:
        out = []
        for label in rows:
            r = self.row[label]
            out += [(r, c) for c in range(len(self.grid.columns))
                    if self.grid.levels[r, c] is not None and (level is None or self.grid.levels[r, c] == level)]
        return out

    def at(self, cells) -> list[tuple[int, int]]:
        return [(self.row[x[0]], self.col[x[1]]) for x in cells]


def support(o: Observation, cx: _Context) -> Support:
    kind, g = o.kind, cx.grid
    weight = WEIGHTS.get(kind, 1.0)
    if kind in ("level_runs", "periodic", "level_exception"):
        rows = [o.row, *o.same_rows] if kind == "level_runs" else o.rows
        cells = cx.cells_of(rows, o.level)
        if g.values is not None and o.level == g.scheme.names[1]:
            weight *= MIDDLE_WEIGHT
        if g.values is not None and kind == "level_runs":
            weight *= NUMERIC_RUNS_WEIGHT
        return Support(cx.coverage(cells), cx.surprise(cx.share.get(o.level, 0.0), len(cells)),
                       frozenset(cx.level_facts(cells)), weight)
    if kind in ("identical_rows", "similar_rows", "swapped_rows"):
        cells = cx.cells_of(o.rows)
        # as many chance agreements as the rows have cells each: the bits of every one of them
        positions = len(cells) // max(1, len(o.rows))
        return Support(cx.coverage(cells), cx.surprise(cx.agree, positions), frozenset([(kind, *map(repr, o.rows))]),
                       weight)
    if kind in ("region", "rare_level", "profile"):
        if kind == "profile":
            if o.axis == "rows":
                cells = cx.cells_of([o.label], o.level)
            else:
                c = cx.col[o.label]
                cells = [(r, c) for r in range(len(g.rows)) if g.levels[r, c] == o.level]
        else:
            cells = cx.at(o.cells)
        facts = cx.level_facts(cells)
        coverage = cx.coverage(cells)
        if kind == "rare_level":
            rest = o.rest is not None and (g.values is None or o.rest[0] != g.scheme.names[1])
            if rest:  # "…, the other 234 High": the sentence gives every cell's level
                facts |= cx.level_facts(cx.cells_of(g.rows))
                coverage = 1.0
            else:  # it lists cells, not their values
                coverage = len(cells) / cx.present
        if kind == "region":
            facts.add(("peak", *cx.at([o.peak_at])[0]))
        elif kind == "profile":
            peak = (cx.row[o.label], cx.col[o.peak_at]) if o.axis == "rows" else (cx.row[o.peak_at], cx.col[o.label])
            facts.add(("peak", *peak))
        return Support(coverage, cx.surprise(cx.share.get(o.level, 0.0), len(cells)), frozenset(facts), weight)
    if kind == "extremes":
        cells = cx.at(o.cells)
        if not _dominant_extreme(o, g):
            weight *= 0.5
        return Support(cx.coverage(cells), cx.surprise(len(cells) / cx.present, len(cells)),
                       frozenset(("peak", r, c) for r, c in cells), weight)
    if kind == "concentration":
        cells = cx.at(o.cells)
        return Support(cx.coverage(cells), max(0.0, o.share - len(cells) / cx.present),
                       frozenset(("top", r, c) for r, c in cells), weight)
    if kind == "empty":
        total = len(g.rows) if o.axis == "rows" else len(g.columns)
        return Support(len(o.labels) / max(1, total), 0.5, frozenset([(kind, o.axis)]), weight)
    if kind == "missing_cells":
        return Support(len(o.cells) / max(1, o.total), 0.5, frozenset([kind]), weight)
    if kind == "axis_gaps":
        span = round((o.last - o.first) / o.step) + 1
        return Support(len(o.missing) / span, 0.5, frozenset([(kind, o.axis)]), weight)
    if kind == "trend":
        if o.label is None:
            coverage = 0.5
        elif o.axis == "columns":
            coverage = cx.coverage(cx.cells_of([o.label]))
        else:
            c = cx.col[o.label]
            coverage = cx.coverage([(r, c) for r in range(len(g.rows)) if g.levels[r, c] is not None])
        return Support(coverage, 0.5, frozenset([(kind, o.axis, repr(o.label))]), weight)
    if kind == "sign_structure":
        surprise = 0.5 if o.sign != "mixed" else abs(2 * o.positive_share - 1)
        return Support(1.0, surprise, frozenset([kind]), weight)
    raise ValueError(f"no ranking rule for observation kind {kind!r}")


def _dominant_extreme(o, g: LevelGrid) -> bool:
    """The extreme on the side of the larger magnitude (the maximum of unsigned data) is the one that says most."""
    low, high = g.scheme.minimum, g.scheme.maximum
    if low is None or high is None:
        return True
    larger = "max" if abs(high) >= abs(low) else "min"
    side = {"strongest_positive": "max", "strongest_negative": "min"}.get(o.extreme, o.extreme)
    return side == larger


def rank_table(grid: LevelGrid, observations: list[Observation]) -> list[tuple[Observation, Ranked]]:
    """The observations best first, each with its rank and score."""
    cx = _Context(grid)
    ranked = rank([support(o, cx) for o in observations])
    return [(observations[r.index], r) for r in ranked]
