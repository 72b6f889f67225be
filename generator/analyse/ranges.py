"""Compress a list of axis labels into ranges a reader can check: 16, 18, 20 -> 16–20 step 2."""

from __future__ import annotations

from typing import Sequence


def compress(labels: Sequence[float], unit: float = 1) -> list[list]:
    """Return ``[[first, last, step], ...]`` whose expansion is exactly ``labels`` (sorted, distinct).

    ``unit`` is the axis's own step (1 for consecutive integers). A range with a
    wider step needs at least three members, so '44, 46' never reads as '44–46'
    (which a reader would take to include 45); two neighbours one unit apart do
    form a range. Everything else stands alone as ``[x, x, unit]``.
    """
    values = sorted(labels)
    ranges: list[list] = []
    i = 0
    while i < len(values):
        if i + 1 == len(values):
            ranges.append([values[i], values[i], unit])
            break
        step = values[i + 1] - values[i]
        j = i + 1
        while j + 1 < len(values) and values[j + 1] - values[j] == step:
            j += 1
        members = j - i + 1
        if members >= 3 or (members == 2 and step == unit):
            ranges.append([values[i], values[j], step])
            i = j + 1
        else:
            ranges.append([values[i], values[i], unit])
            i += 1
    return ranges


def expand(ranges: Sequence[Sequence[float]]) -> list[float]:
    """The labels a list of ranges stands for (the inverse of :func:`compress`)."""
    out: list[float] = []
    for first, last, step in ranges:
        if step <= 0:
            raise ValueError("step must be positive")
        count = round((last - first) / step)
        out.extend(first + i * step for i in range(count + 1))
    return out
