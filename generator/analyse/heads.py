"""What each attention head does, as numbers and as checkable claims.

Pure numpy, no formatting: this module turns a ``[layers, heads, T, T]`` array of
attention probabilities into metrics from the interpretability literature, one
``pattern`` and one Kovaleva-style ``map_type`` per head, per-layer counts, and
pairs of similar heads. The report prints a claim only if the matching
``verify_*`` function, which recomputes it from the raw array by a separate,
deliberately plain code path, agrees: a vectorisation bug then hides a claim
instead of printing a wrong one.

Every threshold lives in :class:`generator.settings.HeadThresholds`, each field citing where its
default comes from, so a user can change them and a report can record them.
``docs/head-patterns.md`` explains the metrics and rules for readers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Sequence

import numpy as np

from generator.settings import HeadThresholds

PRECEDENCE = (
    "induction", "duplicate_token", "previous_token", "next_token", "self", "sink", "block", "broad",
)
"""First pattern whose test passes wins; ``heterogeneous`` when none does.

Most specific first: token-identity patterns need repeats to show at all, then
heads that put most mass on one diagonal, then on one key, then on a segment,
and ``broad`` (the absence of focus) last.
"""
PATTERNS = PRECEDENCE + ("heterogeneous",)
MAP_TYPES = ("vertical+diagonal", "vertical", "diagonal", "block", "heterogeneous")
_TOL = 1e-4  # how closely a verify_* recomputation must match a claimed number


@dataclass(frozen=True)
class HeadPattern:
    """One head's classification; ``score`` is the metric that decided it, ``key`` a sink's key.

    For a sink, ``sink_by`` says which test made it one (``"key"``: the mean share on ``key``;
    ``"special_tokens"``: the share on the special tokens together), and ``top_rows`` of the
    ``rows`` query rows counted have ``key`` (a special token) as their top key.
    """

    layer: int
    head: int
    pattern: str
    score: float
    key: int | None
    map_type: str
    metrics: dict[str, float]
    sink_by: str | None = None
    top_rows: int | None = None
    rows: int | None = None


@dataclass(frozen=True)
class LayerFact:
    """'``count`` of ``total`` heads in layer ``layer`` are ``pattern``' (``heads`` lists them)."""

    layer: int
    pattern: str
    heads: tuple[int, ...]
    count: int
    total: int


@dataclass(frozen=True)
class SimilarPair:
    """Two heads ``(layer, head)`` whose mean Jensen-Shannon distance is at most the threshold."""

    a: tuple[int, int]
    b: tuple[int, int]
    distance: float


# --- classification (fast path: vectorised over all heads) ---


def classify_heads(
    attention: np.ndarray, tokens: Sequence[str] | None = None, thresholds: HeadThresholds = HeadThresholds()
) -> list[HeadPattern]:
    """Classify every head of a ``[L, H, T, T]`` array of attention probabilities."""
    L, H, T = _shape(attention, tokens)
    flat = np.asarray(attention, dtype=np.float32).reshape(L * H, T, T)
    m, sink_key, special_key, tops = _metrics(flat, tokens, _is_causal(attention, thresholds), thresholds)
    out = []
    for n in range(L * H):
        metrics = {name: float(values[n]) for name, values in m.items()}
        special = None if special_key is None else int(special_key[n])
        pattern, score, key, map_type, by = _decide(metrics, int(sink_key[n]), special, thresholds)
        top_rows, rows = (int(tops[by][0][n]), int(tops[by][1][n])) if by else (None, None)
        out.append(HeadPattern(n // H, n % H, pattern, score, key, map_type, metrics, by, top_rows, rows))
    return out


def _metrics(A: np.ndarray, tokens, causal: bool, th: HeadThresholds):
    N, T, _ = A.shape
    i = np.arange(T)
    visible = np.tril(np.ones((T, T), bool)) if causal else np.ones((T, T), bool)
    count = visible.sum(1)
    m: dict[str, np.ndarray] = {
        "previous_token": A[:, i[1:], i[:-1]].mean(1, dtype=np.float64) if T > 1 else np.zeros(N),
        "next_token": A[:, i[:-1], i[1:]].mean(1, dtype=np.float64) if T > 1 else np.zeros(N),
        "self": A[:, i, i].mean(1, dtype=np.float64),
    }
    row_max = A.max(-1, keepdims=True)  # read once, for the confidence and the top-key test
    m["confidence"] = row_max[..., 0].mean(-1, dtype=np.float64)
    h = _row_entropy_smoothed(A, visible, count, th.entropy_smoothing)
    rows = count >= 2
    m["entropy"] = (h[:, rows] / np.log(count[rows])).mean(1) if rows.any() else np.zeros(N)

    skip = min(th.causal_skip_rows, T - 1) if causal else 0
    seen = T - np.maximum(i, skip) if causal else np.full(T, T)  # queries that can see each key
    per_key = A[:, skip:, :].sum(1, dtype=np.float64) / seen
    candidate = seen >= th.sink_min_rows * (T - skip)
    ranked = np.where(candidate, per_key, -1.0)
    sink_key = ranked.argmax(1)
    m["sink"] = ranked.max(1)
    m["first_token"] = per_key[:, 0]
    # top rows: the counted rows (those in per_key's sum) whose largest entry is on the key, ties counting
    is_top = A >= row_max
    counted = (i[:, None] >= np.maximum(i[None, :], skip)) if causal else np.ones((T, T), bool)
    top_count = (is_top & counted).sum(1)  # [N, keys]
    n = np.arange(N)
    tops = {"key": (top_count[n, sink_key], seen[sink_key])}
    m["sink_top"] = tops["key"][0] / tops["key"][1]
    special_key = None
    if tokens is not None:
        special = np.flatnonzero([t in th.special_tokens for t in tokens])
        if special.size:
            m["special"] = A[:, skip:, special].sum(-1, dtype=np.float64).mean(-1)
            special_key = special[per_key[:, special].argmax(1)]
            tops["special_tokens"] = (is_top[:, skip:][:, :, special].any(-1).sum(-1), np.full(N, T - skip))
            m["special_top"] = tops["special_tokens"][0] / (T - skip)
        seg = _segments(tokens, th)
        if seg[-1] >= 1:
            same = seg[:, None] == seg[None, :]
            m["block"] = np.einsum("nqk,qk->n", A, same.astype(np.float32), dtype=np.float64) / T
            m["block_chance"] = np.full(N, ((same & visible).sum(1) / count).mean())
        ids = _token_ids(tokens)
        for name, pattern in (("duplicate_token", _duplicate_mask(ids)), ("induction", _induction_mask(ids))):
            eligible = pattern.any(1)
            if eligible.sum() >= th.repeat_min_rows:
                sub = A[:, eligible]
                hit = np.einsum("nqk,qk->n", sub, pattern[eligible].astype(np.float32), dtype=np.float64)
                m[name] = hit / sub.sum((1, 2), dtype=np.float64)
    return m, sink_key, special_key, tops


ENTROPY_BLOCK = 2**16
"""Attention values per block of heads in :func:`_row_entropy_smoothed` (about 0.5 MB per float64 temporary)."""


def _row_entropy_smoothed(A: np.ndarray, visible: np.ndarray, count: np.ndarray, s: float,
                          block: int = ENTROPY_BLOCK) -> np.ndarray:
    """[N, T] entropy of each row smoothed towards uniform over its visible keys (0 log 0 = 0).

    Taken a block of heads (about ``block`` values) at a time: whole-tensor float64 temporaries (twice
    the file's size, several of them) were fresh pages for every prompt, and faulting them in cost about
    as much as the arithmetic; blocks of about half a megabyte are reused from the allocator and stay in
    cache. Each row's sum is its own, so the values are the same whatever the block. The log is taken
    only where p > 0 (half of a causal map is 0) and the product made in place."""
    N, T, _ = A.shape
    smoothing = (s / count)[:, None] * visible
    h = np.empty((N, T))
    step = max(1, block // (T * T))
    for lo in range(0, N, step):
        p = (1 - s) * A[lo:lo + step] + smoothing
        terms = np.log(p, out=np.zeros_like(p), where=p > 0)
        terms *= p
        h[lo:lo + step] = -terms.sum(-1, dtype=np.float64)
    return h


def rule_tests(m: dict[str, float], th: HeadThresholds) -> dict[str, bool]:
    """Whether one head's metrics meet each pattern's rule, before precedence picks one.

    A corpus counts, per head, the prompts meeting each rule; :func:`_decide` applies
    the same tests in precedence order."""
    return {
        "induction": m.get("induction", 0.0) >= th.induction_min,
        "duplicate_token": m.get("duplicate_token", 0.0) >= th.duplicate_min,
        "previous_token": m["previous_token"] >= th.positional_min,
        "next_token": m["next_token"] >= th.positional_min,
        "self": m["self"] >= th.positional_min,
        "sink": _sink_by(m, th) is not None,
        "block": "block" in m and m["block"] >= th.block_min and m["block"] - m["block_chance"] >= th.block_lift,
        "broad": m["entropy"] >= th.broad_min,
    }


def _sink_by(m: dict[str, float], th: HeadThresholds) -> str | None:
    """Which sink test passes: ``"key"`` (share and top rows of the best key), else ``"special_tokens"``, else None.

    Both need the share (``sink_min`` / ``special_min``) and the top rows (``sink_min_top_rows``)."""
    if m["sink"] >= th.sink_min and m["sink_top"] >= th.sink_min_top_rows:
        return "key"
    if m.get("special", 0.0) >= th.special_min and m.get("special_top", 0.0) >= th.sink_min_top_rows:
        return "special_tokens"
    return None


def _decide(m: dict[str, float], sink_key: int, special_key: int | None, th: HeadThresholds):
    """The precedence rule and the map-type rule, on one head's metrics (shared by classify and verify).

    Returns the pattern, its score, a sink's key, the map type and which sink test passed (sinks only)."""
    tests = rule_tests(m, th)
    pattern = next((name for name in PRECEDENCE if tests[name]), "heterogeneous")
    key = by = None
    if pattern == "sink":
        by = _sink_by(m, th)
        key, score = (sink_key, m["sink"]) if by == "key" else (special_key, m["special"])
    else:
        score = m[{"broad": "entropy", "heterogeneous": "confidence"}.get(pattern, pattern)]
    # a vertical stripe is the share alone: in a vertical+diagonal map the diagonal, not the stripe, is often on top
    vertical = m["sink"] >= th.sink_min or m.get("special", 0.0) >= th.special_min
    diagonal = max(m["previous_token"], m["next_token"], m["self"]) >= th.map_diagonal_min
    if vertical and diagonal:
        map_type = "vertical+diagonal"
    elif vertical or diagonal:
        map_type = "vertical" if vertical else "diagonal"
    else:
        map_type = "block" if tests["block"] else "heterogeneous"
    return pattern, float(score), key, map_type, by


def _segments(tokens: Sequence[str], th: HeadThresholds) -> np.ndarray:
    """Segment id per position; a run of delimiters closes the segment it ends."""
    delim = np.array([t.lstrip("▁Ġ ") in th.segment_delimiters for t in tokens])
    boundary = delim[:-1] & ~delim[1:]
    return np.concatenate([[0], np.cumsum(boundary)])


def _token_ids(tokens: Sequence[str]) -> np.ndarray:
    return np.unique(np.array(tokens, dtype=object).astype(str), return_inverse=True)[1].ravel()


def _duplicate_mask(ids: np.ndarray) -> np.ndarray:
    """P[q, k]: key k is an earlier occurrence of the query's token (``ids``: :func:`_token_ids`)."""
    return (ids[:, None] == ids[None, :]) & np.tri(len(ids), k=-1, dtype=bool)


def _induction_mask(ids: np.ndarray) -> np.ndarray:
    """P[q, k]: key k follows an earlier occurrence of the query's token (k < q; ``ids``: :func:`_token_ids`)."""
    P = np.zeros((len(ids), len(ids)), bool)
    P[:, 1:] = ids[:, None] == ids[None, :-1]
    return P & np.tri(len(ids), k=-1, dtype=bool)


def _is_causal(attention: np.ndarray, th: HeadThresholds) -> bool:
    T = attention.shape[-1]
    above_rows, above_keys = np.triu_indices(T, 1)  # made once (it was made twice, one half kept each time)
    return T > 1 and bool(np.all(attention[..., above_rows, above_keys] <= th.causal_tolerance))


def _shape(attention: np.ndarray, tokens) -> tuple[int, int, int]:
    if attention.ndim != 4 or attention.shape[-1] != attention.shape[-2]:
        raise ValueError(f"need square [layers, heads, T, T] attention, got shape {attention.shape}")
    if tokens is not None and len(tokens) != attention.shape[-1]:
        raise ValueError(f"{len(tokens)} tokens for {attention.shape[-1]} positions")
    return attention.shape[0], attention.shape[1], attention.shape[-1]


# --- grouping and similarity ---


def layer_facts(patterns: Sequence[HeadPattern]) -> list[LayerFact]:
    """Count patterns per layer: one fact per (layer, pattern) present, most common first."""
    layers: dict[int, list[HeadPattern]] = {}
    for p in patterns:
        layers.setdefault(p.layer, []).append(p)
    out = []
    for layer in sorted(layers):
        group = layers[layer]
        for pattern in PATTERNS:
            heads = tuple(sorted(p.head for p in group if p.pattern == pattern))
            if heads:
                out.append(LayerFact(layer, pattern, heads, len(heads), len(group)))
    return sorted(out, key=lambda f: (f.layer, -f.count, PATTERNS.index(f.pattern)))


def similar_heads(attention: np.ndarray, thresholds: HeadThresholds = HeadThresholds()) -> list[SimilarPair]:
    """Pairs of heads whose rows are close: mean over query rows of the Jensen-Shannon distance.

    The distance is sqrt(JSD) in bits, so it lies in [0, 1] and is a metric;
    averaging over rows (rather than Clark et al.'s sum) keeps it comparable
    across sequence lengths. All pairs are screened in float32 with a margin,
    and only the survivors get their distance in float64: the JSD difference
    cancels for near-identical rows, which float32 cannot resolve.
    """
    L, H, T = _shape(attention, None)
    A32 = np.asarray(attention, dtype=np.float32).reshape(L * H, T, T)
    entropy32 = _row_entropy(A32)
    margin = 0.02
    candidates = []
    for a in range(L * H - 1):
        dist = _mean_js_distance(A32[a], A32[a + 1:], entropy32[a], entropy32[a + 1:])
        candidates += [(a, a + 1 + int(i)) for i in np.flatnonzero(dist <= thresholds.similar_max_distance + margin)]
    out = []
    A64 = np.asarray(attention, dtype=np.float64).reshape(L * H, T, T)
    for a, b in candidates:
        pair = A64[[a, b]]
        entropy = _row_entropy(pair)
        dist = float(_mean_js_distance(pair[0], pair[1:], entropy[0], entropy[1:])[0])
        if dist <= thresholds.similar_max_distance:
            out.append(SimilarPair((a // H, a % H), (b // H, b % H), dist))
    return sorted(out, key=lambda p: p.distance)


def _row_entropy(A: np.ndarray) -> np.ndarray:
    return -(A * np.log2(np.where(A > 0, A, 1))).sum(-1)


def _mean_js_distance(P: np.ndarray, Qs: np.ndarray, hP: np.ndarray, hQs: np.ndarray) -> np.ndarray:
    """Mean over rows of sqrt(JSD(P_row, Q_row)) for every Q in ``Qs``; JSD = H(M) - (H(P) + H(Q)) / 2."""
    M = Qs + P
    M *= 0.5
    tiny = np.finfo(M.dtype).tiny
    jsd = -np.einsum("bqk,bqk->bq", M, np.log2(M + tiny)) - 0.5 * (hP + hQs)
    return np.sqrt(np.clip(jsd, 0, None)).mean(-1, dtype=np.float64)


# --- independent re-checks (slow, plain, float64) ---


def verify_head_pattern(
    attention: np.ndarray, tokens: Sequence[str] | None, claim: HeadPattern,
    thresholds: HeadThresholds = HeadThresholds(),
) -> bool:
    """Recompute one head's metrics from the raw array and check every part of the claim."""
    L, H, T = _shape(attention, tokens)
    if not (0 <= claim.layer < L and 0 <= claim.head < H):
        return False
    causal = _reference_causal(attention, thresholds)
    metrics, sink_key, special_key, tops = _reference_metrics(
        attention[claim.layer, claim.head], tokens, causal, thresholds)
    pattern, score, key, map_type, by = _decide(metrics, sink_key, special_key, thresholds)
    top_rows, rows = tops[by] if by else (None, None)
    same_metrics = claim.metrics.keys() == metrics.keys() and all(
        abs(claim.metrics[k] - metrics[k]) <= _TOL for k in metrics)
    return (pattern, key, map_type, by, top_rows, rows) == (
        claim.pattern, claim.key, claim.map_type, claim.sink_by, claim.top_rows, claim.rows) and \
        abs(score - claim.score) <= _TOL and same_metrics


def verify_layer_fact(
    attention: np.ndarray, tokens: Sequence[str] | None, fact: LayerFact,
    thresholds: HeadThresholds = HeadThresholds(),
) -> bool:
    """Re-derive which heads of the layer have the pattern, and the count and total."""
    L, H, T = _shape(attention, tokens)
    if not 0 <= fact.layer < L:
        return False
    causal = _reference_causal(attention, thresholds)
    heads = tuple(h for h in range(H) if _decide(
        *_reference_metrics(attention[fact.layer, h], tokens, causal, thresholds)[:3], thresholds)[0] == fact.pattern)
    return heads == tuple(fact.heads) and fact.count == len(heads) > 0 and fact.total == H


def verify_similar_pair(
    attention: np.ndarray, pair: SimilarPair, thresholds: HeadThresholds = HeadThresholds()
) -> bool:
    """Recompute the pair's distance row by row with the textbook JS formula."""
    L, H, T = _shape(attention, None)
    for layer, head in (pair.a, pair.b):
        if not (0 <= layer < L and 0 <= head < H):
            return False
    P = np.asarray(attention[pair.a], dtype=np.float64)
    Q = np.asarray(attention[pair.b], dtype=np.float64)
    distances = []
    for p, q in zip(P, Q):
        m = (p + q) / 2
        kl_p = sum(x * np.log2(x / y) for x, y in zip(p, m) if x > 0)
        kl_q = sum(x * np.log2(x / y) for x, y in zip(q, m) if x > 0)
        distances.append(np.sqrt(max((kl_p + kl_q) / 2, 0.0)))
    distance = float(np.mean(distances))
    return pair.a != pair.b and abs(distance - pair.distance) <= _TOL and distance <= thresholds.similar_max_distance


def _reference_causal(attention: np.ndarray, th: HeadThresholds) -> bool:
    T = attention.shape[-1]
    return T > 1 and all(float(np.max(attention[..., q, q + 1:])) <= th.causal_tolerance for q in range(T - 1))


def _reference_metrics(a: np.ndarray, tokens, causal: bool, th: HeadThresholds):
    """One head in float64, straight from the definitions in docs/head-patterns.md.

    Written apart from the batched float32 path in :func:`_metrics`: diagonals,
    explicit row ranges and per-segment sums instead of fancy indexing over all
    heads, so a slip in one is unlikely to be repeated in the other.
    """
    a32 = np.asarray(a, dtype=np.float32)  # the top-key test compares the float32 values classify_heads reads
    a = np.asarray(a, dtype=np.float64)
    T = a.shape[0]
    m = {
        "previous_token": float(np.diagonal(a, -1).mean()) if T > 1 else 0.0,
        "next_token": float(np.diagonal(a, 1).mean()) if T > 1 else 0.0,
        "self": float(np.diagonal(a).mean()),
        "confidence": float(a.max(axis=1).mean()),
    }
    seen = np.arange(1, T + 1) if causal else np.full(T, T)
    visible = np.arange(T)[None, :] < seen[:, None]
    p = np.where(visible, (1 - th.entropy_smoothing) * a + th.entropy_smoothing / seen[:, None], 0.0)
    logs = np.log(np.where(p > 0, p, 1.0))
    rows = seen >= 2
    m["entropy"] = float(((-(p * logs).sum(axis=1))[rows] / np.log(seen[rows])).mean()) if rows.any() else 0.0

    skip = min(th.causal_skip_rows, T - 1) if causal else 0
    importance, eligible = [], []
    for k in range(T):
        first = max(k, skip) if causal else 0  # the queries that can see key k
        importance.append(a[first:, k].sum() / (T - first))
        eligible.append(T - first >= th.sink_min_rows * (T - skip))
    sink_key = max((k for k in range(T) if eligible[k]), key=lambda k: (importance[k], -k))
    m["sink"], m["first_token"] = float(importance[sink_key]), float(importance[0])
    first = max(sink_key, skip) if causal else 0
    wins = [q for q in range(first, T) if a32[q, sink_key] >= a32[q].max()]
    tops = {"key": (len(wins), T - first)}
    m["sink_top"] = len(wins) / (T - first)
    special_key = None
    if tokens is not None:
        special = [k for k, t in enumerate(tokens) if t in th.special_tokens]
        if special:
            m["special"] = float(a[skip:, special].sum(axis=1).mean())
            special_key = max(special, key=lambda k: (importance[k], -k))
            wins = [q for q in range(skip, T) if max(a32[q, k] for k in special) >= a32[q].max()]
            tops["special_tokens"] = (len(wins), T - skip)
            m["special_top"] = len(wins) / (T - skip)
        bounds, start = [], 0
        for k, t in enumerate(tokens):
            is_delim = t.lstrip("▁Ġ ") in th.segment_delimiters
            if is_delim and k + 1 < T and tokens[k + 1].lstrip("▁Ġ ") not in th.segment_delimiters:
                bounds.append((start, k + 1))
                start = k + 1
        if bounds:
            bounds.append((start, T))
            inside = sum(a[lo:hi, lo:hi].sum() for lo, hi in bounds)
            m["block"] = float(inside / T)
            chance = 0.0
            for lo, hi in bounds:
                for q in range(lo, hi):
                    chance += (min(hi, seen[q]) - lo) / seen[q]
            m["block_chance"] = float(chance / T)
        duplicate, induction, positions = [], [], {}
        for q, t in enumerate(tokens):
            earlier = positions.setdefault(t, [])
            duplicate.append(list(earlier))  # earlier occurrences of this token
            induction.append([j + 1 for j in earlier if j + 1 < q])  # the tokens that followed them
            earlier.append(q)
        for name, targets in (("duplicate_token", duplicate), ("induction", induction)):
            rows_with = [q for q in range(T) if targets[q]]
            if len(rows_with) >= th.repeat_min_rows:
                hit = sum(a[q, targets[q]].sum() for q in rows_with)
                m[name] = float(hit / sum(a[q].sum() for q in rows_with))
    return m, sink_key, special_key, tops


def threshold_sources() -> dict[str, str]:
    """Field name → citation, for the docs and for reports that print their settings."""
    return {f.name: f.metadata["source"] for f in fields(HeadThresholds)}
