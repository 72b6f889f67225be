"""Which pairs of numeric rows may be close: a cheap necessary test before any matrix product.

Two rows are close (``analyse.table.similar_pair``) when they differ by at most a limit at
*every* shared column, so a pair apart by more at any one column is not. Testing a few
columns, each on the pairs the previous one left, leaves almost no pair of a table whose
rows are not alike (at 2,000 × 2,000 random values, about a fifth of the pairs survive each
column), and a direct root-mean-square difference over the shared columns (a lower bound of
the largest difference) then settles the survivors without the block's matrix products.

Both tests only ever keep too much: ``bound`` must sit above every float-computed difference
of a truly close pair (see :func:`difference_bound`); :func:`similar_pair` decides exactly.
"""

from __future__ import annotations

import numpy as np

SAMPLE_COLUMNS = 16
"""At most this many columns, evenly spread, are tested pair by pair."""


def difference_bound(values: np.ndarray, limit: float, slack: float) -> float:
    """A bound no float difference of two rows within ``limit`` (exactly, from their digits) exceeds.

    A float lies within half an ulp of the digits it was read from, and a float subtraction
    rounds once more, so a difference can grow by about 2⁻⁵² of the largest |value|: four of
    those, on top of the relative ``slack``, keep every close pair even far from zero.
    """
    # max |value| is the larger of |max| and |min|: no array of magnitudes (32 MB at 2,000 × 2,000)
    largest = max(abs(float(np.nanmax(values))), abs(float(np.nanmin(values)))) if np.isfinite(values).any() else 0.0
    return limit * (1 + slack) + 4 * np.finfo(np.float64).eps * largest


def pairs_close_on_samples(block: np.ndarray, later: np.ndarray, bound: float) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) with i < j, row-major: pairs of ``block`` rows and ``later`` rows (``later`` starting at the
    block's first row) that differ by at most ``bound`` at each sampled column (a gap passes)."""
    width = block.shape[1]
    columns = np.unique(np.linspace(0, width - 1, min(SAMPLE_COLUMNS, width)).astype(np.int64))
    first = columns[0]
    with np.errstate(invalid="ignore"):
        near = ~(np.abs(block[:, first, None] - later[None, :, first]) > bound)
    near &= np.arange(later.shape[0])[None, :] > np.arange(block.shape[0])[:, None]
    i, j = np.nonzero(near)
    for column in columns[1:]:
        if not len(i):
            break
        with np.errstate(invalid="ignore"):
            stay = ~(np.abs(block[i, column] - later[j, column]) > bound)
        i, j = i[stay], j[stay]
    return i, j


def rms_within(first: np.ndarray, second: np.ndarray, bound: float) -> np.ndarray:
    """For paired rows: at least 3 shared columns and a root-mean-square difference there within ``bound``."""
    difference = first - second
    shared = ~np.isnan(difference)
    count = shared.sum(axis=1)
    squares = np.where(shared, difference * difference, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(squares / count)
    return (count >= 3) & ~(rms > bound)
