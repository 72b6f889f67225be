"""Find facts and observations in a level grid. Nothing here formats text.

The finders are vectorised and may be clever; the sentence printed for each
observation they return is then checked by the independent verify stage
(:mod:`generator.verify`, run by :mod:`generator.kinds.gate`), which leaves a failed
claim out, loudly in the findings' ``rejected`` count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from generator.analyse.close_rows import difference_bound, pairs_close_on_samples, rms_within
from generator.analyse.levels import LevelGrid
from generator.analyse.observations import (
    AxisGaps,
    EmptyRows,
    Extremes,
    IdenticalRows,
    LevelRuns,
    MissingCells,
    Observation,
    Periodic,
    SimilarRows,
    period_keys,
)
from generator.analyse.categorical_kinds import find_categorical_kinds
from generator.analyse.numeric_kinds import find_numeric_kinds
from generator.analyse.ranges import compress
from generator.analyse.ranking import Ranked
from generator.analyse.table_ranking import rank_table
from generator.settings import AnalysisSettings


@dataclass(frozen=True)
class Facts:
    """Plain counts about the grid, for the Overview and Components sections."""

    rows: int
    columns: int
    cells: int
    present: int
    level_counts: dict[str, int]
    column_step: float | None
    numeric_columns: bool
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None


@dataclass(frozen=True)
class Analysis:
    """The checked observations, best first (see :mod:`generator.analyse.ranking`), with their ranks."""

    facts: Facts
    observations: list[Observation] = field(default_factory=list)
    rejected: list[Observation] = field(default_factory=list)
    ranks: list[Ranked] = field(default_factory=list)
    """One per observation, in the same order: its rank (from 1) and score."""


def analyse(grid: LevelGrid, settings: AnalysisSettings, meaning: str | None = None) -> Analysis:
    """Run every finder and rank what it found by how much it tells.

    ``meaning`` is the sidecar's ``values`` (attention, effect, ...): it decides whether the
    sign of the values is worth a statement. The verify stage then checks each claim as printed.
    """
    found: list[Observation] = []
    groups = identical_groups(grid)
    found += [IdenticalRows(rows=[grid.rows[i] for i in g], positions=_filled(grid, g[0]),
                            levels=len(set(grid.levels[g[0]]) - {None}))
              for g in groups if len(g) > 1 and _filled(grid, g[0]) > 0]
    found += find_empty(grid)
    found += find_periodic(grid, groups, settings)
    if len(groups) <= settings.level_runs_max_rows:
        found += find_level_runs(grid, groups)
    found += find_axis_gaps(grid, settings)
    found += find_missing(grid)
    found += find_extremes(grid)
    found += find_similar(grid, groups, settings)
    found += find_numeric_kinds(grid, settings, meaning)
    found += find_categorical_kinds(grid, groups, settings)
    # Nothing is checked here: the verify stage reads every printed sentence back against the file
    # (generator/verify), and the render gate leaves out, or under verify.strict refuses, what fails.
    ranked = rank_table(grid, found)
    return Analysis(facts=describe(grid), observations=[o for o, _ in ranked], ranks=[r for _, r in ranked])


def find_empty(grid: LevelGrid) -> list[EmptyRows]:
    """Rows, then columns, with no value at all (none when the whole grid is empty of one kind)."""
    present = grid.present
    found = []
    for axis, labels, filled in (("rows", grid.rows, present.any(axis=1)), ("columns", grid.columns, present.any(axis=0))):
        empty = np.flatnonzero(~filled)
        if 0 < len(empty) < len(labels):
            found.append(EmptyRows(axis=axis, labels=[labels[i] for i in empty]))
    return found


def describe(grid: LevelGrid) -> Facts:
    step = None
    if grid.numeric_columns and len(grid.columns) > 1:
        step = _common_step(list(grid.columns))
    stats = {}
    if grid.values is not None:
        finite = grid.finite
        stats = dict(minimum=float(finite.min()), maximum=float(finite.max()), mean=float(finite.mean()))
    return Facts(rows=len(grid.rows), columns=len(grid.columns), cells=grid.codes.size,
                 present=int(np.count_nonzero(grid.present)), level_counts=dict(grid.level_counts),
                 column_step=step, numeric_columns=grid.numeric_columns, **stats)


def identical_groups(grid: LevelGrid) -> list[list[int]]:
    """Rows grouped by identical content (levels and, for numbers, values), in first-seen order."""
    keys: dict[bytes, list[int]] = {}
    # + 0.0 turns -0.0 into 0.0: rows equal in value are identical whatever their bytes
    values = None if grid.values is None else np.nan_to_num(grid.values + 0.0, nan=np.inf, copy=False)
    codes = grid.codes
    for r in range(len(grid.rows)):
        key = codes[r].tobytes() if values is None else values[r].tobytes() + codes[r].tobytes()
        keys.setdefault(key, []).append(r)
    return list(keys.values())


def find_periodic(grid: LevelGrid, groups: list[list[int]], settings: AnalysisSettings) -> list[Periodic]:
    """Levels that hold on every ``period``-th column (by the period key) of a set of rows.

    Per candidate set of rows, two column-wise summaries answer every (period, phase)
    in time linear in the columns: whether a column holds one level in all those
    rows (and which), and which levels occur in it at all.
    """
    n = len(grid.columns)
    if n < 2 * settings.periodic_min_support:
        return []
    bases = {period: period_keys(grid.columns, period) for period in range(2, settings.periodic_max_period + 1)}
    names = grid.scheme.names
    candidates = [list(range(len(grid.rows)))] + (groups if 1 < len(groups) <= settings.level_runs_max_rows else [])
    found: list[Periodic] = []
    covered: set[tuple[int, int, str, str]] = set()
    for rows in candidates:
        block = grid.codes[rows]
        top = block[0]
        uniform = (block == top).all(axis=0)  # the column holds top's level in every row
        occurs = np.array([(block == k).any(axis=0) for k in range(len(names))]).reshape(len(names), n)
        held: set[tuple[int, int, str, str]] = set()
        for period, (keys, by) in bases.items():
            residue = np.array(keys) % period
            for phase in range(period):
                on = residue == phase
                count = int(on.sum())
                if count < settings.periodic_min_support or count == len(on):
                    continue
                code = int(top[np.argmax(on)])
                if code < 0 or not (uniform[on].all() and (top[on] == code).all()):
                    continue
                exclusive = not occurs[code, ~on].any()
                if settings.periodic_exclusive_only and not exclusive:
                    continue
                first = names[code]
                held.add((period, phase, first, by))
                if any((q, phase % q, first, by) in held for q in range(2, period) if period % q == 0):
                    continue  # a shorter period already says this
                if (period, phase, first, by) in covered:
                    continue  # already said of all rows together
                found.append(Periodic(rows=[grid.rows[r] for r in rows], period=period, phase=phase,
                                      level=str(first), exclusive=bool(exclusive), columns=count, by=by))
        if rows == candidates[0]:
            covered = set(held)
    return found


def find_level_runs(grid: LevelGrid, groups: list[list[int]]) -> list[LevelRuns]:
    found = []
    unit = column_unit(grid)
    for group in groups:
        r = group[0]
        for code, level in enumerate(grid.scheme.names):
            cols = np.flatnonzero(grid.codes[r] == code).tolist()
            if not cols:
                continue
            labels = [grid.columns[c] for c in cols]
            if grid.numeric_columns:
                ranges = compress(labels, unit)
            else:
                ranges = [[grid.columns[a], grid.columns[b], s] for a, b, s in compress(cols, 1)]
            found.append(LevelRuns(row=grid.rows[r], level=level, columns=labels, ranges=ranges,
                                   same_rows=[grid.rows[i] for i in group[1:]]))
    return found


def find_axis_gaps(grid: LevelGrid, settings: AnalysisSettings) -> list[AxisGaps]:
    found = []
    for axis, labels in (("columns", list(grid.columns)), ("rows", list(grid.rows))):
        if len(labels) < 3 or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in labels):
            continue
        values = sorted(labels)
        step = _common_step(values)
        if not step:
            continue
        first, last = values[0], values[-1]
        count = round((last - first) / step) + 1
        if count > 10 * len(values) + 10:
            continue
        present = {round((v - first) / step) for v in values}
        missing = [_tidy(first + i * step) for i in range(count) if i not in present]
        if missing and len(missing) <= settings.gaps_max_share * count:
            found.append(AxisGaps(axis=axis, step=_tidy(step), first=first, last=last, missing=missing))
    return found


def find_missing(grid: LevelGrid) -> list[MissingCells]:
    where = np.argwhere(grid.codes < 0)
    if len(where) == 0:
        return []
    cells = [[grid.rows[r], grid.columns[c]] for r, c in where]
    return [MissingCells(cells=cells, total=int(grid.levels.size))]


def find_extremes(grid: LevelGrid) -> list[Extremes]:
    """The largest and smallest values, every cell holding each; signed data: the strongest effect of each sign.

    Values compare by value (``-0.0`` is ``0.0``). In data with negative values
    (signed, or all at most 0) "the largest value" would name the weakest effect,
    so there the extremes are the strongest positive and negative effects, the
    stronger first.
    """
    if grid.values is None:
        return []
    high, low = float(np.nanmax(grid.values)), float(np.nanmin(grid.values))
    if high == low:
        return []  # a constant grid has no extremes worth stating

    def at(target: float) -> list:
        return [[grid.rows[r], grid.columns[c], target] for r, c in np.argwhere(grid.values == target)]

    if grid.scheme.signed or low < 0:
        found = []
        if high > 0:
            found.append(Extremes(extreme="strongest_positive", value=high + 0.0, cells=at(high)))
        if low < 0:
            found.append(Extremes(extreme="strongest_negative", value=low, cells=at(low)))
        return sorted(found, key=lambda e: -abs(e.value))
    return [Extremes(extreme="max", value=high + 0.0, cells=at(high)),
            Extremes(extreme="min", value=low + 0.0, cells=at(low))]


def find_similar(grid: LevelGrid, groups: list[list[int]], settings: AnalysisSettings) -> list[SimilarRows]:
    """Pairs of distinct rows (one per identical group) close in value, or mostly of the same level.

    Similar means close in value, not merely correlated: a row that is another plus
    a constant has r = 1 but is not close. Numbers: at every shared column the two
    rows differ by at most :func:`closeness` (a share of the value range). Categories:
    the same level at a share of at least ``similar_min`` of the shared columns.
    """
    reps = [g[0] for g in groups]
    if len(reps) < 2:
        return []
    pairs = [pair for a, b in _similar_candidates(grid, reps, settings.similar_min)
             if (pair := similar_pair(grid, a, b, settings.similar_min)) is not None]
    if grid.values is not None:
        pairs.sort(key=lambda p: p.value)
    else:
        pairs.sort(key=lambda p: -p.value)
    return pairs[: settings.similar_max_pairs]


def closeness(grid: LevelGrid, similar_min: float) -> float | None:
    """How far apart two numeric rows may be and still be close: (1 − similar_min) × the value range,
    to 2 significant digits (so the page states it exactly). None when every value is equal."""
    finite = grid.finite
    spread = float(finite.max() - finite.min()) if finite.size else 0.0
    limit = (1 - similar_min) * spread
    if not limit > 0:
        return None
    return float(f"{limit:.2g}")


def similar_pair(grid: LevelGrid, a: int, b: int, similar_min: float) -> SimilarRows | None:
    """Rows ``a`` and ``b`` as a similar pair, exactly, or None (fewer than 3 shared cells, equal there, or apart)."""
    shared = (grid.levels[a] != None) & (grid.levels[b] != None)  # noqa: E711
    n = int(shared.sum())
    if n < 3:
        return None
    rows = [grid.rows[a], grid.rows[b]]
    if grid.values is not None:
        limit = closeness(grid, similar_min)
        if limit is None:
            return None
        gap = _max_difference(grid.values[a, shared], grid.values[b, shared])
        if gap == 0 or gap > limit:
            return None
        return SimilarRows(rows=rows, metric="max_difference", value=gap, threshold=limit, shared=n)
    agree = int(np.sum(grid.levels[a, shared] == grid.levels[b, shared]))
    if agree == n or agree < similar_min * n:
        return None
    return SimilarRows(rows=rows, metric="agreement", value=agree / n, threshold=similar_min, shared=n, agree=agree)


def _max_difference(x: np.ndarray, y: np.ndarray) -> float:
    """max |x − y|, exactly from the numbers' shortest digits (float subtraction rounds)."""
    from decimal import Decimal

    gaps = np.abs(x - y)
    top = gaps.max()
    near = np.flatnonzero(gaps >= top * (1 - 1e-9))
    exact = max(abs(Decimal(repr(float(x[i]))) - Decimal(repr(float(y[i])))) for i in near)
    return float(exact)


