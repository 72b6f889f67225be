"""The verify stage: it re-reads the data's bytes, checks every claim as printed, and gates the build."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, REPO
from generator import report
from generator.errors import InputError
from generator.verify.page import verify_table
from generator.verify.reading import Axis, Untrue, listing, stands_for


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from generator.cli import main

    out = tmp_path_factory.mktemp("verify") / "out"
    assert main(["build", str(EXAMPLES), "--out", str(out), "--set", "chart.static_image=false",
                 "--set", "tensor.full_image=false"]) == 0
    return out


def copy_report(built: Path, slug: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in built.glob(f"{slug}.*"):
        shutil.copy(path, folder / path.name)
    return folder


def test_every_claim_of_the_examples_passes_and_the_command_says_so(built, run_cli):
    result = run_cli("verify", built)
    assert result.code == 0, result.out
    assert "FAIL" not in result.out
    summary = result.out.strip().splitlines()[-1]
    reports = sorted(built.glob("*.findings.json"))
    corpora = sum(json.loads(p.read_text())["dataset"]["kind"] == "corpus" for p in reports)
    # every kind has its own reader: only corpora are left to the build (see folder.py)
    assert corpora >= 2
    assert re.fullmatch(rf"{len(reports)} reports, \d+ claims checked, 0 failed \({corpora} skipped\)", summary)
    assert "ok   observation 1: MLP and ATT are identical" in result.out


def test_changed_data_fails_on_its_hash(built, tmp_path, run_cli):
    folder = copy_report(built, "seed-mlp-att", tmp_path / "r")
    data = folder / "seed-mlp-att.data.csv"
    data.write_bytes(data.read_bytes() + b"\n")
    result = run_cli("verify", folder)
    assert result.code == 1
    assert "FAIL data: SHA-256" in result.out and "differs from the one the findings record" in result.out


def test_a_reworded_claim_fails_naming_it(built, tmp_path, run_cli):
    folder = copy_report(built, "seed-mlp-att", tmp_path / "r")
    path = folder / "seed-mlp-att.findings.json"
    findings = json.loads(path.read_text())
    o = next(o for o in findings["observations"] if o["kind"] == "periodic")
    o["text"] = o["text"].replace("odd-numbered", "even-numbered").replace("no even-numbered", "no odd-numbered")
    path.write_text(json.dumps(findings))
    (folder / "seed-mlp-att.md").unlink()  # the downloads only: data and findings
    result = run_cli("verify", folder, "--quiet")
    assert result.code == 1
    [line] = [x for x in result.out.splitlines() if "FAIL" in x]
    assert "observation 2: In every component, every even-numbered position is Low" in line


def test_a_sink_sentence_with_a_changed_top_row_count_fails(built):
    """Issue 10: the printed share and 'the top key of N of M query rows' are checked from the file's bytes."""
    from generator.verify.folder import VERIFIERS

    findings = json.loads((built / "passage-256.findings.json").read_text())
    raw = (built / "passage-256.data.npz").read_bytes()
    i, o = next((i, o) for i, o in enumerate(findings["observations"])
                if o["kind"] == "head_pattern" and o["pattern"] == "sink")
    said = f"the top key of {o['top_rows']} of {o['rows']} query rows."
    assert o["text"].endswith(said) and o["top_rows"] >= 0.5 * o["rows"]
    share = re.search(r"on average (\S+)% of each query", o["text"]).group(1)
    texts = [o["text"].replace(said, f"the top key of {o['top_rows'] - 1} of {o['rows']} query rows."),
             o["text"].replace(said, f"the top key of {o['top_rows']} of {o['rows'] + 1} query rows."),
             o["text"].replace(f"on average {share}%", f"on average {float(share.lstrip('≈')) + 1:.1f}%")]
    for text in [o["text"], *texts]:
        changed = json.loads(json.dumps(findings))
        changed["observations"][i]["text"] = text
        [verdict] = [v for v in VERIFIERS["tensor"](raw, ".npz", changed) if v.observation == i]
        assert verdict.ok == (text == o["text"]), (text, verdict)


def test_the_page_must_print_the_findings_sentence(built, tmp_path, run_cli):
    folder = copy_report(built, "head-scores", tmp_path / "r")
    page = folder / "head-scores.md"
    text = page.read_text()
    assert "layer 3: head H9." in text
    page.write_text(text.replace("layer 3: head H9.", "layer 3: head H8.", 1))
    result = run_cli("verify", folder, "--quiet")
    assert result.code == 1 and "the page does not print this sentence as observation 1" in result.out


