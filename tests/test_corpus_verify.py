"""The verify stage re-derives every corpus claim from the files, and refuses any claim that is off by a little.

Property-based: for planted corpora of random size and seed, every observation the
analysis makes passes its independent check, and changing any number, count or
listed head in it makes the check fail.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings, strategies as st

from generator.analyse.corpus import analyse_corpus
from generator.bench.corpus_data import write_planted_corpus
from generator.load.corpus import read_corpus
from generator.settings import Settings
from generator.verify.corpus import check, recompute


def _tampered(fields: dict):
    """Every single-field change a wrong analysis could make."""
    for key, value in fields.items():
        if key in ("kind", "text"):
            continue
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            yield key, {**fields, key: value + 1}
        elif isinstance(value, float):
            yield key, {**fields, key: value + 0.01}
        elif isinstance(value, list) and value:
            changed = copy.deepcopy(value)
            changed.pop()
            yield key, {**fields, key: changed}
        elif isinstance(value, list):
            yield key, {**fields, key: [[0, "previous_token"]] if fields["kind"] == "corpus_layer_summary"
                        else [[0, 0, "self"]] if fields["kind"] == "corpus_consistent_heads"
                        else [{"factor": "length"}]}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prompts=st.integers(min_value=6, max_value=24), seed=st.integers(min_value=0, max_value=10_000))
def test_every_claim_is_rederived_and_every_tampered_claim_refused(tmp_path_factory, prompts, seed):
    folder = write_planted_corpus(tmp_path_factory.mktemp("c") / "planted", prompts, seed=seed)
    source, conf = read_corpus(folder), Settings()
    analysis = analyse_corpus(source, conf)
    reference = recompute(source, conf)
    assert analysis.observations
    for o in analysis.observations:
        fields = o.fields()
        assert check(fields, reference), fields
        for key, wrong in _tampered(fields):
            if key in ("mean", "low", "high") and fields[key] is None:
                continue
            assert not check(wrong, reference), (key, fields)


def test_a_claim_about_a_head_outside_the_tensor_is_refused(tmp_path):
    folder = write_planted_corpus(tmp_path / "planted", 4)
    source, conf = read_corpus(folder), Settings()
    reference = recompute(source, conf)
    role = next(o.fields() for o in analyse_corpus(source, conf).observations if o.kind == "corpus_head_role")
    assert check(role, reference)
    assert not check({**role, "layer": 7}, reference)
    assert not check({**role, "pattern": "self", "metric": "self"}, reference)
    assert not check({**role, "kind": "no_such_kind"}, reference)


def test_every_printed_sentence_is_read_back_and_a_wrong_figure_in_it_refused(tmp_path):
    import json
    import re

    from generator.cli import main
    from generator.verify.corpus import check_printed

    folder = write_planted_corpus(tmp_path / "planted", 24, seed=2)
    assert main(["build", str(folder), "--out", str(tmp_path / "out")]) == 0
    findings = json.loads((tmp_path / "out" / "planted.findings.json").read_text(encoding="utf-8"))
    assert findings["rejected"] == 0
    reference = recompute(read_corpus(folder), Settings())
    kinds = {o["kind"] for o in findings["observations"]}
    assert kinds == {"corpus_consistent_heads", "corpus_head_role", "corpus_prompt_dependent", "corpus_layer_summary"}
    for o in findings["observations"]:
        assert check_printed(o, reference), o["text"]
        numbers = list(re.finditer(r"\d+", o["text"]))
        for m in numbers:  # every figure in the sentence matters
            wrong = o["text"][:m.start()] + str(int(m.group()) + 3) + o["text"][m.end():]
            assert not check_printed({**o, "text": wrong}, reference), wrong


def test_a_template_that_prints_a_wrong_figure_loses_the_sentence(tmp_path):
    import json

    from generator.cli import main

    folder = write_planted_corpus(tmp_path / "planted", 8, seed=3)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "corpus_observations.j2").write_text(
        '{% import "default:corpus_observations.j2" as d %}\n'
        '{% macro sentence(o) %}{% if o.kind == "corpus_head_role" %}'
        'Layer {{ o.layer }} head {{ o.head }} is a sink head on {{ o.met + 1 }} of {{ o.prompts }} prompts.'
        '{% else %}{{ d.sentence(o) }}{% endif %}{% endmacro %}\n'
        '{% macro interpretation(o, meta) %}{% endmacro %}{% macro implication(o, meta) %}{% endmacro %}\n',
        encoding="utf-8")
    # under verify.strict (the tests' default) the wrong figure stops the build, naming the sentence ...
    assert main(["build", str(folder), "--out", str(tmp_path / "strict"), "--templates", str(templates)]) == 2
    assert not (tmp_path / "strict").exists()
    # ... and without it the sentence is left out of the page
    assert main(["build", str(folder), "--out", str(tmp_path / "out"), "--templates", str(templates),
                 "--set", "verify.strict=false"]) == 0
    findings = json.loads((tmp_path / "out" / "planted.findings.json").read_text(encoding="utf-8"))
    assert findings["rejected"] >= 2
    assert not [o for o in findings["observations"] if o["kind"] == "corpus_head_role"]