_CHUNK = 256
_SLACK = 1e-6


def _similar_candidates(grid: LevelGrid, reps: list[int], similar_min: float):
    """Pairs (a, b) of ``reps``, in the order of the plain double loop, that may be similar.

    A prefilter only, for a block of rows at a time instead of n²/2 Python-level comparisons;
    the exact per-pair code in :func:`similar_pair` then decides. Numbers: pairs within the
    closeness limit at a few sampled columns (:mod:`generator.analyse.close_rows`), then within
    it in root-mean-square difference over the shared columns (a lower bound of the largest
    difference), directly for a few survivors or by matrix products for many. Categories:
    level agreement reaching the threshold, by matrix products. Both with a slack. Each block
    is compared only with itself and the rows after it (a pair is asked for once).
    """
    if grid.values is not None:
        yield from _close_candidates(grid, reps, similar_min)
        return
    present = (grid.levels[reps] != None).astype(np.float64)  # noqa: E711
    names = {name: k for k, name in enumerate(grid.scheme.names)}
    codes = np.vectorize(lambda v: -1 if v is None else names.get(v, -1), otypes=[np.int64])(grid.levels[reps])
    onehot = [(codes == k).astype(np.float64) for k in range(len(names))]
    n = len(reps)
    for start in range(0, n, _CHUNK):
        block, later = slice(start, min(n, start + _CHUNK)), slice(start, n)
        shared = present[block] @ present[later].T
        with np.errstate(divide="ignore", invalid="ignore"):
            agree = sum(h[block] @ h[later].T for h in onehot)
            keep = (shared >= 3) & ~(agree / shared < similar_min - _SLACK)
        for i, j in zip(*np.nonzero(keep)):
            if i < j:
                yield reps[start + i], reps[start + j]