def test_a_printed_cut_that_moves_a_cell_fails_the_level_rule(built, tmp_path, run_cli):
    folder = copy_report(built, "head-scores", tmp_path / "r")
    page = folder / "head-scores.md"
    text = page.read_text()
    assert "cells at or above 0.5 are High" in text
    page.write_text(text.replace("cells at or above 0.5 are High", "cells at or above 0.6 are High"))
    result = run_cli("verify", folder, "--quiet")
    assert result.code == 1
    assert "FAIL level rule" in result.out and "in Neutral, the rule itself in High" in result.out


def test_a_false_claim_fails_a_strict_build_naming_it_and_is_left_out_otherwise(monkeypatch):
    from generator.analyse import table
    from generator.analyse.observations import Extremes

    def wrong(grid):
        return [Extremes(extreme="max", value=0.5, cells=[[grid.rows[0], grid.columns[0], 0.5]])]

    monkeypatch.setattr(table, "find_extremes", wrong)
    with pytest.raises(InputError, match=r"head-scores.tsv: verify, observation \d+: the value is not 0.5"):
        report(EXAMPLES / "head-scores.tsv")
    lenient = report(EXAMPLES / "head-scores.tsv", settings={"verify": {"strict": False}})
    assert lenient.findings["rejected"] == 1
    assert not any(o["kind"] == "extremes" for o in lenient.findings["observations"])
    assert "The largest value, 0.5" not in lenient.markdown


def test_the_reproduce_section_gives_the_command(built):
    for page in ("seed-mlp-att.md", "repeated.md"):
        assert "run `attention-report verify FOLDER`" in (built / page).read_text()


def test_verify_never_imports_the_analysis_or_render_stage():
    import ast

    for path in (REPO / "generator" / "verify").glob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0]
        assert not [n for n in names if n.startswith(("generator.analyse", "generator.render"))], path
        assert not [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level > 1], path


# --- the reader model -------------------------------------------------------------


def test_a_printed_label_that_could_be_two_labels_is_ambiguous():
    axis = Axis(["the", "the ", "1000.25", "1.0", "prefix-long-a", "prefix-long-b"])
    assert axis.identify("the") == 0 and axis.identify("the␣") == 1  # the page shows the trailing space
    with pytest.raises(Untrue, match="could be any of 2"):
        Axis(["a␣", "a "]).identify("a␣")  # a label spelt with the sign itself reads like a spaced one
    with pytest.raises(Untrue, match="could be any of 2"):
        axis.identify("prefix-long…")
    with pytest.raises(Untrue, match="not a label"):
        axis.identify("1000")  # a rounded number names no label
    assert axis.identify("1000.25") == 2 and axis.identify("1") == 3  # 1 and 1.0 are one number


def test_a_list_that_reads_two_ways_is_refused():
    axis = Axis(["a", "b", "a, b", "c"])
    # the page quotes a label holding a separator, so unquoted 'a, b' is two labels and “a, b” one
    assert listing("a, b and c", axis.identify) == ([0, 1, 3], 0)
    assert listing("“a, b” and c", axis.identify) == ([2, 3], 0)
    assert listing("a, c and 3 more", axis.identify) == ([0, 3], 3)
    with pytest.raises(Untrue, match="cannot read"):
        listing("a, b and d", axis.identify)


def test_rounded_numbers_must_be_marked():
    from decimal import Decimal

    assert stands_for("0.81", Decimal("0.81"))
    assert not stands_for("0.2033", Decimal("0.20333"))
    assert stands_for("≈0.2033", Decimal("0.20333")) and not stands_for("≈0.2034", Decimal("0.20333"))
    assert stands_for("−2.4", Decimal("-2.4"))


def test_ties_for_an_extreme_are_counted_and_signed_data_names_the_strongest_effect():
    import pandas as pd

    frame = pd.DataFrame({"row": ["a", "a", "b", "b"], "column": [1, 2, 1, 2], "value": [-0.001, -2.4, -0.5, -2.4]})
    texts = [o["text"] for o in report(frame, name="neg").findings["observations"] if o["kind"] == "extremes"]
    assert texts == ["The strongest negative effect is −2.4, at 2 cells: row a, column 2; row b, column 2."]


