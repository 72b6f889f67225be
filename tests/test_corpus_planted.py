"""Planted truth: a synthetic corpus whose heads' roles are known must come out with the right counts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generator.bench.corpus_data import EARLY_POSITIONS, PLANTED, write_planted_corpus
from generator.cli import main

PROMPTS = 40


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("planted")
    corpus = write_planted_corpus(tmp / "planted", PROMPTS, seed=1, layers=2, heads=4)
    assert main(["build", str(corpus), "--out", str(tmp / "out")]) == 0
    findings = json.loads((tmp / "out" / "planted.findings.json").read_text(encoding="utf-8"))
    table = pd.read_parquet(tmp / "out" / "planted.prompts.parquet")
    return corpus, findings, table, tmp / "out"


def _lengths(corpus: Path) -> list[int]:
    out = []
    for path in sorted(corpus.glob("*.npz")):
        with np.load(path) as npz:
            out.append(int(npz["attention"].shape[-1]))
    return out


def _one(findings, kind, layer, head, pattern):
    found = [o for o in findings["observations"] if o["kind"] == kind and o.get("layer") == layer
             and o.get("head") == head and o.get("pattern") == pattern]
    assert len(found) == 1, (kind, layer, head, pattern, [o["text"] for o in findings["observations"]])
    return found[0]


def test_every_prompt_heads_are_consistent_with_full_counts(built):
    _, findings, _, _ = built
    prev = _one(findings, "corpus_head_role", *PLANTED["previous_token"], "previous_token")
    sink = _one(findings, "corpus_head_role", *PLANTED["sink"], "sink")
    for o in (prev, sink):
        assert (o["met"], o["prompts"], o["defined"]) == (PROMPTS, PROMPTS, PROMPTS)
        assert 0.8 < o["low"] <= o["mean"] <= o["high"] < 0.95  # 85% planted, plus noise
        assert f"on {PROMPTS} of {PROMPTS} prompts" in o["text"]
    consistent = [o for o in findings["observations"] if o["kind"] == "corpus_consistent_heads"]
    assert consistent[0]["heads"] == [[0, 0, "previous_token"], [0, 1, "sink"]]


def test_the_induction_head_is_found_on_exactly_the_repeated_prompts(built):
    _, findings, _, _ = built
    repeated = (PROMPTS + 1) // 2  # prompt n repeats itself when n is even
    o = _one(findings, "corpus_prompt_dependent", *PLANTED["induction"], "induction")
    assert (o["met"], o["defined"]) == (repeated, repeated)
    factor = next(f for f in o["factors"] if f["factor"] == "repetition")
    assert (factor["met_repeated"], factor["repeated"], factor["met_other"], factor["other"]) == (
        repeated, repeated, 0, PROMPTS - repeated)
    assert findings["corpus"]["repeated"] == repeated


def test_the_early_previous_token_head_depends_on_length(built):
    corpus, findings, _, _ = built
    lengths = _lengths(corpus)
    o = _one(findings, "corpus_prompt_dependent", *PLANTED["early_previous_token"], "previous_token")
    factor = next(f for f in o["factors"] if f["factor"] == "length")
    assert factor["correlation"] < -0.8
    # planted: 90% on the previous token over the first 16 positions only, so the score is about
    # 0.9 * 15 / (T - 1): well above 0.5 on short prompts, well below on long ones
    short = sum(1 for t in lengths if t <= 2 * EARLY_POSITIONS - 8)
    long = sum(1 for t in lengths if t >= 2 * EARLY_POSITIONS + 2)
    assert short > 0 and long > 0
    assert sum(1 for t in lengths if t <= 2 * EARLY_POSITIONS - 8) <= o["met"] <= PROMPTS - long


def test_random_heads_get_no_role(built):
    _, findings, _, _ = built
    planted = {tuple(v) for v in PLANTED.values()}
    for o in findings["observations"]:
        if o["kind"] in ("corpus_head_role", "corpus_prompt_dependent"):
            assert (o["layer"], o["head"]) in planted, o["text"]


def test_the_parquet_table_redoes_every_count(built):
    _, findings, table, _ = built
    assert len(table) == PROMPTS * 2 * 4
    assert set(table["file"]) == {f["name"] for f in findings["corpus"]["files"]}
    for o in findings["observations"]:
        if o["kind"] not in ("corpus_head_role", "corpus_prompt_dependent"):
            continue
        rows = table[(table["layer"] == o["layer"]) & (table["head"] == o["head"])]
        assert int(rows[f"meets_{o['pattern']}"].sum()) == o["met"]
        values = rows[o["metric"]].dropna()
        assert len(values) == o["defined"]
        assert values.mean() == pytest.approx(o["mean"], abs=1e-9)
        assert np.quantile(values, 0.05) == pytest.approx(o["low"], abs=1e-9)


def test_the_report_has_every_section_and_the_findings_match_the_schema(built):
    _, findings, _, out = built
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("generator").joinpath("findings.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(findings)
    page = (out / "planted.md").read_text(encoding="utf-8")
    for section in ("## Overview", "## Components/Axes", "## Detailed Analysis", "## Key Observations",
                    "## Interpretation", "## Technical Implications"):
        assert section in page
    assert "planted.prompts.parquet" in page
