"""Many prompts, one analysis: each head's metrics per prompt, reduced to distributions over the corpus.

The work is a Dask graph: each ``dask.delayed`` task takes a batch of prompt
files and, one file at a time, reads it, classifies every head with the tensor
analysis (:func:`classify_heads`) and keeps a fixed-size :class:`PromptSummary`
(layers × heads × metrics), so the prompts' lengths never meet and memory holds
one prompt per worker. The
summaries are then stacked in file order into a :class:`CorpusTable` — the same
bytes whichever scheduler ran the tasks — from which the observations are read:
a head's role with how many prompts show it, heads whose role depends on the
prompt (and on what: repetition, length), per-layer summaries, and the heads that
are consistent across the corpus. Nothing here formats text; the verify stage
re-derives every observation from the files by its own code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

import numpy as np

from generator.analyse.heads import PATTERNS, PRECEDENCE, classify_heads, rule_tests
from generator.errors import InputError, Problem
from generator.load.corpus import CorpusSource, Shard, read_shard, run_per_file
from generator.settings import CorpusSettings, Settings

METRICS = ("previous_token", "next_token", "self", "confidence", "entropy", "sink", "first_token", "special",
           "block", "block_chance", "duplicate_token", "induction")
"""Every per-head metric of the tensor analysis, in a fixed order; NaN where a prompt does not define it."""
RULES = PRECEDENCE
"""The patterns with a rule a head can meet on a prompt (heterogeneous is the absence of all)."""
SCORE = {"broad": "entropy"}
"""The metric that measures a pattern's rule (the pattern's own name unless listed)."""
FOCUSED = frozenset(RULES) - {"broad"}


def score_metric(pattern: str) -> str:
    return SCORE.get(pattern, pattern)


@dataclass(frozen=True)
class PromptSummary:
    """One prompt reduced to a fixed size: what a task returns (a few KB, whatever the prompt's length)."""

    file: str
    sha256: str
    size: int
    length: int
    repeat_share: float
    """Share of positions whose bigram (previous token, token) occurred earlier in the prompt."""
    roles: np.ndarray
    """[layers, heads] index into PATTERNS: the head's pattern on this prompt (precedence applied)."""
    metrics: np.ndarray
    """[layers, heads, len(METRICS)] float64."""
    rules: np.ndarray
    """[layers, heads, len(RULES)] bool: the head meets each pattern's rule on this prompt."""


def summarise_prompt(path: str, settings: Settings) -> PromptSummary | Problem:
    """The per-prompt task. A bad file comes back as its Problem (pickles cleanly across a cluster)."""
    try:
        shard = read_shard(path, settings)
    except InputError as exc:
        return exc.problems[0]
    return summarise_shard(shard, settings)


def summarise_shard(shard: Shard, settings: Settings) -> PromptSummary:
    """One prompt already read (the build reads each file once for this and for the verify stage)."""
    path, data, th = shard.file, shard.data, settings.heads
    patterns = classify_heads(data.attention, data.tokens, th)
    L, H = data.layers, data.heads
    roles = np.zeros((L, H), np.int8)
    metrics = np.full((L, H, len(METRICS)), np.nan)
    rules = np.zeros((L, H, len(RULES)), bool)
    for p in patterns:
        roles[p.layer, p.head] = PATTERNS.index(p.pattern)
        metrics[p.layer, p.head] = [p.metrics.get(name, np.nan) for name in METRICS]
        tests = rule_tests(p.metrics, th)
        rules[p.layer, p.head] = [tests[name] for name in RULES]
    return PromptSummary(file=path, sha256=shard.sha256, size=shard.size, length=data.length,
                         repeat_share=repeat_share(data.tokens), roles=roles, metrics=metrics, rules=rules)


def repeat_share(tokens) -> float:
    """Share of positions continuing a bigram seen earlier: ~0.5 for a sequence repeated twice, ~0 for prose."""
    if not tokens or len(tokens) < 2:
        return 0.0
    seen, hits = set(), 0
    for pair in zip(tokens, tokens[1:]):
        hits += pair in seen
        seen.add(pair)
    return hits / len(tokens)


@dataclass(frozen=True)
class CorpusTable:
    """Every prompt's summary, stacked in file order: the per-prompt metric table."""

    files: tuple[str, ...]
    sha256: tuple[str, ...]
    sizes: np.ndarray
    lengths: np.ndarray
    repeat_shares: np.ndarray
    roles: np.ndarray      # [N, L, H]
    metrics: np.ndarray    # [N, L, H, M]
    rules: np.ndarray      # [N, L, H, R]

    @property
    def prompts(self) -> int:
        return len(self.files)

    @property
    def layers(self) -> int:
        return self.roles.shape[1]

    @property
    def heads(self) -> int:
        return self.roles.shape[2]


def compute_table(source: CorpusSource, settings: Settings) -> CorpusTable:
    """Run the per-prompt work (local or distributed, in batches of files) and stack it; every bad prompt
    is one Problem."""
    return stack(run_per_file(summarise_prompt, source.shards, settings))


def stack(results: list[PromptSummary | Problem]) -> CorpusTable:
    problems = [r for r in results if isinstance(r, Problem)]
    good = [r for r in results if not isinstance(r, Problem)]
    if good:
        first = good[0]
        shape = first.roles.shape
        problems += [Problem(r.file, "shape", f"has {r.roles.shape[0]} layers × {r.roles.shape[1]} heads, but "
                             f"{first.file} has {shape[0]} × {shape[1]}; every prompt of a corpus needs the same "
                             "layers and heads") for r in good if r.roles.shape != shape]
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.file))
    return CorpusTable(
        files=tuple(r.file for r in good), sha256=tuple(r.sha256 for r in good),
        sizes=np.array([r.size for r in good], np.int64), lengths=np.array([r.length for r in good], np.int64),
        repeat_shares=np.array([r.repeat_share for r in good]),
        roles=np.stack([r.roles for r in good]), metrics=np.stack([r.metrics for r in good]),
        rules=np.stack([r.rules for r in good]))