def test_verify_table_reads_the_printed_rule_and_counts(built):
    findings = json.loads((built / "head-scores.findings.json").read_text())
    raw = (built / "head-scores.data.tsv").read_bytes()
    verdicts = verify_table(raw, ".tsv", findings, (built / "head-scores.md").read_text())
    assert all(v.ok for v in verdicts)
    assert [v.where for v in verdicts[:4]] == ["data", "level rule", "overview", "levels"]
    assert len(verdicts) == 4 + len(findings["observations"])


RANKED_KINDS = {"region", "profile", "trend", "sign_structure", "rare_level", "concentration", "level_exception",
                "swapped_rows", "partial_pattern", "similar_head_group"}


def _nudged(text: str):
    """Each number of a sentence changed in turn: a whole number +1, a decimal's whole part +1 (0.25 → 1.25)."""
    for m in re.finditer(r"(?<![\d.])(\d+)(?=\.\d|(?![\d.]))", text):
        yield text[: m.start()] + str(int(m.group(1)) + 1) + text[m.end():]


def _planted(folder: Path) -> Path:
    """A numeric table with a rise-and-fall and a ramp, and a level table with a swap and a broken rule."""
    n = 12
    hill = [1 - abs(i - 5) / n for i in range(n)]
    ramp = [i / n + (0.001 if i % 3 else 0) for i in range(n)]
    flat = [0.01 * ((i * 7) % 5 - 2) for i in range(n)]
    lines = ["row," + ",".join(map(str, range(n)))] + [
        f"{name}," + ",".join(f"{v:.4f}" for v in row) for name, row in (("hill", hill), ("ramp", ramp), ("flat", flat))]
    (folder / "numeric.csv").write_text("\n".join(lines) + "\n")
    a = ["Low" if i % 2 else ("High" if i % 4 == 0 else "Neutral") for i in range(n)]
    b = [{"High": "Neutral", "Neutral": "High"}.get(v, v) for v in a]
    c = list(a)
    c[3] = "Neutral"
    lines = ["row," + ",".join(map(str, range(n)))] + [f"{name}," + ",".join(row) for name, row in
                                                          (("A", a), ("B", b), ("C", c))]
    (folder / "levels.csv").write_text("\n".join(lines) + "\n")
    return folder


def test_every_number_of_a_ranked_finding_is_checked(built, tmp_path):
    """Change any number printed by the kinds of ranked findings and verify refuses the sentence."""
    from generator.cli import main
    from generator.verify.folder import VERIFIERS

    planted = tmp_path / "planted"
    assert main(["build", str(_planted(tmp_path)), "--out", str(planted), "--set", "chart.static_image=false"]) == 0
    seen, survivors = set(), []
    for path in [*sorted(built.glob("*.findings.json")), *sorted(planted.glob("*.findings.json"))]:
        findings = json.loads(path.read_text())
        if findings["dataset"]["kind"] == "corpus":
            continue
        [data] = path.parent.glob(path.name.replace(".findings.json", ".data.*"))
        raw = data.read_bytes()
        for i, o in enumerate(findings["observations"]):
            if o["kind"] not in RANKED_KINDS or o["kind"] in seen:
                continue
            seen.add(o["kind"])  # one observation of each kind: the tensor recomputation is not cheap
            for text in list(_nudged(o["text"]))[:12]:
                changed = json.loads(json.dumps(findings))
                changed["observations"][i]["text"] = text
                [verdict] = [v for v in VERIFIERS[findings["dataset"]["kind"]](raw, data.suffix, changed)
                             if v.observation == i]
                if verdict.ok:
                    survivors.append(text)
    assert seen == RANKED_KINDS and not survivors, (RANKED_KINDS - seen, survivors)


def test_labels_that_differ_only_in_whitespace_stay_apart_and_print_visibly(tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text("label,the ,the, 16\nthe ,0.5,0.5,0.1\nthe,0.5,,0.2\n")
    page = report(path, settings={"chart": {"static_image": False}})
    assert "- **Rows (Row)**: the␣ and the." in page.markdown
    assert "- **Columns (Column)**: the␣, the and 16." in page.markdown  # ' 16' is the number 16
    assert page.findings["rejected"] == 0  # verify read every label back, spaces included
    tidy = tmp_path / "tidy.csv"
    tidy.write_text("row,column,value\na,x,1\na ,x,2\n")
    assert "a␣" in report(tidy, settings={"chart": {"static_image": False}}).markdown
