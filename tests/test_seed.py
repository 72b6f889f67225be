"""The seed heatmap, transcribed from its lists: the report must say what the lists really show."""

from __future__ import annotations

from conftest import EXAMPLES

from generator import report
from generator.render import text

SEED = EXAMPLES / "seed-mlp-att.csv"


def seed():
    return report(SEED)


def texts(r):
    return [o["text"] for o in r.findings["observations"]]


def test_the_seed_has_74_positions_in_two_identical_rows():
    r = seed()
    assert r.findings["rows"] == ["MLP", "ATT"]
    assert len(r.findings["columns"]) == 74
    [identical] = [o for o in r.findings["observations"] if o["kind"] == "identical_rows"]
    assert identical["rows"] == ["MLP", "ATT"] and identical["positions"] == 74
    assert "MLP and ATT are identical: they hold the same level at every one of their 74 positions." in texts(r)


def test_every_odd_position_is_low_and_no_even_one_is():
    r = seed()
    [periodic] = [o for o in r.findings["observations"] if o["kind"] == "periodic"]
    assert (periodic["period"], periodic["phase"], periodic["level"], periodic["exclusive"]) == (2, 1, "Low", True)
    assert periodic["text"] == ("In every component, every odd-numbered position is Low (35 positions), "
                                "and no even-numbered position is.")


def test_even_positions_split_into_high_and_neutral_runs():
    runs = {o["level"]: o for o in seed().findings["observations"] if o["kind"] == "level_runs"}
    evens = [c for c in range(2, 81, 2) if c != 22]
    assert sorted(runs["High"]["columns"] + runs["Neutral"]["columns"]) == evens
    assert runs["High"]["ranges"][0] == [16, 20, 2]
    assert runs["Neutral"]["ranges"][0] == [2, 14, 2]
    assert runs["High"]["same_rows"] == ["ATT"]


def test_22_and_3_7_9_13_have_no_column():
    r = seed()
    [gaps] = [o for o in r.findings["observations"] if o["kind"] == "axis_gaps"]
    assert gaps["missing"] == [3, 7, 9, 13, 22]
    assert "has no position for 3, 7, 9, 13 and 22" in gaps["text"]


def test_the_page_has_the_six_sections_in_the_seed_order():
    md = seed().markdown
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[:6] == ["## Overview", "## Components/Axes", "## Detailed Analysis", "## Key Observations",
                            "## Interpretation", "## Technical Implications"]


def test_hypotheses_are_marked_and_tied_to_an_observation():
    r = seed()
    for h in r.findings["hypotheses"]:
        assert h["reads"] and all(1 <= n <= len(r.findings["observations"]) for n in h["reads"])
        named = f"observation {h['reads'][0]}" if len(h["reads"]) == 1 else "observations " + text.listing(h["reads"])
        assert f"**Hypothesis {h['id']}** (reads {named})" in r.markdown
