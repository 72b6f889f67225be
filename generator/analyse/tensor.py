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
    """One head's pattern, the score that decided it, its map type and every metric."""

    kind: ClassVar[str] = "head_pattern"
    layer: int
    head: int
    pattern: str
    score: float
    key: int | None
    key_token: str | None
    map_type: str
    metrics: dict

    def check(self, evidence: TensorEvidence) -> bool:
        claim = HeadPattern(self.layer, self.head, self.pattern, self.score, self.key, self.map_type, self.metrics)
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
class TensorAnalysis:
    """The head patterns, and the checked observations best first with their ranks (one per observation)."""

    patterns: list[HeadPattern]
    observations: list[Observation]
    rejected: list[Observation]
    ranks: list[Ranked] = field(default_factory=list)


#: Heads that focus on nothing say less per head (see :mod:`generator.analyse.ranking`).
UNFOCUSED_WEIGHT = 0.5
SIMILAR_WEIGHT = 0.4


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
    if o.kind == "similar_heads":
        return Support(2 / total, 0.5, frozenset([("similar", *map(tuple, o.heads))]), SIMILAR_WEIGHT)
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
    pairs = [SimilarHeads(heads=[list(p.a), list(p.b)], metric="jensen_shannon_distance", distance=p.distance,
                          threshold=thresholds.similar_max_distance)
             for p in similar_heads(attention, thresholds)[:max_pairs]]
    kept_pairs = [o for o in pairs if o.check(evidence)]
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
                                  map_type=p.map_type, metrics=dict(p.metrics))


def _group(fact: LayerFact) -> HeadGroup:
    return HeadGroup(layer=fact.layer, pattern=fact.pattern, heads=list(fact.heads), count=fact.count,
                     total=fact.total)


def pattern_grid(patterns: list[HeadPattern], layers: int, heads: int) -> np.ndarray:
    """Layers × heads array of pattern names, for the overview chart."""
    grid = np.full((layers, heads), None, dtype=object)
    for p in patterns:
        grid[p.layer, p.head] = p.pattern
    return grid
