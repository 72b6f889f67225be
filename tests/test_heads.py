"""Planted patterns are found, random heads are not, and every claim survives its re-check."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
import tensor_helpers as synth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.analyse.heads import (
    MAP_TYPES,
    PATTERNS,
    HeadPattern,
    HeadThresholds,
    LayerFact,
    SimilarPair,
    classify_heads,
    layer_facts,
    similar_heads,
    threshold_sources,
    verify_head_pattern,
    verify_layer_fact,
    verify_similar_pair,
)

T = 64


def one_head(matrix: np.ndarray) -> np.ndarray:
    return matrix[None, None]


def classify_one(matrix, tokens=None, thresholds=HeadThresholds()) -> HeadPattern:
    attention = one_head(matrix)
    (result,) = classify_heads(attention, tokens, thresholds)
    assert verify_head_pattern(attention, tokens, result, thresholds)
    return result


POSITIONAL = {
    "previous_token": synth.previous_token,
    "next_token": synth.next_token,
    "self": synth.self_attending,
}


@pytest.mark.parametrize("pattern", sorted(POSITIONAL))
@pytest.mark.parametrize("with_tokens", [False, True])
def test_planted_positional_head_is_found(pattern, with_tokens):
    rng = np.random.default_rng(1)
    tokens = synth.sentences(rng)[:T] if with_tokens else None
    n = len(tokens) if tokens else T
    result = classify_one(POSITIONAL[pattern](n, rng), tokens)
    assert result.pattern == pattern
    assert result.score > 0.85
    assert result.map_type == "diagonal"


def test_sink_on_first_token_is_found_with_its_key():
    result = classify_one(synth.sink(T, np.random.default_rng(2), key=0))
    assert (result.pattern, result.key, result.map_type) == ("sink", 0, "vertical")
    assert result.score == pytest.approx(0.7, abs=0.02)
    assert result.metrics["first_token"] == pytest.approx(result.score)


def test_sink_on_a_middle_key_reports_that_key():
    result = classify_one(synth.sink(T, np.random.default_rng(3), key=17))
    assert (result.pattern, result.key) == ("sink", 17)


def test_sink_in_a_causal_map_skips_the_forced_first_row():
    matrix = synth.causal(synth.sink(T, np.random.default_rng(4), key=0, strength=0.5))
    result = classify_one(matrix)
    assert (result.pattern, result.key) == ("sink", 0)
    # Gu et al.: rows 1..T-1 only, since row 0 of a causal map is 1 on key 0 by construction
    assert result.metrics["first_token"] == pytest.approx(float(matrix[1:, 0].mean()), abs=1e-6)


def test_late_keys_of_a_causal_map_are_not_sinks():
    # a causal previous-token head puts 1/(T-k) "importance" on late keys; it must stay previous_token
    matrix = synth.causal(synth.previous_token(T, np.random.default_rng(5)))
    assert classify_one(matrix).pattern == "previous_token"
    weak = synth.causal(synth.broad(T, np.random.default_rng(5)))
    assert classify_one(weak).pattern != "sink"


def test_special_token_mass_makes_a_sink_even_when_split_between_tokens():
    rng = np.random.default_rng(6)
    tokens = synth.sentences(rng, count=4)
    seps = [0, len(tokens) - 1]
    matrix = synth.planted(len(tokens), [seps] * len(tokens), rng, strength=0.7)  # 0.35 + 0.35
    result = classify_one(matrix, tokens, HeadThresholds(sink_min=0.4))
    assert result.pattern == "sink" and result.key in seps
    assert result.metrics["special"] == pytest.approx(0.7, abs=0.03)


def test_near_uniform_head_is_broad():
    result = classify_one(synth.broad(T, np.random.default_rng(7)))
    assert result.pattern == "broad" and result.score > 0.95
    assert result.map_type == "heterogeneous"


def test_segment_head_is_block():
    rng = np.random.default_rng(8)
    tokens = synth.sentences(rng)
    result = classify_one(synth.block(tokens, rng), tokens)
    assert (result.pattern, result.map_type) == ("block", "block")
    assert result.metrics["block"] > 0.85 > result.metrics["block_chance"] + 0.3


def test_induction_head_on_a_repeated_random_sequence():
    rng = np.random.default_rng(9)
    tokens = synth.repeated_random(rng)
    result = classify_one(synth.induction(tokens, rng), tokens)
    assert result.pattern == "induction" and result.score > 0.85
    assert result.metrics["duplicate_token"] < 0.1


def test_duplicate_token_head_on_a_repeated_random_sequence():
    rng = np.random.default_rng(10)
    tokens = synth.repeated_random(rng)
    result = classify_one(synth.duplicate_token(tokens, rng), tokens)
    assert result.pattern == "duplicate_token" and result.score > 0.85
    assert result.metrics["induction"] < 0.1


def test_without_repeats_no_token_identity_metric_is_claimed():
    rng = np.random.default_rng(11)
    tokens = synth.sentences(rng)
    result = classify_one(synth.random_peaked(len(tokens), rng), tokens)
    assert "induction" not in result.metrics and "duplicate_token" not in result.metrics


@pytest.mark.parametrize("seed", range(20))
def test_random_peaked_heads_stay_heterogeneous(seed):
    rng = np.random.default_rng(100 + seed)
    tokens = synth.repeated_random(rng) if seed % 2 else synth.sentences(rng)
    result = classify_one(synth.random_peaked(len(tokens), rng), tokens)
    assert (result.pattern, result.map_type, result.key) == ("heterogeneous", "heterogeneous", None)
    assert result.score == result.metrics["confidence"]


def test_precedence_positional_beats_sink_and_map_type_shows_both():
    rng = np.random.default_rng(12)
    targets = [[0, q - 1] if q > 1 else [0] for q in range(T)]
    weights = np.where(np.arange(T) == 0, 0.35, 0.55)  # 35% on key 0, 55% on q-1
    matrix = synth.noise(T, rng) * 0.1
    for q, keys in enumerate(targets):
        for k in keys:
            matrix[q, k] += weights[k] if k == 0 else 0.55
    result = classify_one(synth.rows(matrix))
    assert result.pattern == "previous_token"
    assert result.map_type == "vertical+diagonal"


def test_classifying_every_head_of_a_mixed_layer():
    rng = np.random.default_rng(13)
    builders = [synth.previous_token, synth.next_token, synth.self_attending, synth.sink, synth.broad,
                synth.random_peaked]
    attention = np.stack([b(T, rng) for b in builders])[None]
    results = classify_heads(attention)
    assert [r.pattern for r in results] == [
        "previous_token", "next_token", "self", "sink", "broad", "heterogeneous"]
    assert [(r.layer, r.head) for r in results] == [(0, h) for h in range(6)]


def test_layer_facts_count_patterns_and_verify():
    rng = np.random.default_rng(14)
    layer0 = [synth.previous_token(T, rng) for _ in range(3)] + [synth.broad(T, rng)]
    layer1 = [synth.sink(T, rng) for _ in range(4)]
    attention = np.stack([np.stack(layer0), np.stack(layer1)])
    facts = layer_facts(classify_heads(attention))
    assert facts == [
        LayerFact(0, "previous_token", (0, 1, 2), 3, 4),
        LayerFact(0, "broad", (3,), 1, 4),
        LayerFact(1, "sink", (0, 1, 2, 3), 4, 4),
    ]
    assert all(verify_layer_fact(attention, None, f) for f in facts)


def test_similar_heads_pairs_copies_and_not_strangers():
    rng = np.random.default_rng(15)
    a = synth.previous_token(T, rng)
    attention = np.stack([a, a, synth.sink(T, rng, key=5)])[None]
    pairs = similar_heads(attention)
    assert [(p.a, p.b) for p in pairs] == [((0, 0), (0, 1))]
    assert pairs[0].distance == pytest.approx(0.0, abs=1e-6)
    assert verify_similar_pair(attention, pairs[0])


def test_thresholds_are_user_settable_and_change_the_answer():
    matrix = synth.sink(T, np.random.default_rng(16), strength=0.4)
    assert classify_one(matrix).pattern == "sink"
    assert classify_one(matrix, thresholds=HeadThresholds(sink_min=0.5)).pattern != "sink"


def test_every_threshold_cites_a_source_and_is_documented():
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "head-patterns.md").read_text()
    for name, source in threshold_sources().items():
        assert source.strip(), name
        assert f"`{name}`" in doc, f"{name} is not documented"
    for pattern in PATTERNS + MAP_TYPES:
        assert f"`{pattern}`" in doc


def test_classifying_a_minilm_sized_tensor_is_fast():
    rng = np.random.default_rng(17)
    attention = synth.rows(rng.dirichlet(np.full(256, 0.3), size=(6, 12, 256)))
    tokens = synth.sentences(rng, count=36)[:256]
    classify_heads(attention, tokens)  # warm-up
    best = min(_timed(lambda: classify_heads(attention, tokens)) for _ in range(3))
    assert best < 1.0, f"classify_heads took {best:.2f}s on 6x12x256x256"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_non_square_or_mislabelled_input_is_a_programming_error():
    with pytest.raises(ValueError):
        classify_heads(np.ones((1, 1, 3, 4)) / 4)
    with pytest.raises(ValueError):
        classify_heads(np.ones((1, 1, 3, 3)) / 3, ["a", "b"])


# --- properties: every emitted claim passes its check; tampered claims do not ---

VOCAB = ["[CLS]", "the", "cat", "sat", ".", "on", "mat", "[SEP]", "a", "dog"]
LOOSE = HeadThresholds(repeat_min_rows=2, similar_max_distance=0.6)


@st.composite
def attention_and_tokens(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    layers, heads, length = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(2, 24))
    rng = np.random.default_rng(seed)
    kinds = [synth.previous_token, synth.next_token, synth.self_attending, synth.sink, synth.broad,
             synth.random_peaked, lambda n, r: synth.rows(r.dirichlet(np.full(n, 0.2), size=n))]
    picks = draw(st.lists(st.integers(0, len(kinds) - 1), min_size=layers * heads, max_size=layers * heads))
    stack = [kinds[i](length, rng) for i in picks]
    if draw(st.booleans()):
        stack = [synth.causal(m) for m in stack]
    attention = np.stack(stack).reshape(layers, heads, length, length)
    tokens = [VOCAB[int(i)] for i in rng.integers(0, len(VOCAB), length)] if draw(st.booleans()) else None
    return attention, tokens


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(attention_and_tokens())
def test_every_claim_passes_its_check(data):
    attention, tokens = data
    patterns = classify_heads(attention, tokens, LOOSE)
    assert all(p.pattern in PATTERNS and p.map_type in MAP_TYPES for p in patterns)
    assert all(verify_head_pattern(attention, tokens, p, LOOSE) for p in patterns)
    assert all(verify_layer_fact(attention, tokens, f, LOOSE) for f in layer_facts(patterns))
    assert all(verify_similar_pair(attention, p, LOOSE) for p in similar_heads(attention, LOOSE))


@SETTINGS
@given(attention_and_tokens(), st.data())
def test_tampered_claims_are_rejected(data, choose):
    attention, tokens = data
    patterns = classify_heads(attention, tokens, LOOSE)
    claim = choose.draw(st.sampled_from(patterns))
    other_pattern = choose.draw(st.sampled_from([p for p in PATTERNS if p != claim.pattern]))
    other_map = choose.draw(st.sampled_from([m for m in MAP_TYPES if m != claim.map_type]))
    tampered = [
        dataclasses.replace(claim, pattern=other_pattern),
        dataclasses.replace(claim, map_type=other_map),
        dataclasses.replace(claim, score=claim.score + 0.01),
        dataclasses.replace(claim, key=(claim.key or 0) + 1),
        dataclasses.replace(claim, layer=claim.layer + attention.shape[0]),
        dataclasses.replace(claim, metrics={**claim.metrics, "self": claim.metrics["self"] + 0.01}),
    ]
    for bad in tampered:
        assert not verify_head_pattern(attention, tokens, bad, LOOSE), bad

    fact = choose.draw(st.sampled_from(layer_facts(patterns)))
    for bad in (dataclasses.replace(fact, count=fact.count + 1),
                dataclasses.replace(fact, total=fact.total + 1),
                dataclasses.replace(fact, heads=fact.heads[:-1], count=fact.count - 1)):
        assert not verify_layer_fact(attention, tokens, bad, LOOSE), bad

    pair = SimilarPair((0, 0), (0, 0), 0.0)  # a head is not "similar" to itself
    assert not verify_similar_pair(attention, pair, LOOSE)
    for found in similar_heads(attention, LOOSE)[:1]:
        assert not verify_similar_pair(attention, dataclasses.replace(found, distance=found.distance + 0.01), LOOSE)
