"""Observation kinds for numeric tables: where the effect sits, how it is shaped, and who is rare.

Each finder reads a :class:`LevelGrid` and returns frozen dataclasses whose fields are exactly
the findings JSON fields; nothing here formats text. Each ``check`` re-derives its claim cell by
cell; the verify stage (``generator/verify/numeric_kinds.py``) checks the printed sentence again
from the raw file, without importing this module. ``docs/findings.md`` documents every rule:

- ``region``: a 4-connected block of cells of one strong level (High for unsigned data,
  Positive or Negative for signed) held by at most half the cells (else it is the background), with its bounding rows and columns, its peak (the cell of
  largest |value|) and its share of the table's total |value|.
- ``profile``: one row (or, for numeric rows, one column) whose cells of one strong level are
  at most ``profile_max_share`` of it: where they are, their peak and their share.
- ``trend``: along a numeric axis, a monotone rise or fall (Spearman's rho of value against
  position, |rho| >= ``trend_min_rho`` over at least ``trend_min_points`` points), or a rise
  then a fall (or the reverse): the same test on each side of the series' maximum (minimum),
  each side holding at least 4 points and half of ``trend_min_points``. At most
  ``max_trends``, the strongest first; profiles likewise at most ``max_profiles``.
- ``sign_structure``: for data that may carry both signs, every value >= 0, every value <= 0,
  or how many cells have each sign and the share of the total |value| the positive ones hold.
- ``rare_level``: a level held by at most ``rare_max_share`` of the cells with a value,
  listed cell by cell.
- ``concentration``: the fewest largest-|value| cells holding at least ``concentration_share``
  of the total |value|, when they are at most ``concentration_max_cells_share`` of the cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import ndimage

from generator.analyse.levels import LevelGrid
from generator.analyse.observations import Observation
from generator.analyse.ranges import compress
from generator.analyse.spearman import spearman, spearman_turns
from generator.settings import AnalysisSettings

_TOL = 1e-9


def strong_levels(grid: LevelGrid) -> list[str]:
    """The levels a region or profile may be about: High, or Positive and Negative."""
    names = grid.scheme.names
    if grid.values is None or len(names) < 3:
        return []
    return [names[0], names[-1]] if grid.scheme.signed else [names[0]]


def numeric_axis(labels) -> bool:
    return len(labels) > 0 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in labels)


def _index(labels) -> dict:
    return {label: i for i, label in enumerate(labels)}


@dataclass(frozen=True)
class Region(Observation):
    """A connected block of ``level`` cells: bounding ``rows``/``columns`` [first, last], peak, share."""

    kind: ClassVar[str] = "region"
    level: str
    cells: list
    rows: list
    columns: list
    peak: float
    peak_at: list
    share: float

@dataclass(frozen=True)
class Profile(Observation):
    """Where one row's (``axis: rows``) or column's strong cells of ``level`` are, their peak and share."""

    kind: ClassVar[str] = "profile"
    axis: str
    label: object
    level: str
    ranges: list
    count: int
    peak: float
    peak_at: object
    share: float

@dataclass(frozen=True)
class Trend(Observation):
    """Along ``axis`` (columns: the series is a row; rows: a column), of ``label`` (None: the mean)."""

    kind: ClassVar[str] = "trend"
    axis: str
    label: object
    shape: str
    turn: object
    rho: list
    points: int
    threshold: float

def _every_series(grid: LevelGrid, axis: str, chosen: list) -> list[tuple[object, np.ndarray]]:
    """(label, values along ``axis``) of each chosen row/column (None: the mean over the other axis),
    leaving out any with a gap. A label's line is its first in the grid, found through one index
    (``list.index`` per label was a pass over the labels each time)."""
    values = grid.values if axis == "columns" else grid.values.T
    labels = grid.rows if axis == "columns" else grid.columns
    gaps = np.isnan(values).any(axis=1)
    first: dict = {}
    for i, label in enumerate(labels):
        first.setdefault(label, i)
    out = []
    for label in chosen:
        if label is None:
            if not gaps.any():
                out.append((label, values.mean(axis=0)))
        elif not gaps[first[label]]:
            out.append((label, values[first[label]]))
    return out


@dataclass(frozen=True)
class SignStructure(Observation):
    """The signs of the values: ``nonnegative``, ``nonpositive`` or ``mixed`` with counts and share."""

    kind: ClassVar[str] = "sign_structure"
    sign: str
    positive: int
    negative: int
    zero: int
    positive_share: float
    minimum: float
    maximum: float

@dataclass(frozen=True)
class RareLevel(Observation):
    """Every cell holding ``level``, a level held by at most ``threshold`` of the cells with a value.

    ``bound`` says which values the level holds, for numeric data: ``["at_or_above", x]``,
    ``["below", x]``, ``["at_or_below", x]`` or ``["between", x, y]``; ``by_row`` groups the
    cells by row for the sentence: ``[[row, [columns…]], …]``.
    """

    kind: ClassVar[str] = "rare_level"
    level: str
    cells: list
    by_row: list
    count: int
    present: int
    threshold: float
    bound: list | None
    rest: list | None
    """``[level, count]`` when every other cell holds one other level, so the sentence can name it."""

def _rest(grid: LevelGrid, level: str) -> list | None:
    counts = {name: n for name, n in grid.level_counts.items() if name != level}
    others = [name for name, n in counts.items() if n]
    return [others[0], counts[others[0]]] if len(others) == 1 else None


def level_bound(grid: LevelGrid, level: str) -> list | None:
    """Which values a numeric level holds, from the level rule's cut points (None for categories)."""
    s = grid.scheme
    if grid.values is None or s.high_from is None or not np.isfinite(s.high_from):
        return None
    high, mid, low = s.names
    if level == high:
        return ["at_or_above", s.high_from]
    if level == low:
        return ["below", s.high_from] if s.low_to >= s.high_from else ["at_or_below", s.low_to]
    return ["between", s.low_to, s.high_from]