# --- observations ---


@dataclass(frozen=True)
class CorpusObservation:
    kind: ClassVar[str] = ""

    def fields(self) -> dict:
        return {"kind": self.kind, **asdict(self)}


@dataclass(frozen=True)
class HeadRole(CorpusObservation):
    """Head (layer, head) meets ``pattern``'s rule on ``met`` of ``prompts`` prompts; the rule's score over
    the prompts that define it has mean ``mean`` and central ``interval`` share between ``low`` and ``high``."""

    kind: ClassVar[str] = "corpus_head_role"
    layer: int
    head: int
    pattern: str
    met: int
    prompts: int
    metric: str
    defined: int
    mean: float
    low: float
    high: float
    interval: float


@dataclass(frozen=True)
class PromptDependent(HeadRole):
    """A head meeting ``pattern``'s rule on some prompts but not most; ``factors`` say what the data ties it to."""

    kind: ClassVar[str] = "corpus_prompt_dependent"
    factors: list


@dataclass(frozen=True)
class LayerSummary(CorpusObservation):
    """In ``layer``: which heads hold a role on at least ``threshold`` of prompts, and which are prompt-dependent."""

    kind: ClassVar[str] = "corpus_layer_summary"
    layer: int
    total: int
    consistent: list
    dependent: list
    threshold: float


@dataclass(frozen=True)
class ConsistentHeads(CorpusObservation):
    """Every head holding a focused role on at least ``threshold`` of the ``prompts`` prompts."""

    kind: ClassVar[str] = "corpus_consistent_heads"
    heads: list
    count: int
    """Distinct heads in ``heads`` (a head meeting two focused rules is listed twice)."""
    total: int
    prompts: int
    threshold: float


@dataclass(frozen=True)
class CorpusAnalysis:
    table: CorpusTable
    observations: list[CorpusObservation]


def analyse_corpus(source: CorpusSource, settings: Settings) -> CorpusAnalysis:
    return analysis_of(run_per_file(summarise_prompt, source.shards, settings), settings)


def analysis_of(results: list[PromptSummary | Problem], settings: Settings) -> CorpusAnalysis:
    """The analysis from every prompt's summary (or Problem), in file order."""
    table = stack(results)
    return CorpusAnalysis(table, observations(table, settings.corpus))


