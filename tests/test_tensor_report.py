"""Tensor reports on real MiniLM attention (committed example files; no torch needed)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import EXAMPLES

from generator.pipeline import build_bundles

PASSAGE = EXAMPLES / "minilm" / "passage-256.npz"


@pytest.fixture(scope="module")
def passage():
    [bundle] = build_bundles([PASSAGE])
    return bundle, json.loads(bundle.files["passage-256.findings.json"])


def heads_with(findings, pattern):
    return {(o["layer"], o["head"]) for o in findings["observations"]
            if o["kind"] == "head_pattern" and o["pattern"] == pattern}


def test_layer_0_head_2_is_found_as_a_previous_token_head(passage):
    _, findings = passage
    assert (0, 2) in heads_with(findings, "previous_token")
    [claim] = [o for o in findings["observations"] if o["kind"] == "head_pattern" and (o["layer"], o["head"]) == (0, 2)]
    assert claim["score"] > 0.7 and claim["map_type"] in ("diagonal", "vertical+diagonal")


def test_middle_layers_have_cls_sink_heads(passage):
    _, findings = passage
    sinks = [o for o in findings["observations"] if o["kind"] == "head_pattern" and o["pattern"] == "sink"]
    middle = [o for o in sinks if 1 <= o["layer"] <= 4]
    assert len(middle) >= 6
    assert all(o["key"] == 0 and o["key_token"] == "[CLS]" for o in middle)


def test_a_sink_claim_states_its_share_and_top_rows_and_meets_the_minimum(passage):
    _, findings = passage
    minimum = findings["settings"]["heads"]["sink_min_top_rows"]
    sinks = [o for o in findings["observations"] if o["kind"] == "head_pattern" and o["pattern"] == "sink"]
    assert sinks
    for o in sinks:
        assert o["sink_by"] == "key" and o["rows"] == 256 and o["top_rows"] >= minimum * o["rows"]
        assert o["text"].endswith(f"of each query's attention goes to key 0 ([CLS]), "
                                  f"the top key of {o['top_rows']} of 256 query rows.")
    # layer 1 head 9 puts ≈36% on [CLS] on average, but [CLS] is the top key of only 126 of its 256 rows
    [l1h9] = [o for o in findings["observations"] if o["kind"] == "head_pattern" and (o["layer"], o["head"]) == (1, 9)]
    assert l1h9["pattern"] != "sink" and l1h9["metrics"]["sink"] > 0.3 and l1h9["metrics"]["sink_top"] < minimum


def test_every_head_has_a_claim_and_nothing_was_rejected(passage):
    _, findings = passage
    assert findings["rejected"] == 0
    assert len([o for o in findings["observations"] if o["kind"] == "head_pattern"]) == 72
    assert findings["shape"] == {"layers": 6, "heads": 12, "queries": 256, "keys": 256}


def test_the_group_sentence_counts_the_heads_it_lists(passage):
    _, findings = passage
    for o in findings["observations"]:
        if o["kind"] == "head_group":
            assert o["text"].startswith(f"{o['count']} of {o['total']} heads in layer {o['layer']}")
            assert len(o["heads"]) == o["count"]


def test_one_page_per_layer_and_the_overview_links_them(passage):
    bundle, _ = passage
    overview = bundle.files["passage-256.md"].decode()
    for layer in range(6):
        assert f"passage-256-layer-{layer}.md" in bundle.files
        assert f"(passage-256-layer-{layer}.md)" in overview
        assert bundle.files[f"passage-256-layer-{layer}.png"].startswith(b"\x89PNG")


def test_layer_charts_are_downsampled_to_the_setting(passage):
    bundle, _ = passage
    page = bundle.files["passage-256-layer-0.md"].decode()
    [spec] = json.loads(re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, flags=re.S).group(1))
    [records] = [d["values"] for d in spec["data"] if d["name"] == "cells"]  # the page carries Vega
    assert len(records) == 12 * 43 and all(len(r["v"]) == 43 for r in records)  # 256 positions in blocks of 6
    assert spec["usermeta"]["block"] == 6
    assert len(page.encode()) < 200_000


def test_a_tampered_head_claim_is_not_printed(monkeypatch):
    import generator.analyse.tensor as ha

    real = ha.classify_heads

    def lying(attention, tokens, thresholds):
        patterns = real(attention, tokens, thresholds)
        first = patterns[0]
        return [type(first)(first.layer, first.head, "induction", 0.99, None, first.map_type, first.metrics),
                *patterns[1:]]

    monkeypatch.setattr(ha, "classify_heads", lying)
    rng = np.random.default_rng(0)
    A = rng.random((1, 2, 12, 12)) ** 3
    A /= A.sum(-1, keepdims=True)
    from generator.load.tensor import tensor_from_array

    analysis = ha.analyse_tensor(tensor_from_array(A.astype(np.float32)), ha.HeadThresholds(), max_pairs=5)
    assert not any(getattr(o, "pattern", None) == "induction" for o in analysis.observations)
    assert analysis.rejected
