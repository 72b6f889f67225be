"""Block summaries of a big grid, whole-array: each block's most common level and mean value.

A chart of a 2,000 × 2,000 matrix shows 10 × 10 blocks; summarising them one
block at a time in Python took a second. Here every block is summarised at
once by reshaping the grid to (block rows, block, block columns, block), with
the same answers: the mode is the level with the most cells, ties going to the
level met first in the block read row by row (as ``Counter.most_common`` does),
``None`` for a block with no level; the mean is over the block's non-missing
values, NaN for a block with none.
"""

from __future__ import annotations

import numpy as np


def block_modes(codes: np.ndarray, block: int, levels: int) -> np.ndarray:
    """Per block, the code (0 .. levels-1) of its most common level, or -1 if all cells are missing.

    Where one level has the most cells that is the mode; only blocks where two levels tie are
    read again cell by cell, for the level met first.
    """
    cells = _blocks(codes, block, -1)
    if not levels:
        return np.full(cells.shape[::2], -1)
    counts = np.stack([(cells == code).sum(axis=(1, 3)) for code in range(levels)], axis=-1)
    best = counts.max(axis=-1)
    mode = counts.argmax(axis=-1)
    tied = ((counts == best[..., None]).sum(axis=-1) > 1) & (best > 0)
    if tied.any():
        rows, columns = np.nonzero(tied)
        tied_cells = cells[rows, :, columns, :]  # (blocks, block, block)
        order = np.arange(block * block).reshape(block, block)  # row by row
        never = block * block
        first = np.stack([np.where(tied_cells == code, order, never).min(axis=(1, 2)) for code in range(levels)],
                         axis=-1)
        leaders = counts[rows, columns] == best[rows, columns, None]
        mode[rows, columns] = np.where(leaders, first, never + 1).argmin(axis=-1)
    return np.where(best > 0, mode, -1)


def block_means(values: np.ndarray, block: int) -> np.ndarray:
    """Per block, the mean of its non-missing values (NaN where every value is missing)."""
    cells = _blocks(values, block, np.nan)
    present = ~np.isnan(cells)
    total = np.where(present, cells, 0.0).sum(axis=(1, 3))
    count = present.sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _blocks(grid: np.ndarray, block: int, fill) -> np.ndarray:
    rows, cols = grid.shape
    tall, wide = -(-rows // block), -(-cols // block)
    if (tall * block, wide * block) != (rows, cols):
        padded = np.full((tall * block, wide * block), fill, dtype=grid.dtype)
        padded[:rows, :cols] = grid
        grid = padded
    return grid.reshape(tall, block, wide, block)
