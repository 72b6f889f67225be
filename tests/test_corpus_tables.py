"""A corpus of tables with the same axes: the mean matrix with each cell's consistency across prompts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generator.analyse.corpus_tables import analyse_tables
from generator.cli import main
from generator.load.corpus import read_corpus
from generator.settings import Settings
from generator.verify.corpus_tables import check_table, recompute_tables

ROWS, COLUMNS = ("MLP", "ATT", "EMB"), (0, 1, 2, 3, 4)


def write_tables(folder: Path, prompts: int = 50, *, seed: int = 0, flips: int = 3) -> Path:
    """MLP × 2 planted positive on all but ``flips`` prompts; EMB × 4 negative on every prompt; the rest noise."""
    folder.mkdir(parents=True)
    (folder / "corpus.yml").write_text("title: Patching per prompt\nvalues: effect\n", encoding="utf-8")
    rng = np.random.default_rng(seed)
    for n in range(prompts):
        v = rng.normal(0, 0.3, (3, 5))
        v[0, 2] = (abs(v[0, 2]) + 0.5) * (-1 if n < flips else 1)
        v[2, 4] = -abs(v[2, 4]) - 0.4
        lines = ["component," + ",".join(map(str, COLUMNS))]
        lines += [name + "," + ",".join(f"{x:.4f}" for x in v[r]) for r, name in enumerate(ROWS)]
        (folder / f"prompt-{n:03d}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_each_planted_cell_comes_out_with_its_count(tmp_path):
    corpus = write_tables(tmp_path / "patching")
    assert main(["build", str(corpus), "--out", str(tmp_path / "out")]) == 0
    findings = json.loads((tmp_path / "out" / "patching.findings.json").read_text(encoding="utf-8"))
    by_level = {o["level"]: o for o in findings["observations"] if o["kind"] == "corpus_consistent_cells"}
    assert by_level["positive"]["cells"] == [["MLP", 2, 47]]
    assert "positive in at least 90% of the 50 prompts: MLP × 2 (47 of 50)" in by_level["positive"]["text"]
    assert by_level["negative"]["cells"] == [["EMB", 4, 50]]
    extremes = {o["extreme"]: o for o in findings["observations"] if o["kind"] == "corpus_extreme_mean"}
    assert (extremes["min"]["row"], extremes["min"]["column"], extremes["min"]["negative"]) == ("EMB", 4, 50)
    table = pd.read_parquet(tmp_path / "out" / "patching.prompts.parquet")
    cell = table[(table.row == "MLP") & (table.column == "2")]
    assert len(table) == 50 * 15 and int((cell.value > 0).sum()) == 47
    assert extremes["max"]["mean"] == pytest.approx(table.groupby(["row", "column"]).value.mean().max(), abs=1e-12)


def test_every_table_claim_is_rederived_and_tampering_refused(tmp_path):
    corpus = write_tables(tmp_path / "patching", 20, seed=4)
    source, conf = read_corpus(corpus), Settings()
    analysis, ref = analyse_tables(source, conf), recompute_tables(source, conf)
    assert analysis.observations
    for o in analysis.observations:
        fields = o.fields()
        assert check_table(fields, ref)
        for key, value in fields.items():
            if isinstance(value, bool) or key == "kind":
                continue
            if isinstance(value, (int, float)):
                assert not check_table({**fields, key: value + 1}, ref), key
        if fields["kind"] == "corpus_consistent_cells":
            assert not check_table({**fields, "cells": fields["cells"][:-1]}, ref)
            assert not check_table({**fields, "level": "high"}, ref)


def test_tables_with_other_axes_stop_the_build_with_one_line(tmp_path, capsys):
    corpus = write_tables(tmp_path / "patching", 4)
    bad = corpus / "prompt-002.csv"
    bad.write_text(bad.read_text().replace("EMB", "POS"), encoding="utf-8")
    assert main(["build", str(corpus), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0] and "same rows and columns" in err[0]
    assert not (tmp_path / "out").exists()


def test_tables_and_tensors_do_not_mix(tmp_path, capsys):
    corpus = write_tables(tmp_path / "patching", 2)
    np.save(corpus / "x.npy", np.full((2, 2), 0.5))
    assert main(["build", str(corpus), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "mixes tables and tensors" in err[0]
