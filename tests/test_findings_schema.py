"""The findings files match generator/findings.schema.json, so users can rely on it.

Every example in docs/datasets is built through the real pipeline and its
findings file validated; a few small datasets written here make sure every
observation kind (and the nullable fields) is exercised too. The schema closes
every object, so a field added, renamed or removed in render.py or in an
observation class fails here until the schema and docs/findings.md follow.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from generator.analyse.categorical_kinds import LevelException, SwappedRows
from generator.analyse.corpus import ConsistentHeads, HeadRole, LayerSummary, PromptDependent
from generator.analyse.corpus_tables import ConsistentCells, MeanExtreme
from generator.analyse.numeric_kinds import Concentration, Profile, RareLevel, Region, SignStructure, Trend
from generator.analyse.observations import ALL_KINDS as MATRIX_KINDS
from generator.analyse.tensor import HeadGroup, HeadPatternObservation, PartialPattern, SimilarHeadGroup, SimilarHeads
from generator.pipeline import build_bundles, find_datasets

CORPUS_KINDS = (ConsistentHeads, HeadRole, PromptDependent, LayerSummary, ConsistentCells, MeanExtreme)
ALL_KINDS = MATRIX_KINDS + (HeadPatternObservation, HeadGroup, SimilarHeads, SimilarHeadGroup, PartialPattern, Region,
                             Profile, Trend, SignStructure, RareLevel, Concentration, LevelException,
                             SwappedRows) + CORPUS_KINDS
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "datasets"


@pytest.fixture(scope="module")
def schema() -> dict:
    text = resources.files("generator").joinpath("findings.schema.json").read_text(encoding="utf-8")
    data = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(data)
    return data


@pytest.fixture(scope="module")
def validator(schema) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


def findings_of(bundles) -> dict[str, dict]:
    """The findings files exactly as written: parsed from the bundle's bytes."""
    return {b.slug: json.loads(b.files[f"{b.slug}.findings.json"]) for b in bundles}


@pytest.fixture(scope="module")
def example_findings() -> dict[str, dict]:
    paths = find_datasets([EXAMPLES])
    assert paths, "docs/datasets holds no example"
    return findings_of(build_bundles(paths))


# Small datasets that between them produce every observation kind, both similarity
# metrics, a non-exclusive period, text column labels and a constant grid.
EXTRA = {
    "numbers.csv": (
        "layer,0,1,2,3\n"
        "0,0.1,0.7,0.2,0.9\n"
        "1,0.1,0.6,0.3,0.8\n"
        "2,0.1,0.7,0.2,0.9\n"
        "5,0.9,0.1,,0.2\n",
        "settings: {chart: {static_image: false}}\n",
    ),
    "words.csv": (
        "head,a,b,c,d,e,f,g\n"
        "h1,High,Low,High,Low,High,Low,High\n"
        "h2,High,Low,High,Low,High,Low,Low\n",
        "settings: {analysis: {similar_min: 0.8, periodic_exclusive_only: false}, chart: {static_image: false}}\n",
    ),
    "sparse.csv": (
        "label,1,2,3\n"
        "a,,,\n"
        "b,0.1,0.5,0.9\n"
        "c,0.12,0.5,0.88\n",
        "settings: {chart: {static_image: false}}\n",
    ),
    "trend.csv": (
        "row,0,1,2,3,4,5,6,7\n"
        "up,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.9\n"
        "hill,0.1,0.3,0.5,0.7,0.6,0.4,0.2,0.1\n",
        "values: effect\nsettings: {chart: {static_image: false}}\n",
    ),
    "swaps.csv": (
        "row,0,1,2,3,4,5,6,7,8,9\n"
        "MLP,High,Low,Neutral,Low,High,Low,Neutral,Low,High,Low\n"
        "RES,Neutral,Low,High,Low,Neutral,Low,High,Low,Neutral,Low\n"
        "ATT,High,Low,Neutral,Low,High,Neutral,Neutral,Low,High,Low\n",
        "settings: {chart: {static_image: false}}\n",
    ),
    "constant.jsonl": (
        '{"row": "a", "column": 1, "value": 0.5}\n{"row": "b", "column": 1, "value": 0.5}\n',
        "settings: {chart: {static_image: false}}\n",
    ),
}


