"""Observations about an attention tensor's heads, each re-checked before it is reported.

The classification in :mod:`generator.analyse.heads` is vectorised; every claim made
from it is re-derived by that module's plain ``verify_*`` functions (float64,
row by row). A layer's grouping ("5 of 12 heads in layer 0 ...") is confirmed
from the verified per-head claims of that layer, so it can only list heads whose
own claims survived.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from generator.analyse.heads import (
    HeadPattern,
    HeadThresholds,
    LayerFact,
    SimilarPair,
    classify_heads,
    layer_facts,
    similar_heads,
    verify_head_pattern,
    verify_similar_pair,
)
from generator.analyse.observations import Observation
from generator.analyse.ranking import Ranked, Support, rank
from generator.load.tensor import TensorData

#: Patterns that say what a head attends to; broad and heterogeneous heads say it does not focus.
FOCUSED = frozenset({"previous_token", "next_token", "self", "sink", "block", "duplicate_token", "induction"})


@dataclass
class TensorEvidence:
    """What the checks read: the raw tensor, its tokens, the thresholds, and what already passed."""

    data: TensorData
    thresholds: HeadThresholds
    verified: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass(frozen=True)
class HeadPatternObservation(Observation):
    """One head's pattern, the score that decided it, its map type and every metric.

    A sink also says which test made it one (``sink_by``: ``"key"`` or ``"special_tokens"``) and
    that ``key`` (a special token) is the top key of ``top_rows`` of the ``rows`` query rows
    counted; the three are None for other patterns.
    """

    kind: ClassVar[str] = "head_pattern"
    layer: int
    head: int
    pattern: str
    score: float
    key: int | None
    key_token: str | None
    map_type: str
    metrics: dict
    sink_by: str | None = None
    top_rows: int | None = None
    rows: int | None = None

    def check(self, evidence: TensorEvidence) -> bool:
        claim = HeadPattern(self.layer, self.head, self.pattern, self.score, self.key, self.map_type, self.metrics,
                            self.sink_by, self.top_rows, self.rows)
        ok = verify_head_pattern(evidence.data.attention, evidence.data.tokens, claim, evidence.thresholds)
        if ok:
            evidence.verified[(self.layer, self.head)] = self.pattern
        return ok


@dataclass(frozen=True)
class HeadGroup(Observation):
    """``count`` of the ``total`` heads of ``layer`` have ``pattern``; ``heads`` lists them."""

    kind: ClassVar[str] = "head_group"
    layer: int
    pattern: str
    heads: list
    count: int
    total: int

    def check(self, evidence: TensorEvidence) -> bool:
        total = evidence.data.attention.shape[1]
        verified = {h: p for (l, h), p in evidence.verified.items() if l == self.layer}
        if len(verified) != total:
            return False  # some head of this layer failed its own check: no claim about the layer
        heads = sorted(h for h, p in verified.items() if p == self.pattern)
        return heads == list(self.heads) and self.count == len(heads) > 0 and self.total == total


@dataclass(frozen=True)
class PartialPattern(Observation):
    """A positional ``pattern`` held only at query positions ``first``..``last``, not elsewhere.

    Each of those ``rows`` consecutive queries puts between ``low`` and ``high`` of its attention
    on the previous token (next token, itself), at least ``threshold``; the other
    ``outside_rows`` queries (from query 1, since query 0 has no previous token) put
    ``outside`` on average. A head that is previous-token over the first 15 positions only has a
    whole-sequence score that says neither "previous-token head" nor "not one".
    """

    kind: ClassVar[str] = "partial_pattern"
    layer: int
    head: int
    pattern: str
    first: int
    last: int
    rows: int
    low: float
    high: float
    outside: float
    outside_rows: int
    threshold: float

    def check(self, evidence: TensorEvidence) -> bool:
        a = np.asarray(evidence.data.attention[self.layer, self.head], dtype=np.float64)
        T = a.shape[0]
        offset = {"previous_token": -1, "next_token": 1, "self": 0}[self.pattern]
        queries = [q for q in range(T) if 0 <= q + offset < T]
        score = {q: float(a[q, q + offset]) for q in queries}
        inside = [q for q in queries if self.first <= q <= self.last]
        outside = [q for q in queries if q not in inside]
        before, after = self.first - 1, self.last + 1  # the run is maximal: its neighbours fall below
        return (len(inside) == self.rows == self.last - self.first + 1 and len(outside) == self.outside_rows > 0
                and all(score[q] >= self.threshold for q in inside)
                and (before not in score or score[before] < self.threshold)
                and (after not in score or score[after] < self.threshold)
                and abs(min(score[q] for q in inside) - self.low) <= 1e-6
                and abs(max(score[q] for q in inside) - self.high) <= 1e-6
                and abs(sum(score[q] for q in outside) / len(outside) - self.outside) <= 1e-6)


def find_partial_patterns(attention: np.ndarray, th: HeadThresholds) -> list[PartialPattern]:
    """Heads whose positional score passes the threshold on one long run of queries but not overall."""
    L, H, T = attention.shape[0], attention.shape[1], attention.shape[-1]
    out = []
    for pattern, offset in (("previous_token", -1), ("next_token", 1), ("self", 0)):
        q = np.arange(T)
        valid = (q + offset >= 0) & (q + offset < T)
        queries = q[valid]
        scores = attention[:, :, queries, queries + offset].astype(np.float64)  # [L, H, rows]
        n = len(queries)
        need = max(th.partial_min_rows, (n + 3) // 4)
        for layer in range(L):
            for head in range(H):
                hit = scores[layer, head] >= th.positional_min
                if not hit.any() or hit.all():
                    continue
                padded = np.concatenate([[0], hit.astype(np.int8), [0]])
                edges = np.flatnonzero(np.diff(padded))
                starts, stops = edges[::2], edges[1::2]
                longest = int(np.argmax(stops - starts))
                a, b = int(starts[longest]), int(stops[longest])
                if b - a < need or b - a > th.partial_max_share * n:
                    continue
                run = scores[layer, head, a:b]
                rest = np.concatenate([scores[layer, head, :a], scores[layer, head, b:]])
                if rest.mean() >= th.positional_min:
                    continue
                out.append(PartialPattern(layer=layer, head=head, pattern=pattern, first=int(queries[a]),
                                          last=int(queries[b - 1]), rows=b - a, low=float(run.min()),
                                          high=float(run.max()), outside=float(rest.mean()),
                                          outside_rows=int(rest.size), threshold=th.positional_min))
    return out


@dataclass(frozen=True)
class SimilarHeads(Observation):
    """Two heads whose mean Jensen–Shannon distance over query rows is at most ``threshold``."""

    kind: ClassVar[str] = "similar_heads"
    heads: list
    metric: str
    distance: float
    threshold: float

    def check(self, evidence: TensorEvidence) -> bool:
        pair = SimilarPair(tuple(self.heads[0]), tuple(self.heads[1]), self.distance)
        return verify_similar_pair(evidence.data.attention, pair, evidence.thresholds)


@dataclass(frozen=True)
class SimilarHeadGroup(Observation):
    """Three or more heads linked by alike pairs: each is within ``threshold`` of another in the group.

    ``pairs`` lists the alike pairs ``[[a, b, distance], …]`` that join them (each checked on
    its own as a ``similar_heads`` claim); ``closest`` and ``farthest`` are their extremes.
    """

    kind: ClassVar[str] = "similar_head_group"
    heads: list
    pairs: list
    closest: float
    farthest: float
    threshold: float

    def check(self, evidence: TensorEvidence) -> bool:
        members = {tuple(h) for h in self.heads}
        linked = {tuple(self.heads[0])}
        for a, b, distance in self.pairs:
            pair = SimilarPair(tuple(a), tuple(b), distance)
            if not (tuple(a) in members and tuple(b) in members
                    and verify_similar_pair(evidence.data.attention, pair, evidence.thresholds)):
                return False
        changed = True
        while changed:  # every head is reached from the first through the pairs
            changed = False
            for a, b, _ in self.pairs:
                if (tuple(a) in linked) != (tuple(b) in linked):
                    linked |= {tuple(a), tuple(b)}
                    changed = True
        distances = [d for *_, d in self.pairs]
        return (linked == members and len(members) >= 3 and min(distances) == self.closest
                and max(distances) == self.farthest)


def group_similar(pairs: list[SimilarHeads]) -> list[SimilarHeadGroup]:
    """Connected groups (three heads or more) of the alike pairs, in the order of their closest pair."""
    parent: dict[tuple, tuple] = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for p in pairs:
        parent[root(tuple(p.heads[0]))] = root(tuple(p.heads[1]))
    groups: dict[tuple, list[SimilarHeads]] = {}
    for p in pairs:
        groups.setdefault(root(tuple(p.heads[0])), []).append(p)
    out = []
    for members in groups.values():
        heads = sorted({tuple(h) for p in members for h in p.heads})
        if len(heads) < 3:
            continue
        out.append(SimilarHeadGroup(heads=[list(h) for h in heads],
                                    pairs=[[list(p.heads[0]), list(p.heads[1]), p.distance] for p in members],
                                    closest=min(p.distance for p in members),
                                    farthest=max(p.distance for p in members), threshold=members[0].threshold))
    return sorted(out, key=lambda g: g.closest)


@dataclass(frozen=True)
class TensorAnalysis:
    """The head patterns, and the checked observations best first with their ranks (one per observation)."""

    patterns: list[HeadPattern]
    observations: list[Observation]
    rejected: list[Observation]
    ranks: list[Ranked] = field(default_factory=list)


#: Heads that focus on nothing say less per head (see :mod:`generator.analyse.ranking`).
UNFOCUSED_WEIGHT = 0.5
SIMILAR_WEIGHT = 0.4
#: A pattern held over part of the positions only: the range is what the head's score hides.
PARTIAL_SURPRISE = 0.75


def _support(o: Observation, share: dict[str, float], total: int) -> Support:
    """Coverage: the share of all heads the claim is about; surprise: the bits of that many heads having
    a pattern that ``share`` of all heads have, over the bits needed to pick out one head."""
    scale = math.log(max(2, total))

    def surprise(p: float, k: int) -> float:
        return 1.0 if p <= 0 else min(1.0, k * math.log(1 / p) / scale)

    if o.kind in ("head_group", "head_pattern"):
        heads = o.heads if o.kind == "head_group" else [o.head]
        weight = 1.0 if o.pattern in FOCUSED else UNFOCUSED_WEIGHT
        return Support(len(heads) / total, surprise(share.get(o.pattern, 0.0), len(heads)),
                       frozenset(("head", o.layer, h, o.pattern) for h in heads), weight)
    if o.kind == "partial_pattern":
        return Support(1 / total, PARTIAL_SURPRISE, frozenset([("partial", o.layer, o.head, o.pattern)]))
    if o.kind == "similar_heads":
        return Support(2 / total, 0.5, frozenset([("similar", *map(tuple, o.heads))]), SIMILAR_WEIGHT)
    if o.kind == "similar_head_group":  # states every pair it joins, so those pairs go below it
        return Support(len(o.heads) / total, 0.5, frozenset(("similar", tuple(a), tuple(b)) for a, b, _ in o.pairs),
                       SIMILAR_WEIGHT * 1.5)
    raise ValueError(f"no ranking rule for observation kind {o.kind!r}")


def rank_tensor(patterns: list[HeadPattern], observations: list[Observation]) -> list[tuple[Observation, Ranked]]:
    """The overview page's observations best first, then the per-head ones (for the layer pages), ranked apart."""
    total = max(1, len(patterns))
    share = {p: sum(1 for x in patterns if x.pattern == p) / total for p in {x.pattern for x in patterns}}
    out: list[tuple[Observation, Ranked]] = []
    for part in ([o for o in observations if o.kind != "head_pattern"],
                 [o for o in observations if o.kind == "head_pattern"]):
        offset = len(out)
        for r in rank([_support(o, share, total) for o in part]):
            out.append((part[r.index], replace(r, rank=r.rank + offset)))
    return out