@dataclass(frozen=True)
class Concentration(Observation):
    """The ``count`` largest-|value| cells (``cells``: [row, column, value]) hold ``share`` of the total."""

    kind: ClassVar[str] = "concentration"
    cells: list
    count: int
    present: int
    share: float
    target: float

def find_numeric_kinds(grid: LevelGrid, settings: AnalysisSettings, meaning: str | None) -> list[Observation]:
    if grid.values is None or grid.total_magnitude == 0:
        return []
    return [*find_regions(grid, settings), *find_profiles(grid, settings), *find_trends(grid, settings),
            *find_sign_structure(grid, meaning), *find_rare_levels(grid, settings),
            *find_concentration(grid, settings)]


def find_regions(grid: LevelGrid, settings: AnalysisSettings) -> list[Region]:
    """Connected blocks (scipy.ndimage.label, 4-neighbour) of each strong level that is not the background."""
    values = grid.values
    total = grid.total_magnitude
    present = max(1, int(np.count_nonzero(grid.present)))
    mags = grid.magnitudes
    found = []
    for level in strong_levels(grid):
        mask = grid.holding(level)
        if not mask.any() or mask.sum() > 0.5 * present:
            continue  # a level held by most cells is the background, not a region
        labels, n = ndimage.label(mask)
        sizes = np.bincount(labels.ravel(), minlength=n + 1)
        held = np.bincount(labels.ravel(), weights=mags.ravel(), minlength=n + 1)
        big = np.flatnonzero(sizes[1:] >= settings.region_min_cells) + 1  # hundreds of thousands of labels
        keep = big[np.argsort(-held[big], kind="stable")][: settings.max_regions].tolist()  # most held first
        for k in keep:
            where = np.argwhere(labels == k)  # row-major order
            block_mags = mags[where[:, 0], where[:, 1]]
            pr, pc = where[int(np.argmax(block_mags))]
            found.append(Region(level=level, cells=[[grid.rows[r], grid.columns[c]] for r, c in where],
                                rows=[grid.rows[where[:, 0].min()], grid.rows[where[:, 0].max()]],
                                columns=[grid.columns[where[:, 1].min()], grid.columns[where[:, 1].max()]],
                                peak=float(values[pr, pc]), peak_at=[grid.rows[pr], grid.columns[pc]],
                                share=float(held[k] / total)))
    found.sort(key=lambda x: -x.share)
    return found[: settings.max_regions]


