"""Spearman's rho of a series against its position: one series, or windows of many series at once.

The trend test (``numeric_kinds.find_trends``) asks for rho of every row and column of a table,
and, for the turn test, of both sides of each series' maximum and minimum: on a 2,000 × 2,000
table that was 16,000 one-at-a-time rankings. :func:`spearman_windows` sorts each series once
and reads the rank of every window from that one order.

Why the batched rho is *bit for bit* the one-at-a-time rho, not merely close to it: average
ranks are multiples of ½ and positions are integers, so once both are centred (their mean is
``(n - 1) / 2`` exactly), every product and every partial sum in the three dot products is an
exact multiple of ¼ far below 2**53, whatever order the sums run in. Both ways then make the
same three exact numbers and do the same last three IEEE operations on them (a product, a square
root, a division), so a rho sitting exactly on ``trend_min_rho`` is decided the same way. The
batched code keeps the numbers as integers (twice the centred ranks and positions) to make the
exactness plain.
"""

from __future__ import annotations

import functools

import numpy as np

_CHUNK_CELLS = 1 << 17
"""Rows are ranked this many cells at a time, so the integer work arrays (1 MB each) stay in cache."""


def spearman(values) -> float:
    """Spearman's rho of a series against its position: Pearson's r of its ranks (scipy's rankdata, ties
    averaged) and the positions, 0 for a constant. The reference the batched :func:`spearman_windows`
    must equal; what ``scipy.stats.spearmanr`` computes, without its per-call overhead. (A constant is
    ``min == max``, not ``np.ptp(x) == 0``: a mean that overflowed to ±inf still has ranks.)"""
    x = np.asarray(values, dtype=np.float64)
    if len(x) < 2 or x.min() == x.max():
        return 0.0
    ranks = average_ranks(x)
    ranks -= ranks.mean()
    position = np.arange(len(x), dtype=np.float64)
    position -= position.mean()
    return float(ranks @ position / np.sqrt((ranks @ ranks) * (position @ position)))


