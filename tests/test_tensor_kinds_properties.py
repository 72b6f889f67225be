"""Property tests of the tensor kinds of ranked findings: partial positional patterns and groups of alike heads."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.analyse.tensor import TensorEvidence, analyse_tensor, find_partial_patterns
from generator.load.tensor import TensorData
from generator.settings import HeadThresholds


@st.composite
def planted(draw):
    """One causal head that is previous-token on queries 1..cut only, among random causal heads."""
    T = draw(st.integers(20, 40))
    cut = draw(st.integers(max(8, T // 3), (3 * T) // 4))  # at least partial_min_rows (8) queries
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    heads = []
    for _ in range(4):
        a = np.tril(rng.random((T, T)) + 0.01)
        heads.append(a / a.sum(1, keepdims=True))
    a = np.tril(rng.random((T, T)) + 0.01)
    a /= a.sum(1, keepdims=True)
    share = draw(st.floats(0.6, 0.99))
    for q in range(1, cut + 1):
        a[q] *= 1 - share
        a[q, q - 1] += share
    heads[1] = a
    return np.array([heads[:2], heads[2:]], dtype=np.float64), cut


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted())
def test_a_planted_partial_previous_token_head_is_found_with_its_range(data):
    attention, cut = data
    th = HeadThresholds()
    found = [o for o in find_partial_patterns(attention, th) if o.pattern == "previous_token"]
    ev = TensorEvidence(TensorData(attention=attention, tokens=None), th)
    mine = [o for o in found if (o.layer, o.head) == (0, 1)]
    assert mine and mine[0].first == 1 and mine[0].last == cut
    for o in found:
        rows = np.arange(attention.shape[-1])[1:]
        score = attention[o.layer, o.head, rows, rows - 1]
        inside = (rows >= o.first) & (rows <= o.last)
        assert (score[inside] >= th.positional_min).all() and score[~inside].mean() < th.positional_min
        assert o.check(ev)


def test_alike_heads_are_grouped_and_the_group_checks():
    rng = np.random.default_rng(0)
    T = 12
    base = np.tril(rng.random((T, T)) + 0.01)
    base /= base.sum(1, keepdims=True)
    heads = []
    for k in range(3):
        a = base + np.tril(rng.random((T, T))) * 0.01 * (k + 1)
        heads.append(a / a.sum(1, keepdims=True))
    other = np.eye(T)
    attention = np.array([[heads[0], heads[1]], [heads[2], other]])
    analysis = analyse_tensor(TensorData(attention=attention, tokens=None), HeadThresholds(), max_pairs=10)
    groups = [o for o in analysis.observations if o.kind == "similar_head_group"]
    assert groups and sorted(map(tuple, groups[0].heads)) == [(0, 0), (0, 1), (1, 0)]