@pytest.fixture(scope="module")
def extra_findings(tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("extra")
    for name, (data, sidecar) in EXTRA.items():
        (folder / name).write_text(data, encoding="utf-8")
        (folder / name).with_suffix(".yml").write_text(sidecar, encoding="utf-8")
    return findings_of(build_bundles(find_datasets([folder])))


def test_every_example_findings_file_matches_the_schema(example_findings, validator):
    assert set(example_findings) >= {"seed-mlp-att", "causal-trace", "head-scores", "role-pattern"}
    for slug, findings in example_findings.items():
        errors = [f"{slug}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(findings)]
        assert not errors, "\n".join(errors)


def test_small_datasets_cover_every_observation_kind_and_match_the_schema(extra_findings, example_findings, validator):
    for slug, findings in extra_findings.items():
        errors = [f"{slug}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(findings)]
        assert not errors, "\n".join(errors)
    everything = [*extra_findings.values(), *example_findings.values()]
    seen = {o["kind"] for f in everything for o in f["observations"]}
    assert seen == {k.kind for k in ALL_KINDS}
    metrics = {o["metric"] for f in everything for o in f["observations"] if o["kind"] == "similar_rows"}
    assert metrics == {"max_difference", "agreement"}
    assert extra_findings["constant"]["levels"]["high_from"] is None  # all values equal: no cut points


def test_the_schema_names_every_observation_kind_with_exactly_its_fields(schema):
    defs = schema["$defs"]
    listed = {ref["$ref"].rsplit("/", 1)[-1] for ref in defs["observation"]["oneOf"]}
    assert listed == {k.kind for k in ALL_KINDS}
    assert set(defs["observation"]["properties"]["kind"]["enum"]) == listed
    for cls in ALL_KINDS:
        ranked = set() if cls in CORPUS_KINDS else {"rank", "rank_score", "section"}
        fields = {f.name for f in dataclasses.fields(cls)} | {"kind", "text"} | ranked
        assert set(defs[cls.kind]["properties"]) == fields, cls.kind
        assert set(defs[cls.kind]["required"]) == fields, cls.kind
        assert defs[cls.kind]["additionalProperties"] is False


def seed(example_findings) -> dict:
    return copy.deepcopy(example_findings["seed-mlp-att"])


def test_an_unknown_observation_kind_is_rejected(example_findings, validator):
    findings = seed(example_findings)
    findings["observations"].append({"kind": "mystery_kind", "rows": ["MLP"], "text": "Something new."})
    assert not validator.is_valid(findings)


def test_an_observation_missing_a_field_is_rejected(example_findings, validator):
    findings = seed(example_findings)
    assert findings["observations"][0]["kind"] == "identical_rows"
    del findings["observations"][0]["positions"]
    assert not validator.is_valid(findings)


def test_an_observation_with_an_extra_field_is_rejected(example_findings, validator):
    findings = seed(example_findings)
    findings["observations"][1]["confidence"] = 0.9
    assert not validator.is_valid(findings)


def test_a_missing_top_level_field_or_setting_is_rejected(example_findings, validator):
    findings = seed(example_findings)
    del findings["rejected"]
    assert not validator.is_valid(findings)
    findings = seed(example_findings)
    del findings["settings"]["analysis"]["similar_min"]
    assert not validator.is_valid(findings)


def test_labels_must_stay_strings_or_numbers(example_findings, validator):
    findings = seed(example_findings)
    findings["columns"][0] = True
    assert not validator.is_valid(findings)