def average_ranks(x: np.ndarray) -> np.ndarray:
    """0-based ranks, ties sharing their mean rank: ``scipy.stats.rankdata(x) - 1``, in a few numpy calls."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, len(x)])
    ranks = np.empty(len(x))
    ranks[order] = np.repeat(starts + (counts - 1) / 2, counts)
    return ranks


def spearman_rows(matrix: np.ndarray) -> np.ndarray:
    """:func:`spearman` of every row of a gap-free matrix at once (a constant row gets 0)."""
    m, n = matrix.shape
    return spearman_windows(matrix, [(np.zeros(m, dtype=np.int64), np.full(m, n, dtype=np.int64))])[0]


def spearman_windows(matrix: np.ndarray, windows: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """For each ``(starts, stops)`` in ``windows``: ``spearman(matrix[i, starts[i]:stops[i]])`` for every row i.

    Each row is sorted once for all the windows; a window's ranks are its elements' places among
    the window's own elements in that order (ties share the mean of their places).
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    m, n = matrix.shape
    out = [np.zeros(m) for _ in windows]
    step = max(1, _CHUNK_CELLS // max(1, n))
    for first in range(0, m, step):
        rows = slice(first, min(m, first + step))
        ranked = _SortedRows(matrix[rows])
        for k, (starts, stops) in enumerate(windows):
            out[k][rows] = ranked.window_rho(np.asarray(starts[rows]), np.asarray(stops[rows]))
    return out


def spearman_turns(matrix: np.ndarray, turns: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Every row's rho, and for each array of turn positions, each row's rho up to its turn and from
    it (``matrix[i, :t + 1]`` and ``matrix[i, t:]``): what :func:`spearman_windows` gives for those
    windows, with one masked count per turn instead of one per window (the two sides of a turn
    split the row, sharing only the turn)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    m, n = matrix.shape
    whole = np.zeros(m)
    sides = [(np.zeros(m), np.zeros(m)) for _ in turns]
    step = max(1, _CHUNK_CELLS // max(1, n))
    for first in range(0, m, step):
        rows = slice(first, min(m, first + step))
        ranked = _SortedRows(matrix[rows])
        whole[rows] = ranked.whole_rho()
        for (before, after), turn in zip(sides, turns):
            before[rows], after[rows] = ranked.sides_rho(np.asarray(turn[rows]).astype(np.int64))
    return whole, sides


class _SortedRows:
    """Rows in sorted order, cut into runs of equal values (ties), flattened: a run never spans two rows.

    A window's elements keep their sorted order, so each run's window elements share one average
    rank: the window elements in the row's earlier runs, plus half the run's own count less one.
    The sums rho needs are then sums over runs, which one running sum over the cells gives.
    """

    def __init__(self, block: np.ndarray):
        m, n = block.shape
        self.order = np.argsort(block, axis=1)  # where ties go inside their run does not matter
        ordered = np.take_along_axis(block, self.order, axis=1)
        run_start = np.ones((m, n), dtype=bool)
        run_start[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        self._run_start = run_start
        run_starts = np.flatnonzero(run_start)
        self.run_ends = np.append(run_starts[1:], m * n) - 1
        self.row_first_run = np.searchsorted(run_starts, np.arange(m) * n)
        self.row_runs = np.diff(np.append(self.row_first_run, len(run_starts)))

    def _run_sums(self, cells: np.ndarray) -> np.ndarray:
        """The sum over each run, from one running sum (``np.add.reduceat`` is slow on runs of 1 or 2)."""
        return np.diff(np.cumsum(cells.ravel(), dtype=np.int64)[self.run_ends], prepend=0)

    def _per_run(self, per_row: np.ndarray) -> np.ndarray:
        return np.repeat(per_row, self.row_runs)

    def window_rho(self, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
        """rho of each row's elements at positions ``starts[i] <= j < stops[i]``."""
        starts, stops = starts.astype(np.int64), stops.astype(np.int64)
        inside = (self.order >= starts[:, None]) & (self.order < stops[:, None])
        return self._rho(self._run_sums(inside), self._run_sums(np.where(inside, self.order, 0)), starts, stops)

    def whole_rho(self) -> np.ndarray:
        m, n = self.order.shape
        count, place_sum = self._whole_runs
        return self._rho(count, place_sum, np.zeros(m, dtype=np.int64), np.full(m, n, dtype=np.int64))

    def sides_rho(self, turn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """rho of each row up to ``turn`` (included) and from it: the elements before the turn, counted
        per run once, give both sides (the rest of each run is after it; the turn is on both)."""
        m, n = self.order.shape
        below = self.order < turn[:, None]
        count, place_sum = self._run_sums(below), self._run_sums(np.where(below, self.order, 0))
        whole_count, whole_place_sum = self._whole_runs
        turn_run = self._run_of_place[np.arange(m), turn]
        count_up, place_sum_up = count.copy(), place_sum.copy()
        count_up[turn_run] += 1
        place_sum_up[turn_run] += turn
        zero, end = np.zeros(m, dtype=np.int64), np.full(m, n, dtype=np.int64)
        return (self._rho(count_up, place_sum_up, zero, turn + 1),
                self._rho(whole_count - count, whole_place_sum - place_sum, turn, end))

    @functools.cached_property
    def _whole_runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Each run's element count (its length: the gap to the previous run's end) and sum of positions,
        over the whole row."""
        return np.diff(self.run_ends, prepend=-1), self._run_sums(self.order)

    @functools.cached_property
    def _run_of_place(self) -> np.ndarray:
        """[row, position]: the (flat) run holding that element."""
        run = np.cumsum(self._run_start.ravel()) - 1
        out = np.empty(self.order.shape, dtype=np.int64)
        np.put_along_axis(out, self.order, run.reshape(self.order.shape), axis=1)
        return out

    def _rho(self, count: np.ndarray, place_sum: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
        """rho of each row's window from its runs' window element counts and sums of positions."""
        earlier = np.cumsum(count) - count
        earlier -= self._per_run(earlier[self.row_first_run])  # window elements in the row's earlier runs
        length = stops - starts
        # Twice a run's centred rank: 2 * (earlier + (count - 1) / 2 - (length - 1) / 2).
        twice_rank = 2 * earlier + count - self._per_run(length)
        # Twice the centred ranks sum to 0 over a window, so against twice the centred positions
        # (2 * place - (start + stop - 1)) only the 2 * place part remains.
        twice_rank_position = 2 * np.add.reduceat(twice_rank * place_sum, self.row_first_run)
        twice_rank_squared = np.add.reduceat(count * twice_rank * twice_rank, self.row_first_run)
        rank_position = twice_rank_position / 4
        rank_rank = twice_rank_squared / 4
        position_position = (length * (length * length - 1) // 3) / 4  # the sum of (twice the centred position)²
        spread = np.sqrt(rank_rank * position_position)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(spread > 0, rank_position / np.where(spread > 0, spread, 1), 0.0)