def distribution(table: CorpusTable, layer: int, head: int, pattern: str, cs: CorpusSettings) -> dict:
    """The counts and the score distribution of one head's rule, as the observations carry them."""
    metric = score_metric(pattern)
    values = table.metrics[:, layer, head, METRICS.index(metric)]
    values = values[~np.isnan(values)]
    tail = (1 - cs.interval) / 2
    low, high = (np.quantile(values, [tail, 1 - tail]) if values.size else (np.nan, np.nan))
    return {"layer": layer, "head": head, "pattern": pattern,
            "met": int(table.rules[:, layer, head, RULES.index(pattern)].sum()), "prompts": table.prompts,
            "metric": metric, "defined": int(values.size), "mean": float(values.mean()) if values.size else None,
            "low": float(low) if values.size else None, "high": float(high) if values.size else None,
            "interval": cs.interval}


def factors(table: CorpusTable, layer: int, head: int, pattern: str, cs: CorpusSettings) -> list[dict]:
    """What a prompt-dependent head's rule follows, where the data shows it: repetition, length."""
    met = table.rules[:, layer, head, RULES.index(pattern)]
    out = []
    repeated = table.repeat_shares >= cs.repeated_min_share
    if repeated.any() and (~repeated).any():
        a, b = int(met[repeated].sum()), int(met[~repeated].sum())
        if abs(a / repeated.sum() - b / (~repeated).sum()) >= cs.factor_min_difference:
            out.append({"factor": "repetition", "met_repeated": a, "repeated": int(repeated.sum()),
                        "met_other": b, "other": int((~repeated).sum()), "repeated_min_share": cs.repeated_min_share})
    values = table.metrics[:, layer, head, METRICS.index(score_metric(pattern))]
    defined = ~np.isnan(values)
    lengths = table.lengths[defined]
    if defined.sum() >= cs.length_min_prompts and np.unique(lengths).size >= 3:
        rho = spearman(lengths, values[defined])
        cut = float(np.median(table.lengths))
        short = table.lengths <= cut
        split = abs(met[short].mean() - met[~short].mean()) if short.any() and (~short).any() else 0.0
        if rho is not None and abs(rho) >= cs.length_min_correlation and split >= cs.factor_min_difference:
            out.append({"factor": "length", "correlation": rho, "prompts": int(defined.sum()), "median_length": cut,
                        "met_short": int(met[short].sum()), "short": int(short.sum()),
                        "met_long": int(met[~short].sum()), "long": int((~short).sum())})
    return out


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when either side is constant."""
    import pandas as pd

    rx, ry = pd.Series(x).rank().to_numpy(), pd.Series(y).rank().to_numpy()
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def observations(table: CorpusTable, cs: CorpusSettings) -> list[CorpusObservation]:
    """Consistent heads first, then prompt-dependent heads, focused roles by support, layers, unfocused roles.

    Prompt-dependent heads come before the single consistent roles because the first line already names
    every consistent head: under the Key Observations cap, new facts go before restatements with figures."""
    n = table.prompts
    roles, dependent = [], []
    for layer in range(table.layers):
        for head in range(table.heads):
            for pattern in RULES:
                met = int(table.rules[:, layer, head, RULES.index(pattern)].sum())
                if met >= cs.consistent_min * n:
                    roles.append(HeadRole(**distribution(table, layer, head, pattern, cs)))
                elif pattern in FOCUSED and met >= cs.dependent_min * n:
                    dependent.append(PromptDependent(**distribution(table, layer, head, pattern, cs),
                                                     factors=factors(table, layer, head, pattern, cs)))
    focused = sorted((r for r in roles if r.pattern in FOCUSED), key=lambda r: (-r.met, r.layer, r.head))
    layers = [LayerSummary(layer=layer, total=table.heads,
                           consistent=[[r.head, r.pattern] for r in roles if r.layer == layer and r.pattern in FOCUSED],
                           dependent=[[d.head, d.pattern] for d in dependent if d.layer == layer],
                           threshold=cs.consistent_min)
              for layer in range(table.layers)]
    listed = [[r.layer, r.head, r.pattern] for r in sorted(focused, key=lambda r: (r.layer, r.head))]
    summary = [ConsistentHeads(heads=listed, count=len({(layer, head) for layer, head, _ in listed}),
                               total=table.layers * table.heads, prompts=n, threshold=cs.consistent_min)]
    dependent.sort(key=lambda d: (-len(d.factors), -d.met, d.layer, d.head))
    return summary + dependent + focused + layers + [r for r in roles if r.pattern not in FOCUSED]
