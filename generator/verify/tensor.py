"""Checks of a tensor report's head claims, recomputed from the file's bytes by the formulas in docs/head-patterns.md.

Written from the documentation's formulas, in float64, without the analysis
stage's code: the array is read again from the exact bytes that were hashed, each
head's metrics are computed here, the precedence rule is applied here, and every
printed sentence (the pattern it names, the percentage or score it prints, the
heads it lists) must agree with that.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import numpy as np

from .reading import Untrue, listing, number, unwrap

PRECEDENCE = ("induction", "duplicate_token", "previous_token", "next_token", "self", "sink", "block", "broad")
NOUNS = {
    "previous_token": "previous-token head", "next_token": "next-token head", "self": "self-attending head",
    "sink": "sink head", "broad": "broad head", "block": "block (segment-local) head",
    "duplicate_token": "duplicate-token head", "induction": "induction head", "heterogeneous": "heterogeneous head",
}


@dataclass
class Heads:
    """Every head's metrics (arrays over layers × heads), its pattern and its sink key, recomputed."""

    layers: int
    heads: int
    metrics: dict[str, np.ndarray]
    pattern: np.ndarray  # object [layers, heads]
    sink_key: np.ndarray
    special_key: np.ndarray | None
    attention: np.ndarray  # float64 [layers, heads, T, T]
    tokens: list[str] | None
    thresholds: dict


def read_tensor(raw: bytes, suffix: str) -> tuple[np.ndarray, list[str] | None]:
    """The attention array (as [layers, heads, T, T], float64) and tokens, from the file's bytes."""
    suffix = suffix.lower()
    tokens = None
    if suffix == ".npz":
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            array = z["attention"]
            tokens = [str(t) for t in z["tokens"]] if "tokens" in z.files else None
    elif suffix == ".npy":
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    elif suffix == ".safetensors":
        import json

        from safetensors.numpy import load

        array = load(raw)["attention"]
        header = json.loads(raw[8: 8 + int.from_bytes(raw[:8], "little")])
        meta = header.get("__metadata__") or {}
        tokens = json.loads(meta["tokens"]) if "tokens" in meta else None
    else:
        raise Untrue(f"unknown tensor format {suffix!r}")
    array = np.asarray(array, dtype=np.float64)
    while array.ndim < 4:
        array = array[None]
    return array, tokens