def find_profiles(grid: LevelGrid, settings: AnalysisSettings) -> list[Profile]:
    total = grid.total_magnitude
    out = []
    axes = [("rows", grid.rows, list(grid.columns), grid.values, (grid.present, grid.holding))]
    if numeric_axis(grid.rows) and len(grid.columns) > 1:
        axes.append(("columns", grid.columns, list(grid.rows), grid.values.T,
                     (grid.present.T, lambda name: grid.holding(name).T)))
    candidates = []  # (share, axis, row, level, cells): the ranges are compressed only for those kept
    strong = strong_levels(grid)
    for a, (axis, labels, others, values, (has_level, holding)) in enumerate(axes):
        present = np.sum(has_level, axis=1)
        for k, level in enumerate(strong):
            held = holding(level)  # once per level, not per row
            for i in np.flatnonzero(held.any(axis=1)):
                idx = np.flatnonzero(held[i])
                if idx.size <= settings.profile_max_share * present[i]:
                    share = float(np.abs(values[i, idx]).sum() / total)
                    candidates.append(((-share, a, int(i), k), idx))
    candidates.sort(key=lambda c: c[0])  # by share; ties in the order axis, row, level
    for (share, a, i, k), idx in candidates[: settings.max_profiles]:
        axis, labels, others, values, _ = axes[a]
        if numeric_axis(others):
            ranges = compress([others[j] for j in idx], axis_unit(others))
        else:
            ranges = [[others[x], others[y], step] for x, y, step in compress(idx.tolist(), 1)]
        mags = np.abs(values[i, idx])
        p = int(idx[int(np.argmax(mags))])
        out.append(Profile(axis=axis, label=labels[i], level=strong[k], ranges=ranges, count=int(idx.size),
                           peak=float(values[i, p]), peak_at=others[p], share=-share))
    return out


def axis_unit(labels):
    """The axis's own step (the gcd of its labels' differences), as the level runs use it."""
    from generator.analyse.table import _common_step  # late: analyse.table imports this module

    step = _common_step(sorted(labels)) or 1
    return int(step) if float(step).is_integer() else float(step)


