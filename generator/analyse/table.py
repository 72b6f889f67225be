"""Find facts and observations in a level grid. Nothing here formats text.

The finders are vectorised and may be clever; each observation they return is
then re-checked by its own plain ``check`` (see :mod:`generator.analyse.observations`)
and dropped, loudly in the findings' ``rejected`` count, if the check fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from generator.analyse.levels import LevelGrid
from generator.analyse.observations import (
    AxisGaps,
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
    """Run every finder, keep what its check confirms, and rank it by how much it tells.

    ``meaning`` is the sidecar's ``values`` (attention, effect, ...): it decides whether the
    sign of the values is worth a statement.
    """
    found: list[Observation] = []
    groups = identical_groups(grid)
    found += [IdenticalRows(rows=[grid.rows[i] for i in g], positions=_filled(grid, g[0]),
                            levels=len(set(grid.levels[g[0]]) - {None})) for g in groups if len(g) > 1]
    found += find_periodic(grid, groups, settings)
    if len(groups) <= settings.level_runs_max_rows:
        found += find_level_runs(grid, groups)
    found += find_axis_gaps(grid, settings)
    found += find_missing(grid)
    found += find_extremes(grid)
    found += find_similar(grid, groups, settings)
    found += find_numeric_kinds(grid, settings, meaning)
    found += find_categorical_kinds(grid, groups, settings)
    kept = [o for o in found if o.check(grid)]
    rejected = [o for o in found if o not in kept]
    ranked = rank_table(grid, kept)
    return Analysis(facts=describe(grid), observations=[o for o, _ in ranked], rejected=rejected,
                    ranks=[r for _, r in ranked])


def describe(grid: LevelGrid) -> Facts:
    codes = grid.codes
    tally = np.bincount(codes.ravel().astype(np.int64) + 1, minlength=len(grid.scheme.names) + 1)
    counts = {name: int(tally[i + 1]) for i, name in enumerate(grid.scheme.names)}
    step = None
    if grid.numeric_columns and len(grid.columns) > 1:
        step = _common_step(list(grid.columns))
    stats = {}
    if grid.values is not None:
        finite = grid.values[~np.isnan(grid.values)]
        stats = dict(minimum=float(finite.min()), maximum=float(finite.max()), mean=float(finite.mean()))
    return Facts(rows=len(grid.rows), columns=len(grid.columns), cells=codes.size, present=int(codes.size - tally[0]),
                 level_counts=counts, column_step=step, numeric_columns=grid.numeric_columns, **stats)


def identical_groups(grid: LevelGrid) -> list[list[int]]:
    """Rows grouped by identical content (levels and, for numbers, values), in first-seen order."""
    keys: dict[bytes, list[int]] = {}
    values = None if grid.values is None else np.nan_to_num(grid.values, nan=np.inf)
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
    keys = np.array(period_keys(grid))
    if len(keys) < 2 * settings.periodic_min_support:
        return []
    names = grid.scheme.names
    candidates = [list(range(len(grid.rows)))] + (groups if 1 < len(groups) <= settings.level_runs_max_rows else [])
    found: list[Periodic] = []
    covered: set[tuple[int, int, str]] = set()
    for rows in candidates:
        block = grid.codes[rows]
        top = block[0]
        uniform = (block == top).all(axis=0)  # the column holds top's level in every row
        occurs = np.array([(block == k).any(axis=0) for k in range(len(names))]).reshape(len(names), len(keys))
        held: set[tuple[int, int, str]] = set()
        for period in range(2, settings.periodic_max_period + 1):
            residue = keys % period
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
                held.add((period, phase, first))
                if any((q, phase % q, first) in held for q in range(2, period) if period % q == 0):
                    continue  # a shorter period already says this
                if (period, phase, first) in covered:
                    continue  # already said of all rows together
                found.append(Periodic(rows=[grid.rows[r] for r in rows], period=period, phase=phase,
                                      level=str(first), exclusive=bool(exclusive), columns=count))
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
    if grid.values is None:
        return []
    found = []
    for extreme, pick in (("max", np.nanmax), ("min", np.nanmin)):
        target = float(pick(grid.values))
        cells = [[grid.rows[r], grid.columns[c], target] for r, c in np.argwhere(grid.values == target)]
        found.append(Extremes(extreme=extreme, value=target, cells=cells))
    if found[0].value == found[1].value:
        return []  # a constant grid has no extremes worth stating
    return found


def find_similar(grid: LevelGrid, groups: list[list[int]], settings: AnalysisSettings) -> list[SimilarRows]:
    """Pairs of distinct rows (one per identical group) close by Pearson r or level agreement."""
    reps = [g[0] for g in groups]
    if len(reps) < 2:
        return []
    pairs = [pair for a, b in _similar_candidates(grid, reps, settings.similar_min)
             if (pair := similar_pair(grid, a, b, settings.similar_min)) is not None]
    pairs.sort(key=lambda p: -p.value)
    return pairs[: settings.similar_max_pairs]


def similar_pair(grid: LevelGrid, a: int, b: int, threshold: float) -> SimilarRows | None:
    """Rows ``a`` and ``b`` as a similar pair, exactly, or None (fewer than 3 shared cells, constant, or apart)."""
    shared = (grid.levels[a] != None) & (grid.levels[b] != None)  # noqa: E711
    if shared.sum() < 3:
        return None
    if grid.values is not None:
        x, y = grid.values[a, shared], grid.values[b, shared]
        if x.std() == 0 or y.std() == 0:
            return None
        metric, value = "pearson", float(np.corrcoef(x, y)[0, 1])
    else:
        metric, value = "agreement", float(np.mean(grid.levels[a, shared] == grid.levels[b, shared]))
    if value < threshold:
        return None
    return SimilarRows(rows=[grid.rows[a], grid.rows[b]], metric=metric, value=value, threshold=threshold)


_CHUNK = 256
_SLACK = 1e-6


def _similar_candidates(grid: LevelGrid, reps: list[int], threshold: float):
    """Pairs (a, b) of ``reps``, in the order of the plain double loop, that may reach ``threshold``.

    A prefilter only: pairwise-complete Pearson r (or level agreement) for a block of
    rows at a time by matrix products, keeping any pair within a slack of the threshold
    or not computable this way; the exact per-pair code in :func:`find_similar` then
    decides. Linear algebra instead of n²/2 Python-level pair computations, and only
    the upper triangle of the pair matrix.
    """
    codes = grid.codes[reps]
    if grid.values is not None and (codes >= 0).all():
        yield from _complete_candidates(grid.values[reps], reps, threshold)
        return
    present = (codes >= 0).astype(np.float64)
    if grid.values is not None:
        values = grid.values[reps]
        # r is unchanged by shifting a row by a constant, on any subset of its columns:
        # centring each row first keeps the sums below well-conditioned.
        with np.errstate(invalid="ignore"):
            means = np.nanmean(np.where(present > 0, values, np.nan), axis=1, keepdims=True)
        x = np.nan_to_num(values - np.nan_to_num(means), nan=0.0) * present
    else:
        onehot = [(codes == k).astype(np.float64) for k in range(len(grid.scheme.names))]
    n = len(reps)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        rest = slice(start, n)  # pairs (i, j) with j >= i only
        shared = present[start:stop] @ present[rest].T
        with np.errstate(divide="ignore", invalid="ignore"):
            if grid.values is not None:
                sx = x[start:stop] @ present[rest].T
                sy = present[start:stop] @ x[rest].T
                sxx = (x[start:stop] ** 2) @ present[rest].T
                syy = present[start:stop] @ (x[rest] ** 2).T
                sxy = x[start:stop] @ x[rest].T
                cov = sxy - sx * sy / shared
                var = (sxx - sx ** 2 / shared) * (syy - sy ** 2 / shared)
                score = cov / np.sqrt(var)
                score[~(var > 1e-12 * np.maximum(1.0, sxx * syy))] = np.inf  # near-constant: let the exact code judge
            else:
                agree = sum(h[start:stop] @ h[rest].T for h in onehot)
                score = agree / shared
        keep = (shared >= 3) & ~(score < threshold - _SLACK)
        yield from _upper_pairs(keep, start, reps)


def _complete_candidates(values: np.ndarray, reps: list[int], threshold: float):
    """:func:`_similar_candidates` when no cell of these rows is missing: r is a dot product.

    Each row is centred and scaled to unit length once, so a block of r is one
    matrix product. A row whose own ``std()`` is 0 is never similar (as in
    :func:`similar_pair`); a row so flat that rounding could blur its r goes to the
    exact code with every partner.
    """
    if values.shape[1] < 3:
        return  # fewer than 3 shared cells: no pair is similar
    live = np.array([values[i].std() != 0 for i in range(len(values))], dtype=bool)
    x = values - values.mean(axis=1, keepdims=True)
    norm = np.sqrt(np.einsum("ij,ij->i", x, x))
    scale = np.abs(values).max(axis=1) * np.sqrt(values.shape[1])
    exact = live & ~(norm > 1e-8 * scale)
    z = x / np.where(norm > 0, norm, 1.0)[:, None]
    n = len(reps)
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        score = z[start:stop] @ z[start:].T
        score[exact[start:stop], :] = np.inf
        score[:, exact[start:]] = np.inf
        keep = ~(score < threshold - _SLACK)
        keep[~live[start:stop], :] = False
        keep[:, ~live[start:]] = False
        yield from _upper_pairs(keep, start, reps)


def _upper_pairs(keep: np.ndarray, start: int, reps: list[int]):
    """The (a, b), a before b, marked in ``keep`` (rows ``start:``, columns ``start:``), in row order."""
    for i, j in zip(*np.nonzero(keep)):
        if i < j:
            yield reps[start + i], reps[start + j]


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
