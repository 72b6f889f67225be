"""The small trained model of docs/datasets/induction: what its report says is what it learned.

The committed tensors are the attention of a 2-layer attention-only transformer trained by
docs/models/train_induction.py (seeded, CPU, one thread). Its report must lead with the
induction heads of layer 1 and the previous-token heads of layer 0, read them with the
literature (Olsson et al. 2022), and say that the previous-token heads hold only over the
early positions of the longer sequence. Retraining takes about 45-90 s on this machine's two
cores, so the suite runs it once and checks that the model it gets learns the same circuit
(same heads, same patterns) and that its tensors match the committed ones.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from generator.pipeline import build_bundles

DOCS = Path(__file__).resolve().parent.parent / "docs"
FOLDER = DOCS / "datasets" / "induction"
SCRIPT = DOCS / "models" / "train_induction.py"
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def findings(name: str) -> dict:
    [bundle] = build_bundles([FOLDER / f"{name}.npz"], settings_overrides={"chart": {"static_image": False},
                                                                          "tensor": {"full_image": False}})
    return json.loads(bundle.files[f"{bundle.slug}.findings.json"]), bundle


def test_the_report_leads_with_the_induction_heads_and_their_circuit():
    f, bundle = findings("repeat-12")
    key = [o for o in f["observations"] if o["section"] == "key"]
    first = key[0]
    assert first["kind"] == "head_group" and first["pattern"] == "induction" and first["layer"] == 1
    assert first["text"].startswith("3 of 4 heads in layer 1 are induction heads")
    previous = [o for o in key if o["kind"] == "head_group" and o["pattern"] == "previous_token"]
    assert previous and previous[0]["layer"] == 0 and previous[0]["rank"] <= 3
    readings = " ".join(h["text"] for h in f["hypotheses"])
    assert "Olsson et al. (2022)" in readings and "first half of an induction circuit" in readings
    assert bundle.summary["leading"] == first["text"]  # the reports index shows the top observation


def test_on_the_longer_sequence_the_previous_token_heads_hold_only_early():
    f, _ = findings("repeat-24")
    partial = [o for o in f["observations"] if o["kind"] == "partial_pattern"]
    assert {(o["layer"], o["head"]) for o in partial} >= {(0, 1), (0, 3)}
    for o in partial:
        assert o["first"] == 1 and o["last"] < 30 and o["outside"] < 0.2
        assert o["section"] == "key"


def test_the_training_log_shows_copying_learned():
    record = json.loads((DOCS / "models" / "induction-training.txt").read_text())
    assert record["seed"] == 0 and record["torch"].startswith("2.13.0")
    assert record["loss_second_copy"] < 0.5 < 4 < record["loss_first_copy"]


@pytest.mark.skipif(not HAVE_TORCH and os.environ.get("CI") != "true",
                    reason="needs torch (the models extra: pip install -e '.[models]')")
def test_retraining_learns_the_same_circuit(tmp_path):
    assert HAVE_TORCH, "CI=true: the models extra (torch) must be installed by tests/run"
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True,
                   capture_output=True, timeout=600)
    from generator.analyse.heads import classify_heads

    for name in ("repeat-12", "repeat-16", "repeat-24"):
        mine, shipped = np.load(tmp_path / f"{name}.npz"), np.load(FOLDER / f"{name}.npz")
        assert list(mine["tokens"]) == list(shipped["tokens"])
        tokens = list(shipped["tokens"])
        got = [(p.layer, p.head, p.pattern) for p in classify_heads(mine["attention"], tokens)]
        want = [(p.layer, p.head, p.pattern) for p in classify_heads(shipped["attention"], tokens)]
        assert got == want
        # same torch build and one thread: the same numbers, up to float noise across CPUs
        assert np.abs(mine["attention"] - shipped["attention"]).max() < 1e-3
