"""Rank observations by how much they tell, so a reader's first lines are the most informative.

The score of an observation is documented in ``docs/findings.md#ranking``:

    base    = weight(kind) × (coverage + surprise) / 2
    overlap = share of the observation's facts already stated by higher-ranked observations
    score   = base × (1 − overlap)

- *weight* is 1, except for kinds that say less per fact: data-quality kinds (missing cells,
  axis gaps) 0.5, extremes and sign structure 0.6, trends and similar rows 0.8, and heads that
  focus on nothing (broad, heterogeneous) 0.5.
- *coverage* is the share of the data the observation accounts for: the larger of the share
  of the cells with a value and (numeric data) the share of the total |value| held by the
  cells it is about; for a tensor, the share of all heads it is about.
- *surprise* is how unexpected it is: 1 minus the chance that one cell (or head) picked at
  random would satisfy it, e.g. 1 − the share of cells at the level the observation names,
  so "row X is Neutral at 12 layers" of a mostly Neutral table scores low.
- *facts* are what the observation states, as hashable tuples ((row, column, level) for a
  cell's level, ("head", layer, head, pattern) for a head): an observation that restates what
  higher-ranked ones said scores less, down to 0 for a pure restatement.

Ranking is greedy: the highest current score is taken next, then the overlaps of the rest
are recomputed. Ties keep the finders' order, so the result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Sequence


@dataclass(frozen=True)
class Support:
    """What the ranking needs to know about one observation."""

    coverage: float
    surprise: float
    facts: frozenset[Hashable]
    weight: float = 1.0

    @property
    def base(self) -> float:
        return self.weight * (self.coverage + self.surprise) / 2


@dataclass(frozen=True)
class Ranked:
    """One observation's place: ``rank`` from 1, its ``score`` and the parts that made it."""

    index: int  # position in the finders' order
    rank: int
    score: float
    coverage: float
    surprise: float
    overlap: float


def rank(supports: Sequence[Support]) -> list[Ranked]:
    """Greedy ranking of ``supports`` (in the finders' order); returns one Ranked per input, best first."""
    left = list(range(len(supports)))
    stated: set = set()
    out: list[Ranked] = []
    while left:
        best, best_score, best_overlap = None, -1.0, 0.0
        for i in left:
            s = supports[i]
            overlap = len(s.facts & stated) / len(s.facts) if s.facts else 0.0
            score = s.base * (1 - overlap)
            if score > best_score + 1e-12:
                best, best_score, best_overlap = i, score, overlap
        s = supports[best]
        out.append(Ranked(index=best, rank=len(out) + 1, score=round(best_score, 6),
                          coverage=round(s.coverage, 6), surprise=round(s.surprise, 6),
                          overlap=round(best_overlap, 6)))
        stated |= s.facts
        left.remove(best)
    return out
