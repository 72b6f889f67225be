"""Checks of the tensor kinds of ranked findings: a positional pattern over part of the positions only,
and a group of alike heads, read from the printed sentence and recomputed from the re-read attention.
"""

from __future__ import annotations

import re

import numpy as np

from .reading import Untrue, listing, printed_value

_TARGETS = {"the previous token": -1, "the next token": 1, "itself": 0}
_NOUNS = {-1: "previous-token head", 1: "next-token head", 0: "self-attending head"}


def _close(printed: str, value: float) -> bool:
    """Printed exactly (up to float noise), or, marked ``≈``, within half a unit of its last digit."""
    shown, slack = printed_value(printed)
    return abs(shown - value) <= slack + 1e-9 * max(1.0, abs(value))


def _pct(printed: str, value: float, what: str) -> None:
    if not _close(printed, 100 * value):
        raise Untrue(f"the {what} is {100 * value:.4g}%, not {printed}%")


def check_partial_pattern(claim, heads) -> None:
    m = re.fullmatch(r"Layer (\d+) head (\d+) is an? (.+?) only at query positions (\d+)–(\d+): there each query "
                     r"puts (\S+)–(\S+)% of its attention on (the previous token|the next token|itself); at the "
                     r"other (\d+) positions (\S+)% on average\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a partial pattern")
    layer, head = int(m.group(1)), int(m.group(2))
    if not (0 <= layer < heads.layers and 0 <= head < heads.heads):
        raise Untrue(f"there is no layer {layer} head {head}")
    offset = _TARGETS[m.group(8)]
    if m.group(3) != _NOUNS[offset]:
        raise Untrue(f"attention on {m.group(8)} makes a {_NOUNS[offset]}")
    a = heads.attention[layer, head]
    T = a.shape[-1]
    q = np.arange(T)
    q = q[(q + offset >= 0) & (q + offset < T)]
    score = a[q, q + offset]
    first, last = int(m.group(4)), int(m.group(5))
    inside = (q >= first) & (q <= last)
    threshold = float(heads.thresholds["positional_min"])
    if not inside.any() or not (score[inside] >= threshold).all():
        raise Untrue(f"not every query from {first} to {last} reaches {threshold:.0%}")
    for edge in (first - 1, last + 1):  # the range is all of the run: its neighbours fall below
        if edge in q and score[q == edge][0] >= threshold:
            raise Untrue(f"query {edge} reaches the threshold too: the range is longer")
    if int((~inside).sum()) != int(m.group(9)) or not (~inside).any():
        raise Untrue(f"{int((~inside).sum())} other positions")
    if score[~inside].mean() >= threshold:
        raise Untrue("the pattern holds on average outside the range too")
    if inside.sum() < max(int(heads.thresholds["partial_min_rows"]), (len(q) + 3) // 4):
        raise Untrue("the range is too short to be a pattern")
    _pct(m.group(6), float(score[inside].min()), "lowest share there")
    _pct(m.group(7), float(score[inside].max()), "highest share there")
    _pct(m.group(10), float(score[~inside].mean()), "mean share elsewhere")


def _distance(heads, x, y) -> float:
    P, Q = heads.attention[x], heads.attention[y]
    M = (P + Q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        def kl(X):
            return np.where(X > 0, X * np.log2(np.where(X > 0, X, 1) / np.where(M > 0, M, 1)), 0).sum(1)
        return float(np.mean(np.sqrt(np.maximum(0.5 * kl(P) + 0.5 * kl(Q), 0))))


def check_similar_head_group(claim, heads) -> None:
    m = re.fullmatch(r"(\d+) heads attend alike as a group: (.+); each is within a mean Jensen–Shannon distance of "
                     r"(\S+) of another of them \((\d+) such pairs, from (\S+) to (\S+)\)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a group of alike heads")

    def head(text: str):
        h = re.fullmatch(r"layer (\d+) head (\d+)", text)
        if not h:
            raise Untrue(f"{text!r} is not a head")
        return int(h.group(1)), int(h.group(2))

    members, more = listing(m.group(2), head)
    if more or len(members) != int(m.group(1)) or len(set(members)) != len(members) or len(members) < 3:
        raise Untrue("the heads are not all named, once each, three or more")
    limit = float(heads.thresholds["similar_max_distance"])
    if not _close(m.group(3), limit):
        raise Untrue(f"the distance that counts as alike is {limit} (heads.similar_max_distance), not {m.group(3)}")
    pairs = [(x, y, _distance(heads, x, y)) for i, x in enumerate(members) for y in members[i + 1:]]
    close = [(x, y, d) for x, y, d in pairs if d <= limit + 1e-9]
    linked, changed = {members[0]}, True
    while changed:
        changed = False
        for x, y, _ in close:
            if (x in linked) != (y in linked):
                linked |= {x, y}
                changed = True
    if linked != set(members):
        raise Untrue("some head of the group is not within the distance of any other")
    outside = [(l, h) for l in range(heads.layers) for h in range(heads.heads) if (l, h) not in linked]
    for x in outside:  # the group is whole: no other head is within the distance of one of its members
        if any(_distance(heads, x, y) <= limit + 1e-9 for y in members):
            raise Untrue(f"layer {x[0]} head {x[1]} is within {limit} of the group too, but is not named")
    if len(close) < int(m.group(4)):
        raise Untrue(f"only {len(close)} pairs are within {limit}")
    shown = _close

    distances = sorted(d for *_, d in close)
    if not shown(m.group(5), distances[0]):
        raise Untrue(f"the closest pair is {distances[0]:.4g} apart, not {m.group(5)}")
    if not any(shown(m.group(6), d) for d in distances):  # the farthest of the pairs listed (at most the cap)
        raise Untrue(f"no pair of the group is {m.group(6)} apart")


CHECKS = {"partial_pattern": check_partial_pattern, "similar_head_group": check_similar_head_group}
