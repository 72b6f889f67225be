"""A sink claim states the share on its key and in how many rows that key is on top (issue 10).

Heads are planted with an exact number of query rows whose top key is the sink key,
while the mean share on that key stays above ``sink_min`` either way: so only
``sink_min_top_rows`` decides whether the head is a sink, and the count printed
must be the planted one. The verify stage (its own recomputation) must agree, and
must refuse the sentence when any of its numbers changes.
"""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.analyse.tensor import analyse_tensor
from generator.load.tensor import TensorData
from generator.render.environment import macros, text_environment
from generator.render.findings import jsonable, one_line
from generator.settings import HeadThresholds
from generator.verify.reading import Untrue
from generator.verify.tensor import check_head_pattern, recompute

TH = HeadThresholds()


@st.composite
def planted_sink(draw):
    """Head (0, 1) puts >= 0.35 on ``key`` in every counted row, and is the top key in exactly ``wins`` of them."""
    T = draw(st.integers(10, 40))
    causal = draw(st.booleans())
    key = draw(st.integers(0, T // 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    first = max(key, TH.causal_skip_rows) if causal else 0
    counted = list(range(first, T))
    wins = draw(st.integers(0, len(counted)))
    winners = set(rng.choice(counted, size=wins, replace=False).tolist())
    a = np.zeros((T, T))
    for q in range(T):
        visible = q + 1 if causal else T
        a[q, :visible] = rng.dirichlet(np.full(visible, 5.0)) * 0.1  # no noise entry reaches 0.1
        if q < first:  # not counted (the key is not visible yet, or the skipped first row)
            a[q, q] += 0.9
            continue
        # another key, off the diagonals where possible, so no positional pattern takes precedence
        others = [k for k in range(visible) if k != key and abs(k - q) > 1] or [k for k in range(visible) if k != key]
        other = others[int(rng.integers(0, len(others)))]
        if q in winners:
            a[q, key] += 0.6
            a[q, other] += 0.3
        else:
            a[q, key] += 0.35
            a[q, other] += 0.55
    background = np.tril(rng.random((T, T)) + 0.01) if causal else rng.random((T, T)) + 0.01
    background /= background.sum(1, keepdims=True)
    attention = np.array([[background, a]], dtype=np.float32)
    return attention, key, wins, len(counted), causal


def sentence(fields: dict) -> str:
    say = macros(text_environment(None, label_limit=80), "observations.j2", ("sentence",))
    return one_line(say.sentence(jsonable(fields), None))


def nudged(text: str):
    for m in re.finditer(r"(?<![\d.])(\d+)(?![\d])", text):
        yield text[: m.start()] + str(int(m.group(1)) + 1) + text[m.end():]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted_sink())
def test_a_planted_sink_is_claimed_with_its_top_rows_and_a_split_head_is_not(data):
    attention, key, wins, rows, causal = data
    analysis = analyse_tensor(TensorData(attention=attention, tokens=None), TH, max_pairs=0)
    [claim] = [o for o in analysis.observations if o.kind == "head_pattern" and (o.layer, o.head) == (0, 1)]
    heads = recompute(attention.astype(np.float64), None, dataclasses.asdict(TH))
    planted_share = float(np.mean([attention[0, 1, q, key] for q in range(max(key, TH.causal_skip_rows) if causal else 0, attention.shape[-1])]))
    assert planted_share >= TH.sink_min  # the share test passes either way: the top rows decide
    if wins >= TH.sink_min_top_rows * rows:
        assert (claim.pattern, claim.key, claim.sink_by) == ("sink", key, "key")
        assert (claim.top_rows, claim.rows) == (wins, rows)
        assert claim.score == pytest.approx(planted_share, abs=1e-5)
        text = sentence(claim.fields())
        assert text.endswith(f"goes to key {key}, the top key of {wins} of {rows} query rows.")
        check_head_pattern(SimpleNamespace(text=text), heads)  # the verify stage agrees
        for changed in nudged(text):
            if changed.startswith("Layer 0 head 1 "):  # a nudged share, key, count or row total
                with pytest.raises(Untrue):
                    check_head_pattern(SimpleNamespace(text=changed), heads)
    else:
        assert claim.pattern != "sink" and claim.top_rows is None
        assert heads.pattern[0, 1] != "sink"  # verify's own rule agrees


def test_the_minimum_is_a_setting():
    T = 20
    a = np.full((T, T), 0.05 / T)
    for q in range(T):
        if q % 4 == 0:
            a[q, 0] += 0.95  # key 0 on top in every fourth row only (5 of 20)
        else:
            a[q, 0] += 0.4
            a[q, 10 + q % 8] += 0.55
    attention = np.array([[a]], dtype=np.float32)

    def head(th):
        [o] = [o for o in analyse_tensor(TensorData(attention, None), th, max_pairs=0).observations
               if o.kind == "head_pattern"]
        return o

    assert head(TH).pattern != "sink"  # 45% on key 0 on average, but on top in a quarter of the rows
    relaxed = head(HeadThresholds(sink_min_top_rows=0.25))
    assert (relaxed.pattern, relaxed.key, relaxed.top_rows, relaxed.rows) == ("sink", 0, 5, 20)
