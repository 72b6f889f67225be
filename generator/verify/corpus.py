"""Re-derive every corpus observation from the prompt files, by code of its own.

The analysis classifies heads with the vectorised float32 tensor path and reduces
with numpy and pandas. This module starts again from each prompt file as the
loader read it (in the build, the same read the analysis got, see
:mod:`generator.kinds.corpus_pass`; :func:`recompute` reads the files on its own),
recomputes each head's rule scores in float64 straight from the definitions in
docs/head-patterns.md — diagonals, each row's entropy over exactly the keys it
sees, each key's column over exactly the rows that see it, explicit segment
bounds and token positions — and counts, averages, interpolates quantiles and
ranks by hand. An observation is printed only if what it says matches this
recomputation. It never imports ``generator.analyse``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from generator.errors import InputError, Problem
from generator.load.corpus import CorpusSource, Shard, read_shard, run_per_file
from generator.settings import HeadThresholds, Settings

RULES = ("induction", "duplicate_token", "previous_token", "next_token", "self", "sink", "block", "broad")
#: What measures each rule (written out here, not imported: the claim's ``metric`` field must match it).
MEASURE = {"broad": "entropy"}
FOCUSED = frozenset(RULES) - {"broad"}
TOL = 1e-4
ENTROPY_BLOCK = 2**16
"""Attention values per block of heads in :func:`_entropy` (about half a megabyte per float64 temporary)."""


@dataclass(frozen=True)
class ReferencePrompt:
    file: str
    length: int
    repeat_share: float
    scores: dict[str, np.ndarray]
    """Rule measure → [layers, heads] float64 (NaN where the prompt does not define it)."""
    met: dict[str, np.ndarray]
    """Rule → [layers, heads] bool."""


def reference_prompt(path: str, settings: Settings) -> ReferencePrompt | Problem:
    try:
        shard = read_shard(path, settings)
    except InputError as exc:
        return exc.problems[0]
    return reference_shard(shard, settings)


def reference_shard(shard: Shard, settings: Settings) -> ReferencePrompt:
    """One prompt's recomputation from the file's bytes as read (and hashed) by the loader."""
    # the file's float32 values, widened to float64 (exactly: float64 holds every float32) where each
    # score reads them, rather than as a second, double-size copy of the whole tensor
    path, a = shard.file, shard.data.attention
    tokens = shard.data.tokens
    th = settings.heads
    T = a.shape[-1]
    causal = T > 1 and float(a[..., np.triu(np.ones((T, T), bool), 1)].max()) <= th.causal_tolerance
    s = {}
    for name, offset in (("previous_token", -1), ("next_token", 1), ("self", 0)):
        s[name] = (np.diagonal(a, offset, axis1=2, axis2=3).astype(np.float64).mean(-1) if T > abs(offset)
                   else np.zeros(a.shape[:2]))
    s["entropy"] = _entropy(a, causal, th)
    sink, sink_top, special, special_top = _sink(a, tokens, causal, th)
    s["sink"] = sink
    block, chance = _block(a, tokens, causal, th)
    s["block"] = block
    for name, value in _repeats(a, tokens, th).items():
        s[name] = value
    nan = np.full(a.shape[:2], np.nan)
    met = {
        "induction": np.nan_to_num(s.get("induction", nan), nan=-1) >= th.induction_min,
        "duplicate_token": np.nan_to_num(s.get("duplicate_token", nan), nan=-1) >= th.duplicate_min,
        "previous_token": s["previous_token"] >= th.positional_min,
        "next_token": s["next_token"] >= th.positional_min,
        "self": s["self"] >= th.positional_min,
        "sink": ((s["sink"] >= th.sink_min) & (sink_top >= th.sink_min_top_rows))
                | ((np.nan_to_num(special, nan=-1) >= th.special_min)
                   & (np.nan_to_num(special_top, nan=-1) >= th.sink_min_top_rows)),
        "block": (np.nan_to_num(block, nan=-1) >= th.block_min) & (np.nan_to_num(block - chance, nan=-1) >= th.block_lift),
        "broad": s["entropy"] >= th.broad_min,
    }
    scores = {MEASURE.get(r, r): s.get(MEASURE.get(r, r), nan) for r in RULES}
    return ReferencePrompt(path, T, _repeat_share(tokens), scores, met)


def _entropy(a, causal, th: HeadThresholds, block: int = ENTROPY_BLOCK):
    """Per head, the mean over rows seeing at least two keys of the row's entropy over the keys it sees
    (each value smoothed towards uniform over them), over log(keys seen).

    Only the keys a row sees are taken: row by row, so a causal map's hidden half is never read. A few
    heads at a time (about ``block`` values): the float64 temporaries then stay small enough to be reused
    rather than be fresh pages for every prompt; each head's rows are summed on their own either way."""
    T = a.shape[-1]
    seen = np.arange(1, T + 1) if causal else np.full(T, T)
    rows = seen >= 2
    if not rows.any():
        return np.zeros(a.shape[:2])
    rows_of, keys_of = np.nonzero(np.arange(T)[None, :] < seen[:, None])  # row by row, keys in order
    starts = np.concatenate([[0], np.cumsum(seen)[:-1]])  # where each row's keys begin
    heads = a.reshape(-1, T, T)
    h = np.empty((len(heads), T))
    step = max(1, block // len(rows_of))
    for lo in range(0, len(heads), step):
        seen_values = heads[lo:lo + step, rows_of, keys_of].astype(np.float64)
        p = (1 - th.entropy_smoothing) * seen_values + th.entropy_smoothing / seen[rows_of]
        terms = p * np.log(p, out=np.zeros_like(p), where=p > 0)
        h[lo:lo + step] = -np.add.reduceat(terms, starts, axis=-1)
    return (h[:, rows] / np.log(seen[rows])).mean(-1).reshape(a.shape[:2])


def _sink(a, tokens, causal, th: HeadThresholds):
    T = a.shape[-1]
    skip = min(th.causal_skip_rows, T - 1) if causal else 0
    first = np.maximum(np.arange(T), skip) if causal else np.zeros(T, int)
    rows = np.arange(T)
    counted = rows[:, None] >= first[None, :]  # row q is counted for key k: the rows from first[k] down
    importance = np.einsum("...qk,qk->...k", a, counted.astype(np.float64), dtype=np.float64) / (T - first)
    eligible = (T - first) >= th.sink_min_rows * (T - skip)
    ranked = np.where(eligible, importance, -np.inf)
    sink = ranked.max(-1)
    key = ranked.argmax(-1)  # [layers, heads]; ties to the lowest key, as the docs' argmax
    # top key of a row: its largest entry (ties counting), compared in float32 as the report reads the values
    is_top = a == a.max(-1, keepdims=True)  # [..., q, k]
    wins = (is_top & counted).sum(-2)  # [..., k]
    sink_top = np.take_along_axis(wins, key[..., None], -1)[..., 0] / (T - first)[key]
    special = special_top = None
    if tokens is not None:
        keys = [k for k, t in enumerate(tokens) if t in th.special_tokens]
        if keys:
            special = a[..., skip:, :][..., keys].astype(np.float64).sum(-1).mean(-1)
            special_top = is_top[..., skip:, :][..., keys].any(-1).mean(-1)
    return sink, sink_top, special, special_top


def _block(a, tokens, causal: bool, th: HeadThresholds):
    T = a.shape[-1]
    nan = np.full(a.shape[:2], np.nan)
    if tokens is None:
        return nan, nan
    delim = [t.lstrip("▁Ġ ") in th.segment_delimiters for t in tokens]
    bounds, start = [], 0
    for k in range(T - 1):
        if delim[k] and not delim[k + 1]:
            bounds.append((start, k + 1))
            start = k + 1
    if not bounds:
        return nan, nan
    bounds.append((start, T))
    inside = sum(a[..., lo:hi, lo:hi].sum((-1, -2), dtype=np.float64) for lo, hi in bounds) / T
    seen = np.arange(1, T + 1) if causal else np.full(T, T)
    chance = sum((min(hi, seen[q]) - lo) / seen[q] for lo, hi in bounds for q in range(lo, hi)) / T
    return inside, np.full(a.shape[:2], chance)


def _repeats(a, tokens, th: HeadThresholds) -> dict:
    if tokens is None:
        return {}
    duplicate, induction, positions = [], [], {}
    for q, t in enumerate(tokens):
        earlier = positions.setdefault(t, [])
        duplicate.append(list(earlier))
        induction.append([j + 1 for j in earlier if j + 1 < q])
        earlier.append(q)
    out = {}
    for name, targets in (("duplicate_token", duplicate), ("induction", induction)):
        rows = [q for q, keys in enumerate(targets) if keys]
        if len(rows) >= th.repeat_min_rows:
            pairs = [(q, k) for q in rows for k in targets[q]]  # every (row, target key), listed by hand
            hit = a[..., [q for q, _ in pairs], [k for _, k in pairs]].astype(np.float64).sum(-1)
            out[name] = hit / a[..., rows, :].sum((-1, -2), dtype=np.float64)
    return out


def _repeat_share(tokens) -> float:
    """Positions whose (previous token, token) pair first occurred at an earlier position, over all positions."""
    if not tokens or len(tokens) < 2:
        return 0.0
    first: dict[tuple[str, str], int] = {}
    for i in range(1, len(tokens)):
        first.setdefault((tokens[i - 1], tokens[i]), i)
    return sum(1 for i in range(1, len(tokens)) if first[(tokens[i - 1], tokens[i])] < i) / len(tokens)


@dataclass(frozen=True)
class Reference:
    """Every prompt's recomputed rule scores and results, in file order."""

    prompts: list[ReferencePrompt]
    settings: Settings

    def met(self, layer: int, head: int, rule: str) -> list[bool]:
        return [bool(p.met[rule][layer, head]) for p in self.prompts]

    def values(self, layer: int, head: int, measure: str) -> list[float]:
        return [float(p.scores[measure][layer, head]) for p in self.prompts
                if not math.isnan(p.scores[measure][layer, head])]


def recompute(source: CorpusSource, settings: Settings) -> Reference:
    return reference_of(run_per_file(reference_prompt, source.shards, settings), settings)


def reference_of(results: list[ReferencePrompt | Problem], settings: Settings) -> Reference:
    """The reference from every prompt's recomputation (or Problem), in file order."""
    problems = [r for r in results if isinstance(r, Problem)]
    if problems:
        raise InputError(problems)
    return Reference(results, settings)


# --- the checks, one per observation kind, on the findings fields ---


def check(fields: dict, ref: Reference) -> bool:
    checker = {"corpus_head_role": _check_role, "corpus_prompt_dependent": _check_dependent,
               "corpus_layer_summary": _check_layer, "corpus_consistent_heads": _check_consistent}.get(fields["kind"])
    return bool(checker and checker(fields, ref))


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOL


def quantile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), by hand."""
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def _distribution_holds(f: dict, ref: Reference) -> bool:
    layers, heads = ref.prompts[0].met["self"].shape
    if not (0 <= f["layer"] < layers and 0 <= f["head"] < heads) or f["pattern"] not in RULES:
        return False
    if f["metric"] != MEASURE.get(f["pattern"], f["pattern"]):
        return False
    met = sum(ref.met(f["layer"], f["head"], f["pattern"]))
    values = ref.values(f["layer"], f["head"], f["metric"])
    if (met, len(ref.prompts), len(values)) != (f["met"], f["prompts"], f["defined"]):
        return False
    if not values:
        return f["mean"] is None and f["low"] is None and f["high"] is None
    tail = (1 - f["interval"]) / 2
    return (_close(sum(values) / len(values), f["mean"]) and _close(quantile(values, tail), f["low"])
            and _close(quantile(values, 1 - tail), f["high"]) and f["interval"] == ref.settings.corpus.interval)


def _check_role(f: dict, ref: Reference) -> bool:
    return _distribution_holds(f, ref) and f["met"] >= ref.settings.corpus.consistent_min * f["prompts"]


def _check_dependent(f: dict, ref: Reference) -> bool:
    cs = ref.settings.corpus
    if not (_distribution_holds(f, ref) and f["pattern"] in FOCUSED
            and cs.dependent_min * f["prompts"] <= f["met"] < cs.consistent_min * f["prompts"]):
        return False
    return _same_factors(f["factors"], _factors(f, ref))


def _factors(f: dict, ref: Reference) -> list[dict]:
    cs = ref.settings.corpus
    met = ref.met(f["layer"], f["head"], f["pattern"])
    out = []
    rep = [p.repeat_share >= cs.repeated_min_share for p in ref.prompts]
    n_rep = sum(rep)
    n_other = len(rep) - n_rep
    if n_rep and n_other:
        a = sum(m for m, r in zip(met, rep) if r)
        b = sum(m for m, r in zip(met, rep) if not r)
        if abs(a / n_rep - b / n_other) >= cs.factor_min_difference:
            out.append({"factor": "repetition", "met_repeated": a, "repeated": n_rep, "met_other": b,
                        "other": n_other, "repeated_min_share": cs.repeated_min_share})
    pairs = [(p.length, float(p.scores[f["metric"]][f["layer"], f["head"]])) for p in ref.prompts]
    pairs = [(x, y) for x, y in pairs if not math.isnan(y)]
    if len(pairs) >= cs.length_min_prompts and len({x for x, _ in pairs}) >= 3:
        rho = _spearman([x for x, _ in pairs], [y for _, y in pairs])
        lengths = sorted(p.length for p in ref.prompts)
        n = len(lengths)
        cut = float(lengths[n // 2]) if n % 2 else (lengths[n // 2 - 1] + lengths[n // 2]) / 2
        short = [p.length <= cut for p in ref.prompts]
        n_short = sum(short)
        met_short = sum(m for m, s in zip(met, short) if s)
        met_long = sum(met) - met_short
        split = abs(met_short / n_short - met_long / (n - n_short)) if 0 < n_short < n else 0.0
        if rho is not None and abs(rho) >= cs.length_min_correlation and split >= cs.factor_min_difference:
            out.append({"factor": "length", "correlation": rho, "prompts": len(pairs), "median_length": cut,
                        "met_short": met_short, "short": n_short, "met_long": met_long, "long": n - n_short})
    return out


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _spearman(x: list[float], y: list[float]) -> float | None:
    rx, ry = _ranks(x), _ranks(y)
    n = len(rx)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def _same_factors(claimed: list[dict], actual: list[dict]) -> bool:
    if len(claimed) != len(actual):
        return False
    for c, a in zip(claimed, actual):
        if c.keys() != a.keys():
            return False
        for key, value in a.items():
            same = _close(c[key], value) if isinstance(value, float) else c[key] == value
            if not same:
                return False
    return True


def _roles(ref: Reference, layer: int) -> tuple[list, list]:
    cs = ref.settings.corpus
    n = len(ref.prompts)
    heads = ref.prompts[0].met["self"].shape[1]
    consistent, dependent = [], []
    for head in range(heads):
        for rule in RULES:
            if rule not in FOCUSED:
                continue
            met = sum(ref.met(layer, head, rule))
            if met >= cs.consistent_min * n:
                consistent.append([head, rule])
            elif met >= cs.dependent_min * n:
                dependent.append([head, rule])
    return consistent, dependent


def _check_layer(f: dict, ref: Reference) -> bool:
    layers, heads = ref.prompts[0].met["self"].shape
    if not 0 <= f["layer"] < layers:
        return False
    consistent, dependent = _roles(ref, f["layer"])
    return (sorted(f["consistent"]) == sorted(consistent) and sorted(f["dependent"]) == sorted(dependent)
            and f["total"] == heads and f["threshold"] == ref.settings.corpus.consistent_min)


def _check_consistent(f: dict, ref: Reference) -> bool:
    layers, heads = ref.prompts[0].met["self"].shape
    expected = [[layer, head, rule] for layer in range(layers) for head, rule in _roles(ref, layer)[0]]
    return (sorted(f["heads"]) == sorted(expected) and f["count"] == len({(a, b) for a, b, _ in expected})
            and f["total"] == layers * heads
            and f["prompts"] == len(ref.prompts) and f["threshold"] == ref.settings.corpus.consistent_min)


# --- the sentences as printed -------------------------------------------------------------
#
# The checks above read the findings fields. These read the sentence exactly as printed (the
# findings' ``text``, which is the page's line) and check every number and head in it against the
# same recomputation, so a template that printed a wrong figure or a field the check never saw is
# caught too. A sentence these patterns cannot read counts as not checked, so it is not printed.

NOUNS = {
    "previous-token head": "previous_token", "next-token head": "next_token", "self-attending head": "self",
    "sink head": "sink", "broad head": "broad", "block (segment-local) head": "block",
    "duplicate-token head": "duplicate_token", "induction head": "induction",
}
_NUM = r"(≈?−?[0-9][0-9.e+−]*)"  # '≈' marks a rounded number (docs/reading-a-report.md)
_DIST = (rf"\((?P<metric>[a-z-]+) score mean {_NUM}, central (?P<pct>\d+)% of the (?P<defined>\d+) prompts that "
         rf"define it {_NUM}–{_NUM}\)")
_ROLE = re.compile(rf"^Layer (?P<layer>\d+) head (?P<head>\d+) is an? (?P<noun>[a-z() -]+?) on (?P<only>only )?"
                   rf"(?P<met>\d+) of (?P<prompts>\d+) prompts {_DIST}(?P<rest>.*)$")
_REPEAT = re.compile(r"^it depends on repetition — (\d+) of (\d+) prompts that repeat themselves, (\d+) of (\d+) others$")
_LENGTH = re.compile(rf"^it depends on length — Spearman correlation of its score with prompt length {_NUM}; "
                     rf"(\d+) of (\d+) prompts of up to {_NUM} tokens, (\d+) of (\d+) longer ones$")
_NONE = "; neither prompt length nor repetition accounts for which prompts."


def _value(printed: str) -> float:
    return float(printed.lstrip("≈").replace("−", "-"))


def stands_for(printed: str, true: float, digits: int) -> bool:
    """``printed`` is ``true`` exactly (within the float32 slack), or, marked '≈', rounded to at most
    ``digits`` significant digits: within half a unit of its last digit."""
    p = _value(printed)
    if not printed.startswith("≈"):
        return abs(p - true) <= TOL
    mantissa = printed.lstrip("≈−-").split("e")[0]
    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(printed.split("e")[1].replace("−", "-")) if "e" in printed else 0
    shown = sum(c.isdigit() for c in mantissa.lstrip("0."))
    half = 0.5 * 10 ** (exponent - places)
    return shown <= digits and abs(p - true) <= half + TOL


def check_printed(fields: dict, ref: Reference) -> bool:
    """Read the printed sentence and check it states exactly what the recomputation gives."""
    text = fields.get("text", "")
    try:
        if fields["kind"] in ("corpus_head_role", "corpus_prompt_dependent"):
            return _printed_role(text, fields["kind"], ref)
        if fields["kind"] == "corpus_consistent_heads":
            return _printed_consistent(text, ref)
        if fields["kind"] == "corpus_layer_summary":
            return _printed_layer(text, ref)
    except (ValueError, KeyError, IndexError):
        return False
    return False


def _printed_role(text: str, kind: str, ref: Reference) -> bool:
    m = _ROLE.match(text)
    if not m or m["noun"] not in NOUNS or bool(m["only"]) != (kind == "corpus_prompt_dependent"):
        return False
    layer, head, pattern = int(m["layer"]), int(m["head"]), NOUNS[m["noun"]]
    measure = MEASURE.get(pattern, pattern)
    if m["metric"] != measure.replace("_", "-"):
        return False
    claim = {"layer": layer, "head": head, "pattern": pattern, "metric": measure, "met": int(m["met"]),
             "prompts": int(m["prompts"]), "defined": int(m["defined"])}
    layers, heads = ref.prompts[0].met["self"].shape
    if not (0 <= layer < layers and 0 <= head < heads):
        return False
    values = ref.values(layer, head, measure)
    interval = ref.settings.corpus.interval
    if int(m["pct"]) != round(interval * 100) or not values:
        return False
    tail = (1 - interval) / 2
    mean, low, high = m.group(8), m.group(11), m.group(12)
    numbers_hold = (stands_for(mean, sum(values) / len(values), 3) and stands_for(low, quantile(values, tail), 3)
                    and stands_for(high, quantile(values, 1 - tail), 3))
    counts_hold = ((sum(ref.met(layer, head, pattern)), len(ref.prompts), len(values))
                   == (claim["met"], claim["prompts"], claim["defined"]))
    cs = ref.settings.corpus
    n = claim["prompts"]
    if not (numbers_hold and counts_hold):
        return False
    if kind == "corpus_head_role":
        return m["rest"] == "." and claim["met"] >= cs.consistent_min * n
    if not (pattern in FOCUSED and cs.dependent_min * n <= claim["met"] < cs.consistent_min * n):
        return False
    actual = _factors({**claim, "interval": interval}, ref)
    rest = m["rest"]
    if rest == _NONE:
        return not actual
    if not (rest.startswith(": ") and rest.endswith(".")):
        return False
    parts = re.split(r"; (?=it depends on )", rest[2:-1])
    if len(parts) != len(actual):
        return False
    for part, factor in zip(parts, actual):
        if factor["factor"] == "repetition":
            r = _REPEAT.match(part)
            if not r or [int(x) for x in r.groups()] != [factor["met_repeated"], factor["repeated"],
                                                         factor["met_other"], factor["other"]]:
                return False
        else:
            r = _LENGTH.match(part)
            if not r or not stands_for(r.group(1), factor["correlation"], 2):
                return False
            if [int(r.group(k)) for k in (2, 3, 5, 6)] != [factor["met_short"], factor["short"], factor["met_long"],
                                                          factor["long"]]:
                return False
            if not stands_for(r.group(4), factor["median_length"], 4):
                return False
    return True


def _heads_phrase(text: str) -> list[tuple[int, int]] | None:
    """'layer 0 head 5, layer 1 head 0 and 40 more' -> the listed heads (None if it cannot be read)."""
    items = re.split(r", | and ", text)
    heads = []
    for item in items:
        m = re.fullmatch(r"layer (\d+) head (\d+)", item)
        if m:
            heads.append((int(m[1]), int(m[2])))
        elif not re.fullmatch(r"\d+ more", item):
            return None
    return heads


def _printed_consistent(text: str, ref: Reference) -> bool:
    cs = ref.settings.corpus
    layers, heads = ref.prompts[0].met["self"].shape
    expected = [(layer, head, rule) for layer in range(layers) for head, rule in _roles(ref, layer)[0]]
    pct = round(cs.consistent_min * 100)
    n = len(ref.prompts)
    if not expected:
        return text == (f"None of the {layers * heads} heads holds a focused role on at least {pct}% of the "
                        f"{n} prompts.")
    head = f"{len({(a, b) for a, b, _ in expected})} of {layers * heads} heads hold a focused role on at least {pct}% of the {n} prompts: "
    if not (text.startswith(head) and text.endswith(".")):
        return False
    groups = text[len(head):-1].split("; ")
    by_rule: dict[str, list] = {}
    for layer, h, rule in expected:
        by_rule.setdefault(rule, []).append((layer, h))
    if len(groups) != len(by_rule):
        return False
    for group in groups:
        m = re.fullmatch(r"(\d+) (.+?) \(((?:layer \d+ head \d+|\d+ more)(?:(?:, | and )(?:layer \d+ head \d+|\d+ more))*)\)",
                         group)
        if not m:
            return False
        noun = m[2] if m[2] in NOUNS else m[2][:-1] if m[2].endswith("s") else m[2]
        rule = NOUNS.get(noun)
        listed = _heads_phrase(m[3])
        if rule not in by_rule or listed is None or int(m[1]) != len(by_rule[rule]):
            return False
        if listed != by_rule[rule][:len(listed)]:
            return False
    return True


def _printed_layer(text: str, ref: Reference) -> bool:
    m = re.fullmatch(r"Layer (\d+): (\d+) of (\d+) heads hold a focused role on at least (\d+)% of prompts"
                     r"(?: \((.+?)\))?, and (\d+) (?:is|are) prompt-dependent(?: \((.+)\))?\.", text)
    if not m:
        return False
    layer = int(m[1])
    layers, heads = ref.prompts[0].met["self"].shape
    if not 0 <= layer < layers:
        return False
    consistent, dependent = _roles(ref, layer)

    def listed(phrase):
        if phrase is None:
            return []
        out = []
        for item in phrase.split(", "):
            h = re.fullmatch(r"head (\d+) (.+)", item)
            if not h or h[2] not in NOUNS:
                raise ValueError(item)
            out.append([int(h[1]), NOUNS[h[2]]])
        return out

    return (int(m[2]) == len(consistent) and int(m[3]) == heads
            and int(m[4]) == round(ref.settings.corpus.consistent_min * 100) and listed(m[5]) == consistent
            and int(m[6]) == len(dependent) and listed(m[7]) == dependent)
