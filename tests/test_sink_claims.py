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
from hypothesis import HealthCheck, example, given, settings
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
@example(
    data=(np.array([[[[1.        , 0.        , 0.        , 0.        , 0.        ,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.7588842 , 0.24111581, 0.        , 0.        , 0.        ,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.28836158, 0.25485915, 0.45677927, 0.        , 0.        ,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.5733519 , 0.15456045, 0.09561349, 0.17647415, 0.        ,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.20652801, 0.27247906, 0.3075283 , 0.04678904, 0.16667561,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.3299388 , 0.19089872, 0.0066036 , 0.0258519 , 0.14821757,
               0.29848942, 0.        , 0.        , 0.        , 0.        ],
              [0.1778163 , 0.07927176, 0.09511934, 0.19311517, 0.12583576,
               0.19775014, 0.13109154, 0.        , 0.        , 0.        ],
              [0.12414092, 0.21049008, 0.00240726, 0.07565397, 0.16821882,
               0.15031856, 0.12329034, 0.14548005, 0.        , 0.        ],
              [0.11687884, 0.12007542, 0.14187025, 0.07003818, 0.14251173,
               0.13109566, 0.1669425 , 0.10282486, 0.00776257, 0.        ],
              [0.1336847 , 0.10014839, 0.10068046, 0.06177416, 0.05647765,
               0.11230265, 0.01352394, 0.13503295, 0.13655064, 0.14982446]],

             [[1.        , 0.        , 0.        , 0.        , 0.        ,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.40998328, 0.5900167 , 0.        , 0.        , 0.        ,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.3656412 , 0.5812045 , 0.0531543 , 0.        , 0.        ,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.37150478, 0.574731  , 0.02663256, 0.02713165, 0.        ,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.37980065, 0.562296  , 0.01994727, 0.01380852, 0.02414759,
               0.        , 0.        , 0.        , 0.        , 0.        ],
              [0.36227834, 0.5789744 , 0.02060368, 0.00353671, 0.01221454,
               0.02239231, 0.        , 0.        , 0.        , 0.        ],
              [0.35810485, 0.0136378 , 0.01939095, 0.02247246, 0.558801  ,
               0.0180941 , 0.00949882, 0.        , 0.        , 0.        ],
              [0.35307977, 0.01647113, 0.01360759, 0.01842806, 0.00838143,
               0.5716483 , 0.00797679, 0.01040693, 0.        , 0.        ],
              [0.36514518, 0.5591981 , 0.0141292 , 0.00656497, 0.0156643 ,
               0.01090489, 0.00917671, 0.00527947, 0.01393718, 0.        ],
              [0.3580858 , 0.01196437, 0.00568248, 0.01077978, 0.01504677,
               0.00929231, 0.5596302 , 0.00729645, 0.01025732, 0.01196448]]]],
           dtype=np.float32), 0, 0, 9, True),
).via('discovered failure')
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
        # Not a sink on the planted key. The random "other" key of each row can fall on the same
        # key often enough to make that key a sink of its own (hypothesis found one: key 1 on top
        # in 6 of 9 rows, share 0.39); then the claim must name that key, and verify must agree.
        assert not (claim.pattern == "sink" and claim.key == key)
        assert heads.pattern[0, 1] == claim.pattern  # verify's own rule agrees
        if claim.pattern == "sink":
            assert claim.top_rows >= TH.sink_min_top_rows * claim.rows
            check_head_pattern(SimpleNamespace(text=sentence(claim.fields())), heads)
        else:
            assert claim.top_rows is None


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