_DIRECT_MAX = 4 * _CHUNK
"""Up to this many survivors of a block's sampled columns get their rms difference one pair at a time."""


def _close_candidates(grid: LevelGrid, reps: list[int], similar_min: float):
    limit = closeness(grid, similar_min)
    if limit is None:
        return
    values = grid.values if reps == list(range(len(grid.rows))) else grid.values[reps]  # no copy of distinct rows
    bound = difference_bound(values, limit, _SLACK)
    rms: _BlockRms | None = None
    n = len(reps)
    for start in range(0, n, _CHUNK):
        block, later = slice(start, min(n, start + _CHUNK)), slice(start, n)
        i, j = pairs_close_on_samples(values[block], values[later], bound)
        if len(i) <= _DIRECT_MAX:
            keep = rms_within(values[block][i], values[later][j], bound)
        else:
            rms = rms or _BlockRms(values, grid.present[reps], limit)
            keep = rms.keep(block, later)[i, j]
        for a, b in zip(i[keep], j[keep]):
            yield reps[start + a], reps[start + b]


class _BlockRms:
    """The rms prefilter of a block of rows against the rows after it, by matrix products.

    A table without gaps needs one product per block, not four: every pair shares every
    column, and a row's sum of squares is its own. Sums taken in another order move d² by
    about n·2⁻⁵³ of its scale, far inside the 1e-9 of it the bound already gives away.
    """

    def __init__(self, values: np.ndarray, present: np.ndarray, limit: float):
        """``values`` and ``present``: the representative rows' values and cells with a value."""
        self.present = present.astype(np.float64)
        self.dense = bool(self.present.all())
        centre = float(np.nanmean(values))
        self.x = np.nan_to_num(values - centre, nan=0.0) * self.present
        self.x2 = self.x ** 2
        self.squares = self.x2.sum(1)
        self.limit = limit

    def keep(self, block: slice, later: slice) -> np.ndarray:
        x, x2, present, squares = self.x, self.x2, self.present, self.squares
        shared = float(present.shape[1]) if self.dense else present[block] @ present[later].T
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = 2 * (x[block] @ x[later].T)
            if self.dense:
                d2 = squares[block, None] + squares[None, later] - cross
            else:
                d2 = x2[block] @ present[later].T + present[block] @ x2[later].T - cross
            scale = squares[block, None] + squares[None, later]
            rms = np.sqrt(np.maximum(d2 - 1e-9 * scale, 0) / shared)
            return (shared >= 3) & ~(rms > self.limit * (1 + _SLACK))


def column_unit(grid: LevelGrid):
    """The axis's own step: the gcd of numeric column labels, else one position."""
    if grid.numeric_columns and len(grid.columns) > 1:
        return _tidy(_common_step(sorted(grid.columns)) or 1)
    return 1


def _filled(grid: LevelGrid, r: int) -> int:
    return int(np.sum(grid.codes[r] >= 0))


def _common_step(values: list) -> float | None:
    """The largest step that puts every label on one progression (gcd of the differences)."""
    diffs = [b - a for a, b in zip(values, values[1:]) if b != a]
    if not diffs:
        return None
    if all(isinstance(v, int) for v in values):
        return math.gcd(*diffs)
    fractions = [Fraction(d).limit_denominator(10_000) for d in diffs]
    step = fractions[0]
    for f in fractions[1:]:
        step = Fraction(math.gcd(step.numerator * f.denominator, f.numerator * step.denominator),
                        step.denominator * f.denominator)
    return float(step) if step > 0 else None


def _tidy(x: float):
    return int(x) if float(x).is_integer() else float(x)
