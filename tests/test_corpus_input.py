"""A corpus is found as one dataset, and a bad prompt file stops the build with one line naming it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from generator.bench.corpus_data import write_planted_corpus
from generator.cli import main
from generator.pipeline import find_datasets


def _build(tmp_path: Path, corpus: Path, capsys) -> tuple[int, list[str]]:
    code = main(["build", str(corpus), "--out", str(tmp_path / "out")])
    return code, capsys.readouterr().err.strip().splitlines()


def test_a_corpus_folder_is_one_dataset_wherever_it_is_found(tmp_path):
    corpus = write_planted_corpus(tmp_path / "data" / "runs", 3)
    (tmp_path / "data" / "single.csv").write_text("row,a,b\nx,1,2\n", encoding="utf-8")
    assert find_datasets([corpus]) == [corpus]
    found = find_datasets([tmp_path / "data"])
    assert corpus in found and (tmp_path / "data" / "single.csv") in found
    assert not any(p.suffix == ".npz" for p in found)


def test_the_corpus_builds_one_report(tmp_path, capsys):
    corpus = write_planted_corpus(tmp_path / "runs", 4)
    code, err = _build(tmp_path, corpus, capsys)
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    assert names == ["runs.findings.json", "runs.md", "runs.prompts.parquet", "runs.svg", "runs.vl.json"]
    findings = json.loads((tmp_path / "out" / "runs.findings.json").read_text(encoding="utf-8"))
    assert findings["dataset"]["kind"] == "corpus" and findings["corpus"]["prompts"] == 4


def test_two_builds_give_the_same_bytes(tmp_path):
    corpus = write_planted_corpus(tmp_path / "runs", 6)
    for out in ("a", "b"):
        assert main(["build", str(corpus), "--out", str(tmp_path / out)]) == 0
    for name in ("runs.md", "runs.findings.json", "runs.prompts.parquet", "runs.vl.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("damage, expected", [
    ("truncate", "cannot read .npz file"),
    ("heads", "every prompt of a corpus needs the same layers and heads"),
    ("rows", "not 1"),
])
def test_a_bad_prompt_stops_the_build_with_one_line_and_nothing_written(tmp_path, capsys, damage, expected):
    corpus = write_planted_corpus(tmp_path / "runs", 5)
    previous = tmp_path / "out"
    assert main(["build", str(corpus), "--out", str(previous)]) == 0
    before = {p.name: p.read_bytes() for p in previous.iterdir()}
    capsys.readouterr()
    bad = corpus / "prompt-0003.npz"
    if damage == "truncate":
        bad.write_bytes(bad.read_bytes()[:200])
    else:
        with np.load(bad) as npz:
            attention, tokens = npz["attention"], npz["tokens"]
        if damage == "heads":
            attention = attention[:, :3]
        else:
            attention = attention * 2
        with bad.open("wb") as fp:
            np.savez(fp, attention=attention, tokens=tokens)
    code, err = _build(tmp_path, corpus, capsys)
    assert code == 2
    assert len(err) == 1 and str(bad) in err[0] and expected in err[0], err
    assert {p.name: p.read_bytes() for p in previous.iterdir()} == before


@pytest.mark.parametrize("text, expected", [
    ("title: x\nprompts: 3\n", "unknown key"),
    ("values: effect\n", "attention probabilities"),
    ("title: [unclosed\n", "not valid YAML"),
])
def test_a_bad_corpus_file_is_one_line(tmp_path, capsys, text, expected):
    corpus = write_planted_corpus(tmp_path / "runs", 2)
    (corpus / "corpus.yml").write_text(text, encoding="utf-8")
    code, err = _build(tmp_path, corpus, capsys)
    assert code == 2 and len(err) == 1 and "corpus.yml" in err[0] and expected in err[0], err


def test_an_empty_corpus_is_one_line(tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "corpus.yml").write_text("title: nothing\n", encoding="utf-8")
    code, err = _build(tmp_path, tmp_path / "runs", capsys)
    assert code == 2 and len(err) == 1 and "no prompt files" in err[0]


def test_corpus_settings_apply_under_the_command_line(tmp_path):
    corpus = write_planted_corpus(tmp_path / "runs", 4)
    (corpus / "corpus.yml").write_text("settings: {corpus: {consistent_min: 0.6}}\n", encoding="utf-8")
    assert main(["build", str(corpus), "--out", str(tmp_path / "a")]) == 0
    assert main(["build", str(corpus), "--out", str(tmp_path / "b"), "--set", "corpus.consistent_min=0.7"]) == 0
    a = json.loads((tmp_path / "a" / "runs.findings.json").read_text())["settings"]["corpus"]["consistent_min"]
    b = json.loads((tmp_path / "b" / "runs.findings.json").read_text())["settings"]["corpus"]["consistent_min"]
    assert (a, b) == (0.6, 0.7)


def test_the_mkdocs_plugin_builds_a_corpus_among_its_datasets(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from browser.sitekit import build, make_project, tokens, write_matrix

    write_matrix(tmp_path / "docs/datasets/small.csv", tokens(3), tokens(4), title="Small one")
    write_planted_corpus(tmp_path / "docs/datasets/models/runs", 4)
    site = build(make_project(tmp_path))
    page = site / "reports/models/runs.html"
    assert page.is_file() and (site / "reports/examples/small.html").is_file()
    html = page.read_text(encoding="utf-8")
    assert "Planted corpus" in html and "Key Observations" in html
    assert (site / "reports/models/runs.prompts.parquet").is_file()
    assert not list(site.rglob("prompt-0000.npz")), "the raw prompt files are not published"
    assert not (site / "reports/models/runs").exists()