def analyse_tensor(data: TensorData, thresholds: HeadThresholds, *, max_pairs: int) -> TensorAnalysis:
    """Classify every head, then keep the claims that survive their checks, in report order."""
    attention = data.attention
    patterns = classify_heads(attention, data.tokens, thresholds)
    evidence = TensorEvidence(data, thresholds)
    heads = [_head_observation(p, data) for p in patterns]
    kept_heads = [o for o in heads if o.check(evidence)]
    groups = [_group(f) for f in layer_facts(patterns)]
    kept_groups = [o for o in groups if o.check(evidence)]
    alike = [SimilarHeads(heads=[list(p.a), list(p.b)], metric="jensen_shannon_distance", distance=p.distance,
                          threshold=thresholds.similar_max_distance)
             for p in similar_heads(attention, thresholds)]
    pairs = alike[:max_pairs]
    holds = [o.check(evidence) for o in alike]  # each pair once: the listed ones and the groups both use it
    kept_pairs = [o for o, ok in zip(pairs, holds) if ok]
    # a group is whole: every alike pair joins it, not only the closest max_pairs that are listed one by one
    similar_groups = group_similar([o for o, ok in zip(alike, holds) if ok])
    kept_pairs += [o for o in similar_groups if o.check(evidence)]
    pairs += similar_groups
    partial = find_partial_patterns(attention, thresholds)
    kept_pairs += [o for o in partial if o.check(evidence)]
    pairs += partial
    def focused(o) -> bool:
        return o.pattern in FOCUSED

    kept = ([o for o in kept_groups if focused(o)] + [o for o in kept_heads if focused(o)] + kept_pairs
            + [o for o in kept_groups if not focused(o)] + [o for o in kept_heads if not focused(o)])
    rejected = [o for o in groups + heads + pairs if o not in kept]
    ranked = rank_tensor(patterns, kept)
    return TensorAnalysis(patterns, [o for o, _ in ranked], rejected, [r for _, r in ranked])


def _head_observation(p: HeadPattern, data: TensorData) -> HeadPatternObservation:
    token = data.tokens[p.key] if (p.key is not None and data.tokens) else None
    return HeadPatternObservation(layer=p.layer, head=p.head, pattern=p.pattern, score=p.score,
                                  key=None if p.key is None else int(p.key), key_token=token,
                                  map_type=p.map_type, metrics=dict(p.metrics), sink_by=p.sink_by,
                                  top_rows=p.top_rows, rows=p.rows)


def _group(fact: LayerFact) -> HeadGroup:
    return HeadGroup(layer=fact.layer, pattern=fact.pattern, heads=list(fact.heads), count=fact.count,
                     total=fact.total)


def pattern_grid(patterns: list[HeadPattern], layers: int, heads: int) -> np.ndarray:
    """Layers × heads array of pattern names, for the overview chart."""
    grid = np.full((layers, heads), None, dtype=object)
    for p in patterns:
        grid[p.layer, p.head] = p.pattern
    return grid
