"""The CLI: a good build writes the three files per dataset; bad input writes nothing and says where."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES

GOOD = "component,1,2,3\nMLP,High,Low,High\nATT,High,Low,High\n"


def test_build_writes_report_spec_and_findings_for_each_dataset(run_cli, write, tmp_path):
    path = write("my data.csv", GOOD)
    out = tmp_path / "out"
    result = run_cli("build", path, "--out", out)
    assert result.code == 0, result.err
    names = sorted(p.name for p in out.iterdir())
    assert {"my-data.md", "my-data.vl.json", "my-data.findings.json", "my-data.svg"} <= set(names)
    spec = json.loads((out / "my-data.vl.json").read_text())
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["datasets"]["cells"][0]["r"] == "MLP"
    findings = json.loads((out / "my-data.findings.json").read_text())
    assert findings["dataset"]["source"] == str(path)
    assert findings["columns"] == [1, 2, 3]  # numbers stay numbers


BAD_INPUTS = [
    ("empty.csv", b"", "empty.csv: file: is empty"),
    ("header.csv", b"row,column,value\n", "header.csv: file: no data rows (only a header)"),
    ("ragged.csv", b"r,1,2\na,High,Low\nb,High\n", "ragged.csv: line 3: 2 fields where the header has 3"),
    ("dup.csv", b"row,column,value\na,1,0.5\na,1,0.7\n",
     "dup.csv: line 3, column 'value': duplicate cell (a, 1) with a different value than line 2, column 'value'"),
    ("mixed.csv", b"r,1,2,3\na,0.1,0.2,0.3\nb,0.4,x,0.6\n", "mixed.csv: line 3, column '2': text 'x' in a column of numbers"),
    ("nan.csv", b"r,1,2\na,0.1,NaN\n", "nan.csv: line 2, column '2': nan is not a finite number"),
    ("inf.csv", b"r,1,2\na,0.1,inf\n", "inf.csv: line 2, column '2': inf is not a finite number"),
    ("latin1.csv", "r,1\ncaf\u00e9,0.5\n".encode("latin-1"),
     "latin1.csv: line 2: not valid UTF-8 (byte 7); save the file as UTF-8"),
    ("bad.json", b'[{"row": "a", "column": 1, "value": 0.5},', "bad.json: line 1, column 42: not valid JSON: Expecting value"),
    ("nested.jsonl", b'{"row": "a", "column": 1, "value": [1]}\n',
     "nested.jsonl: line 1, key 'value': expected a number, text or null, got list"),
]


@pytest.mark.parametrize("name,content,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_gives_one_error_line_and_writes_nothing(run_cli, write, tmp_path, name, content, message):
    good = write("good.csv", GOOD)
    bad = write(name, content)
    out = tmp_path / "out"
    result = run_cli("build", good, bad, "--out", out)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert lines == [f"error: {bad.parent}/{message}"]
    assert not out.exists()  # not even the good dataset's report


SIDECAR_CASES = [
    ("unknown key", "title: T\ncolour: red\n", "m.yml: key 'colour': unknown key; known keys:"),
    ("python tag", "title: !!python/object/apply:os.system ['echo pwned']\n",
     "m.yml: line 1: tag not allowed (only plain YAML is read): could not determine a constructor for the tag"),
    ("unknown level", "categories: [High, Low]\n", "m.csv: line 3, column '2': unknown level 'Neutral'; expected one of High, Low"),
    ("bad setting", "settings: {analysis: {similar_min: high}}\n", "m.yml: key 'analysis.similar_min': expected float, got 'high'"),
]


@pytest.mark.parametrize("case,sidecar,message", SIDECAR_CASES, ids=[c[0] for c in SIDECAR_CASES])
def test_bad_sidecars_are_refused_with_their_place(run_cli, write, tmp_path, case, sidecar, message):
    data = write("m.csv", "c,1,2\nMLP,High,Low\nATT,Low,Neutral\n")
    write("m.yml", sidecar)
    result = run_cli("build", data, "--out", tmp_path / "out")
    assert result.code == 2
    [line] = result.err.strip().splitlines()
    assert line.startswith(f"error: {data.parent}/{message}")
    assert not (tmp_path / "out").exists()


def test_every_problem_of_a_run_is_reported_not_only_the_first(run_cli, write, tmp_path):
    a = write("a.csv", "")
    b = write("b.csv", "r,1\nx,inf\n")
    result = run_cli("build", a, b, "--out", tmp_path / "out")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 2


def test_a_failed_build_leaves_the_previous_output_unchanged(run_cli, write, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", write("good.csv", GOOD), "--out", out).code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run_cli("build", write("bad.csv", ""), "--out", out).code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_the_cli_refuses_to_replace_a_folder_it_did_not_write(run_cli, write, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    result = run_cli("build", write("good.csv", GOOD), "--out", out)
    assert result.code == 2 and "refusing to replace" in result.err
    assert (out / "thesis.tex").read_text() == "years of work"


def test_settings_from_the_command_line_reach_the_findings(run_cli, write, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", write("m.csv", GOOD), "--out", out, "--set", "analysis.similar_min=0.75")
    assert result.code == 0
    findings = json.loads((out / "m.findings.json").read_text())
    assert findings["settings"]["analysis"]["similar_min"] == 0.75


def test_a_real_process_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"r,1\nx,\xff\n")
    proc = subprocess.run([sys.executable, "-m", "generator.cli", "build", str(bad), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_folders_expand_to_their_datasets_and_skip_sidecars(run_cli, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", EXAMPLES, "--out", out)
    assert result.code == 0, result.err
    assert (out / "seed-mlp-att.md").is_file()
    assert not any(p.name.endswith(".yml") for p in out.iterdir())


def test_a_broken_user_template_is_bad_input_naming_the_template_and_line(run_cli, write, tmp_path):
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "report.md.j2").write_text('{% extends "default:report.md.j2" %}\n{% block overview %}\n{{ r.nonexistent }}\n{% endblock %}\n')
    result = run_cli("build", write("m.csv", GOOD), "--out", tmp_path / "out", "--templates", templates)
    assert result.code == 2
    [line] = result.err.strip().splitlines()
    assert line.startswith(f"error: {templates / 'report.md.j2'}: line 3: ") and "nonexistent" in line


def test_a_bad_set_value_is_blamed_on_the_command_line_not_the_sidecar(run_cli, write, tmp_path):
    data = write("m.csv", GOOD)
    write("m.yml", "title: T\n")
    result = run_cli("build", data, "--out", tmp_path / "out", "--set", "analysis.similar_min=high")
    assert result.err.strip() == "error: --set: key 'analysis.similar_min': expected float, got 'high'"


def test_a_colour_can_be_set_without_quotes(run_cli, write, tmp_path):
    out = tmp_path / "out"
    assert run_cli("build", write("m.csv", GOOD), "--out", out, "--set", "chart.colours.High=#805ad5").code == 0
    assert json.loads((out / "m.findings.json").read_text())["settings"]["chart"]["colours"]["High"] == "#805ad5"


def test_hidden_folders_and_earlier_outputs_are_not_datasets(run_cli, write, tmp_path):
    data = write("m.csv", GOOD).parent
    (data / ".ipynb_checkpoints").mkdir()
    (data / ".ipynb_checkpoints" / "m-checkpoint.csv").write_text("")
    (data / "old.findings.json").write_text("{}")
    result = run_cli("build", data, "--out", tmp_path / "out")
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "out").glob("*.md")) == ["m.md"]


def test_an_unknown_level_rule_is_named_as_such(run_cli, write, tmp_path):
    result = run_cli("build", write("n.csv", "r,1,2\na,0.1,0.2\n"), "--out", tmp_path / "o", "--set", "levels.rule=median")
    assert "unknown rule 'median'" in result.err and result.code == 2


def test_an_override_missing_a_macro_names_the_template(run_cli, write, tmp_path):
    templates = tmp_path / "tpl"
    templates.mkdir()
    (templates / "observations.j2").write_text("{% macro sentence(o, ax) %}x{% endmacro %}\n")
    result = run_cli("build", write("m.csv", GOOD), "--out", tmp_path / "out", "--templates", templates)
    assert result.code == 2
    assert result.err.strip().startswith(f"error: {templates / 'observations.j2'}: template: defines no macro 'ranges_phrase'")


def test_a_tensor_declared_as_signed_effects_is_refused_in_one_line(run_cli, write, tmp_path):
    import numpy as np

    path = write("fx.npy", b"")
    np.save(path, np.full((2, 3, 3), 1 / 3, dtype=np.float32))
    write("fx.yml", "values: effect\n")
    result = run_cli("build", path, "--out", tmp_path / "out")
    assert result.code == 2
    assert result.err.strip() == (f"error: {path}: sidecar key 'values': head patterns need attention probabilities, "
                                  "not 'effect'; for signed effects export a table (rows × columns) instead")