def recompute(attention: np.ndarray, tokens: list[str] | None, th: dict) -> Heads:
    L, H, T, _ = attention.shape
    A = attention.reshape(L * H, T, T)
    upper = np.triu_indices(T, 1)
    causal = T > 1 and bool(np.all(attention[..., upper[0], upper[1]] <= th["causal_tolerance"]))
    visible = np.tril(np.ones((T, T), bool)) if causal else np.ones((T, T), bool)
    n = visible.sum(1)
    m: dict[str, np.ndarray] = {
        "previous_token": np.array([np.mean(np.diagonal(a, -1)) for a in A]) if T > 1 else np.zeros(L * H),
        "next_token": np.array([np.mean(np.diagonal(a, 1)) for a in A]) if T > 1 else np.zeros(L * H),
        "self": np.array([np.mean(np.diagonal(a)) for a in A]),
        "confidence": A.max(axis=2).mean(axis=1),
    }
    s = th["entropy_smoothing"]
    p = np.where(visible, (1 - s) * A + s / n[:, None], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -plogp.sum(axis=2)
    wide = n >= 2
    m["entropy"] = (entropy[:, wide] / np.log(n[wide])).mean(axis=1) if wide.any() else np.zeros(L * H)
    skip = min(th["causal_skip_rows"], T - 1) if causal else 0
    seen = np.array([sum(1 for r in range(skip, T) if visible[r, k]) for k in range(T)])
    importance = A[:, skip:, :].sum(axis=1) / np.maximum(seen, 1)
    candidate = seen >= th["sink_min_rows"] * (T - skip)
    ranked = np.where(candidate, importance, -1.0)
    sink_key = ranked.argmax(axis=1)
    m["sink"] = ranked.max(axis=1)
    # the top key of a row: its largest entry, ties counting, compared as float32 (the values the report reads)
    top = A.astype(np.float32)
    is_top = top == top.max(axis=2, keepdims=True)
    m["sink_rows"] = seen[sink_key].astype(float)
    m["sink_top_rows"] = np.array([sum(1 for r in range(skip, T) if visible[r, k] and is_top[h, r, k])
                                   for h, k in enumerate(sink_key)], dtype=float)
    m["sink_top"] = m["sink_top_rows"] / np.maximum(m["sink_rows"], 1)
    special_key = None
    if tokens is not None:
        special = [k for k, t in enumerate(tokens) if t in th["special_tokens"]]
        if special:
            m["special"] = A[:, skip:, special].sum(axis=2).mean(axis=1)
            special_key = np.array(special)[importance[:, special].argmax(axis=1)]
            m["special_rows"] = np.full(L * H, float(T - skip))
            m["special_top_rows"] = is_top[:, skip:, :][:, :, special].any(axis=2).sum(axis=1).astype(float)
            m["special_top"] = m["special_top_rows"] / m["special_rows"]
        segment = _segments(tokens, th["segment_delimiters"])
        if segment[-1] >= 1:
            same = segment[:, None] == segment[None, :]
            m["block"] = (A * same).sum(axis=2).mean(axis=1)
            m["block_chance"] = np.full(L * H, ((same & visible).sum(1) / n).mean())
        for name, mask in (("duplicate_token", _earlier(tokens, 0)), ("induction", _earlier(tokens, 1))):
            rows = mask.any(axis=1)
            if rows.sum() >= th["repeat_min_rows"]:
                sub = A[:, rows]
                m[name] = (sub * mask[rows]).sum(axis=(1, 2)) / sub.sum(axis=(1, 2))
    pattern = np.array([_pattern({k: v[i] for k, v in m.items()}, th) for i in range(L * H)], dtype=object)
    return Heads(L, H, {k: v.reshape(L, H) for k, v in m.items()}, pattern.reshape(L, H), sink_key.reshape(L, H),
                 None if special_key is None else special_key.reshape(L, H), attention, tokens, th)


def _segments(tokens: list[str], delimiters) -> np.ndarray:
    """A segment ends after a run of delimiters (a leading ▁ or Ġ ignored); [CLS] is in the first."""
    ids, current, after_delimiter = [], 0, False
    for t in tokens:
        is_delim = t.lstrip("▁Ġ ") in delimiters
        if after_delimiter and not is_delim:
            current += 1
        ids.append(current)
        after_delimiter = is_delim
    return np.array(ids)


def _earlier(tokens: list[str], shift: int) -> np.ndarray:
    """P[q, k] = 1 when k < q and token k - shift equals token q (shift 0: duplicate, 1: induction)."""
    T = len(tokens)
    P = np.zeros((T, T), bool)
    for qi in range(T):
        for k in range(shift, qi):
            P[qi, k] = tokens[k - shift] == tokens[qi]
    return P


def _pattern(m: dict, th: dict) -> str:
    tests = {
        "induction": m.get("induction", 0.0) >= th["induction_min"],
        "duplicate_token": m.get("duplicate_token", 0.0) >= th["duplicate_min"],
        "previous_token": m["previous_token"] >= th["positional_min"],
        "next_token": m["next_token"] >= th["positional_min"],
        "self": m["self"] >= th["positional_min"],
        "sink": _sink_by(m, th) is not None,
        "block": "block" in m and m["block"] >= th["block_min"] and m["block"] - m["block_chance"] >= th["block_lift"],
        "broad": m["entropy"] >= th["broad_min"],
    }
    return next((name for name in PRECEDENCE if tests[name]), "heterogeneous")


def _sink_by(m: dict, th: dict) -> str | None:
    """Which sink test passes: the best key's share and top rows, else the special tokens', else none."""
    if m["sink"] >= th["sink_min"] and m["sink_top"] >= th["sink_min_top_rows"]:
        return "key"
    if m.get("special", 0.0) >= th["special_min"] and m.get("special_top", 0.0) >= th["sink_min_top_rows"]:
        return "special_tokens"
    return None


# --- the checkers -----------------------------------------------------------------

_SLACK = 1e-6  # float32 files summed in another order: a printed figure may be this far off its last digit


def _close(printed: str, value: float, percent: bool = False) -> None:
    text = printed.strip()
    marked = text.startswith("≈")
    shown = number(text.lstrip("≈").rstrip("%"))
    if shown is None:
        raise Untrue(f"{printed!r} is not a number")
    target = value * 100 if percent else value
    half = float(Decimal(5).scaleb(shown.as_tuple().exponent - 1))
    if abs(float(shown) - target) <= _SLACK * max(1.0, abs(target)):
        return
    if not marked:
        raise Untrue(f"{printed} is shown as exact, the value is {target!r}")
    if abs(float(shown) - target) > half + _SLACK:
        raise Untrue(f"{printed} is not {target!r} rounded")


_PHRASES = {
    "previous_token": r"attends mostly to the previous token: on average (\S+)% of each query's attention falls on the token just before it\.",
    "next_token": r"attends mostly to the next token: on average (\S+)% of each query's attention falls on the token just after it\.",
    "self": r"attends mostly to itself: on average (\S+)% of each query's attention stays on its own position\.",
    "sink": r"is a sink head: on average (\S+)% of each query's attention goes to key (\d+)(?: \((.+)\))?, "
            r"the top key of (\d+) of (\d+) query rows\.",
    "sink_special": r"is a sink head on the special tokens: on average (\S+)% of each query's attention goes to "
                    r"them, most to key (\d+)(?: \((.+)\))?; one of them is the top key of (\d+) of (\d+) query rows\.",
    "broad": r"attends broadly: the normalised entropy of its rows averages (\S+) \(1 would be uniform\)\.",
    "block": r"stays within segments: (\S+)% of its attention falls inside the query's own segment\.",
    "duplicate_token": r"attends to earlier copies of the current token: (\S+)% of its attention on eligible rows\.",
    "induction": r"behaves like an induction head: (\S+)% of its attention on eligible rows falls on the token after an earlier copy of the current token\.",
    "heterogeneous": r"shows no single pattern \(heterogeneous\); its rows' largest weight averages (\S+)\.",
}


def check_head_pattern(claim, heads: Heads) -> None:
    m = re.fullmatch(r"Layer (\d+) head (\d+) (.+)", claim.text)
    if not m:
        raise Untrue("the sentence does not name a head")
    layer, head = _head(heads, m.group(1), m.group(2))
    said = [(p, x) for p, rx in _PHRASES.items() if (x := re.fullmatch(rx, m.group(3)))]
    if len(said) != 1:
        raise Untrue("the sentence does not read as one pattern")
    phrase, x = said[0]
    pattern = "sink" if phrase == "sink_special" else phrase
    actual = heads.pattern[layer, head]
    if actual != pattern:
        raise Untrue(f"by the rule, layer {layer} head {head} is {actual}, not {pattern}")
    metrics = {k: v[layer, head] for k, v in heads.metrics.items()}
    if pattern == "sink":
        by = _sink_by(metrics, heads.thresholds)
        if (phrase == "sink_special") != (by == "special_tokens"):
            raise Untrue("by the rule, the sink is " + ("on the special tokens" if by == "special_tokens" else
                                                        "on one key"))
        prefix = "special" if by == "special_tokens" else "sink"
        key = int(heads.special_key[layer, head] if by == "special_tokens" else heads.sink_key[layer, head])
        if int(x.group(2)) != key:
            raise Untrue(f"the attention gathers on key {key}")
        if x.group(3) is not None and (heads.tokens is None or heads.tokens[key] != x.group(3)):
            raise Untrue(f"key {key} is not the token {x.group(3)!r}")
        if x.group(3) is None and heads.tokens is not None:
            raise Untrue(f"key {key} is the token {heads.tokens[key]!r}, which the sentence does not name")
        _close(x.group(1), metrics[prefix], percent=True)
        top, rows = int(metrics[prefix + "_top_rows"]), int(metrics[prefix + "_rows"])
        if (int(x.group(4)), int(x.group(5))) != (top, rows):
            raise Untrue(f"the key is the top key of {top} of {rows} query rows")
        return
    metric = {"broad": "entropy", "heterogeneous": "confidence"}.get(pattern, pattern)
    _close(x.group(1), metrics[metric], percent=pattern not in ("broad", "heterogeneous"))


def check_head_group(claim, heads: Heads) -> None:
    m = re.fullmatch(r"(\d+) of (\d+) heads in layer (\d+) (?:is an?|are) (.+?): heads? (.+)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a layer's heads")
    count, total = int(m.group(1)), int(m.group(2))
    layer, _ = _head(heads, m.group(3), "0")
    noun = m.group(4)
    pattern = next((p for p, n in NOUNS.items() if noun in (n, n + "s")), None)
    if pattern is None:
        raise Untrue(f"{noun!r} is not a pattern")
    if (noun.endswith("s") and not noun.endswith("(segment-local) head")) != (count != 1):
        raise Untrue("number does not agree")
    article = "an" if NOUNS[pattern][0] in "aeiou" else "a"
    if count == 1 and f" is {article} {noun}:" not in claim.text:
        raise Untrue(f"one head is {article} {NOUNS[pattern]}")
    listed, more = listing(m.group(5), lambda t: _int(t))
    actual = [h for h in range(heads.heads) if heads.pattern[layer, h] == pattern]
    if total != heads.heads or listed != actual or more or count != len(actual):
        raise Untrue(f"layer {layer}'s {pattern} heads are {actual} of {heads.heads}")


def check_similar_heads(claim, heads: Heads) -> None:
    m = re.fullmatch(r"Layer (\d+) head (\d+) and layer (\d+) head (\d+) attend alike: their mean Jensen–Shannon "
                     r"distance over query rows is (\S+) \(at most (\S+) counts as alike\)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as two similar heads")
    a = _head(heads, m.group(1), m.group(2))
    b = _head(heads, m.group(3), m.group(4))
    P, Q = heads.attention[a], heads.attention[b]
    M = (P + Q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = lambda X: np.where(X > 0, X * np.log2(np.where(X > 0, X, 1) / np.where(M > 0, M, 1)), 0).sum(1)  # noqa: E731
        distance = float(np.mean(np.sqrt(np.maximum(0.5 * kl(P) + 0.5 * kl(Q), 0))))
    _close(m.group(5), distance)
    limit = number(m.group(6))
    if limit is None or distance > float(limit) + _SLACK:
        raise Untrue(f"the distance {distance} is above {m.group(6)}")


def _int(text: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise Untrue(f"{text!r} is not a head number")
    return int(text)


def _head(heads: Heads, layer: str, head: str) -> tuple[int, int]:
    l, h = int(layer), int(head)
    if not (0 <= l < heads.layers and 0 <= h < heads.heads):
        raise Untrue(f"there is no layer {l} head {h}")
    return l, h


TENSOR_CHECKS: dict[str, Callable] = {
    "head_pattern": check_head_pattern,
    "head_group": check_head_group,
    "similar_heads": check_similar_heads,
}


def verify_tensor(raw: bytes, suffix: str, findings: dict, markdown: str | None = None) -> list:
    """Every head claim of one tensor report, checked; the first verdict is the data file's hash."""
    from . import tensor_kinds
    from .page import NotChecked, Verdict, _numbered, _same_hash, _verdict
    from .table import Claim

    verdicts = [_verdict("data", "sha256", f"SHA-256 {findings['dataset']['sha256']}",
                         lambda: _same_hash(raw, findings))]
    try:
        attention, tokens = read_tensor(raw, suffix)
    except (Untrue, ValueError, KeyError, OSError) as exc:
        return verdicts + [Verdict("data", "read", "the data file", False, f"cannot be read again: {exc}")]
    if findings.get("tokens") is not None:
        if tokens is not None and list(findings["tokens"]) != tokens:
            verdicts.append(Verdict("data", "tokens", "the tokens", False, "the findings' tokens are not the file's"))
        tokens = list(findings["tokens"])
    heads = recompute(attention, tokens, findings["settings"]["heads"])
    page = None
    if markdown is not None:
        import html

        page = _numbered([html.unescape(x) for x in unwrap(markdown)], ("## Key Observations", "## Detailed Analysis"))
    checks = {**TENSOR_CHECKS, **tensor_kinds.CHECKS}
    for i, o in enumerate(findings["observations"]):
        number_ = int(o.get("rank", i + 1))
        claim = Claim(f"observation {number_}", o["kind"], o["text"], o)

        def check(claim=claim, number_=number_):
            if page is not None and page and page.get(number_, claim.text) != claim.text:
                raise Untrue(f"the page prints another sentence as observation {number_}")
            checker = checks.get(claim.kind)
            if checker is None:
                raise NotChecked(f"no independent check exists yet for observations of kind {claim.kind!r}; "
                                 "the analysis stage's own check gated it")
            checker(claim, heads)

        verdicts.append(_verdict(claim.where, claim.kind, claim.text, check, observation=i))
    return verdicts
