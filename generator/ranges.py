"""Compress a list of axis labels into ranges a reader can check: 16, 18, 20 -> 16–20 step 2."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

Range = tuple[float, float, float]  # first, last, step (inclusive)


def compress(labels: Sequence[float]) -> list[list]:
    """Return ``[[first, last, step], ...]`` whose expansion is exactly ``labels`` (sorted, distinct).

    The step is the one most common gap between consecutive labels, so a level
    that sits on every second column reads as a few long ranges instead of many
    single values. Labels not in a run of that step stand alone as ``[x, x, step]``.
    """
    values = sorted(labels)
    if not values:
        return []
    step = natural_step(values)
    ranges: list[list] = []
    start = prev = values[0]
    for value in values[1:]:
        if value - prev == step:
            prev = value
            continue
        ranges.append([start, prev, step])
        start = prev = value
    ranges.append([start, prev, step])
    return ranges


def natural_step(values: Sequence[float]) -> float:
    gaps = Counter(b - a for a, b in zip(values, values[1:]))
    if not gaps:
        return 1
    best = max(gaps.values())
    return min(g for g, n in gaps.items() if n == best)


def expand(ranges: Sequence[Sequence[float]]) -> list[float]:
    """The labels a list of ranges stands for (the inverse of :func:`compress`)."""
    out: list[float] = []
    for first, last, step in ranges:
        if step <= 0:
            raise ValueError("step must be positive")
        count = round((last - first) / step)
        out.extend(first + i * step for i in range(count + 1))
    return out