def series_rhos(matrix: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """Every row's rho (the monotone test) and, per row, ``{shape: (left, right)}``: the rhos on each side
    of its maximum (``rise_fall``) and minimum (``fall_rise``), the turn in both: what :func:`trend_of`
    would compute one row at a time, ranked in one batch (each row sorted once)."""
    rho, [(rise, fall), (dip, climb)] = spearman_turns(matrix, [matrix.argmax(axis=1), matrix.argmin(axis=1)])
    sides = [{"rise_fall": (float(a), float(b)), "fall_rise": (float(c), float(d))}
             for a, b, c, d in zip(rise, fall, dip, climb)]
    return rho, sides


def trend_of(series, min_rho: float, min_points: int, rho: float | None = None, sides: dict | None = None):
    """(shape, turn index or None, rhos) of a gap-free series, or None: the documented test.

    Monotone first; else a turn at the series' maximum (rise then fall) or minimum (fall
    then rise), with at least ``max(4, min_points / 2)`` points on each side, the turn
    counted in both. ``rho`` and ``sides`` (as :func:`series_rhos` gives them): already
    computed, with the other series; without them the series is ranked here.
    """
    n = len(series)
    side = max(4, (min_points + 1) // 2)
    if n >= min_points:
        rho = spearman(series) if rho is None else rho
        if abs(rho) >= min_rho:
            return ("rise" if rho > 0 else "fall"), None, [rho]
    best = None
    for shape, t in (("rise_fall", int(np.argmax(series))), ("fall_rise", int(np.argmin(series)))):
        if t + 1 < side or n - t < side:
            continue
        left, right = sides[shape] if sides is not None else (spearman(series[: t + 1]), spearman(series[t:]))
        up = shape == "rise_fall"
        if (left >= min_rho and right <= -min_rho) if up else (left <= -min_rho and right >= min_rho):
            if best is None or min(abs(left), abs(right)) > best[0]:
                best = (min(abs(left), abs(right)), shape, t, [left, right])
    return None if best is None else (best[1], best[2], best[3])


def find_trends(grid: LevelGrid, settings: AnalysisSettings) -> list[Trend]:
    out = []
    for axis, numeric, labels, others in (("columns", grid.numeric_columns, grid.rows, grid.columns),
                                          ("rows", numeric_axis(grid.rows), grid.columns, grid.rows)):
        if not numeric or len(others) < settings.trend_min_points:
            continue
        chosen = ([None] if len(labels) > 1 else []) + list(labels)
        every = _every_series(grid, axis, chosen)
        rhos, sides = series_rhos(np.array([s for _, s in every])) if every else ([], [])
        for (label, series), rho, turns in zip(every, rhos, sides):
            found = trend_of(series, settings.trend_min_rho, settings.trend_min_points, float(rho), turns)
            if found:
                shape, turn, rho = found
                out.append(Trend(axis=axis, label=label, shape=shape, turn=None if turn is None else others[turn],
                                 rho=rho, points=len(series), threshold=settings.trend_min_rho))
    out.sort(key=lambda t: -min(abs(r) for r in t.rho))  # stable: the mean first among equals
    return out[: settings.max_trends]


def find_sign_structure(grid: LevelGrid, meaning: str | None) -> list[SignStructure]:
    if meaning == "attention":
        return []
    finite = grid.finite
    pos, neg = finite[finite > 0], finite[finite < 0]
    sign = "nonnegative" if neg.size == 0 else "nonpositive" if pos.size == 0 else "mixed"
    if not (grid.scheme.signed or meaning == "effect"):
        return []  # the sign of data read as unsigned (attention, gates, scores) is not its point
    total = float(np.abs(finite).sum())
    return [SignStructure(sign=sign, positive=int(pos.size), negative=int(neg.size),
                          zero=int(finite.size - pos.size - neg.size), positive_share=float(pos.sum() / total),
                          minimum=float(finite.min()), maximum=float(finite.max()))]


def find_rare_levels(grid: LevelGrid, settings: AnalysisSettings) -> list[RareLevel]:
    counts = grid.level_counts
    present = int(np.count_nonzero(grid.present))
    if sum(1 for c in counts.values() if c) < 2:
        return []
    out = []
    for name, count in counts.items():
        if 0 < count <= settings.rare_max_share * present:
            cells = [[grid.rows[r], grid.columns[c]] for r, c in np.argwhere(grid.levels == name)]
            grouped: dict = {}
            for r, c in cells:
                grouped.setdefault(r, []).append(c)
            out.append(RareLevel(level=name, cells=cells, by_row=[[r, cs] for r, cs in grouped.items()], count=count,
                                 present=present, threshold=settings.rare_max_share, bound=level_bound(grid, name),
                                 rest=_rest(grid, name)))
    return out


def find_concentration(grid: LevelGrid, settings: AnalysisSettings) -> list[Concentration]:
    present = ~np.isnan(grid.values)
    mags = np.abs(grid.values[present])
    total = float(mags.sum())
    if len(mags) < 5 or _too_spread(mags, total, settings):
        return []
    where = np.argwhere(present)
    order = np.argsort(-mags, kind="stable")
    running = np.cumsum(mags[order])
    k = int(np.searchsorted(running, settings.concentration_share * total - 1e-12 * total) + 1)
    k = min(k, len(mags))
    if k > settings.concentration_max_cells_share * len(mags):
        return []
    cells = [[grid.rows[where[i][0]], grid.columns[where[i][1]], float(grid.values[tuple(where[i])])]
             for i in order[:k]]
    return [Concentration(cells=cells, count=k, present=len(mags), share=float(running[k - 1] / total),
                          target=settings.concentration_share)]


def _too_spread(mags: np.ndarray, total: float, settings: AnalysisSettings) -> bool:
    """True when even the most cells allowed cannot hold ``concentration_share``: skips the full sort.

    The allowed count is the largest ``K <= concentration_max_cells_share * n``; the finder's running
    sum over the sorted magnitudes reaches its target only after more than ``K`` cells exactly when
    the ``K`` largest sum to less. Their sum here runs in another order than the finder's, so it
    decides only with a margin (1e-6 of it) far above what either sum's rounding can move; a sum
    within the margin goes the finder's exact way.
    """
    allowed = int(np.floor(settings.concentration_max_cells_share * len(mags)))
    if allowed < 1 or allowed >= len(mags):
        return False
    largest = float(np.partition(mags, len(mags) - allowed)[len(mags) - allowed:].sum())
    return largest * (1 + 1e-6) < settings.concentration_share * total - 1e-12 * total
