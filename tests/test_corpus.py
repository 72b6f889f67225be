"""The bad-input corpus: every file gives exactly its one expected line (exit 2), or builds (exit 0).

"Bad input gets a clear one-line error naming the file and the place, never a
traceback, and a failed build leaves earlier output intact." Each row of
tests/corpus/expected.tsv is one such promise, checked through the real CLI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import generator.pipeline as pipeline

CORPUS = Path(__file__).resolve().parent / "corpus"
BAD = CORPUS / "bad"
GOOD = "component,1,2,3\nMLP,High,Low,High\nATT,High,Low,High\n"


def _expected() -> list[tuple[str, str]]:
    rows = []
    for line in (CORPUS / "expected.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("file\t") or not line.strip():
            continue
        name, expected = line.split("\t", 1)
        rows.append((name, expected))
    return rows


EXPECTED = _expected()
def test_the_corpus_covers_every_format_and_enough_cases():
    names = [name for name, _ in EXPECTED]
    assert len(names) >= 40
    for suffix in (".csv", ".tsv", ".json", ".jsonl", ".parquet", ".npz", ".npy", ".safetensors"):
        assert sum(n.endswith(suffix) for n in names) >= 3, suffix
    assert sum(p.suffix == ".yml" for p in BAD.iterdir()) >= 10
    data_files = {p.name for p in BAD.iterdir() if p.suffix != ".yml"}
    assert data_files == set(names), "every corpus data file has exactly one expectation"


def test_committed_corpus_is_what_make_bad_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_bad", CORPUS / "make_bad.py")
    make_bad = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_bad)
    made = make_bad.files()
    assert sorted(made) == sorted(p.name for p in BAD.iterdir())
    for name, content in made.items():
        committed = (BAD / name).read_bytes()
        if committed != content and name.endswith(".parquet") and _same_parquet(committed, content):
            continue  # another pyarrow version writes another created_by; the table is the same
        assert committed == content, f"{name} differs from make_bad.py: run python tests/corpus/make_bad.py"


def _same_parquet(a: bytes, b: bytes) -> bool:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def read(raw):
        try:
            return pq.read_table(pa.BufferReader(raw))
        except Exception:
            return None

    ta, tb = read(a), read(b)
    return (ta is None and tb is None and len(a) == len(b)) or (ta is not None and tb is not None and ta.equals(tb))


@pytest.mark.parametrize("name,expected", EXPECTED, ids=[name for name, _ in EXPECTED])
def test_corpus_file_through_the_cli(run_cli, monkeypatch, tmp_path, name, expected):
    monkeypatch.chdir(BAD)  # so the error names the file as the user typed it
    out = tmp_path / "out"
    result = run_cli("build", name, "--out", out)
    assert "Traceback" not in result.err
    if expected == "OK":
        assert (result.code, result.err) == (0, "")
        assert json.loads((out / ".attention-report.json").read_text())["reports"][0]["source"] == name
    else:
        assert result.err == f"error: {expected}\n"
        assert result.code == 2
        assert not out.exists()


def test_a_failed_corpus_build_leaves_the_previous_output_byte_for_byte(run_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(BAD)
    out = tmp_path / "out"
    assert run_cli("build", "bom.csv", "--out", out).code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for name, expected in EXPECTED:
        if expected != "OK":
            assert run_cli("build", "bom.csv", name, "--out", out).code == 2, name
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging or backup folder left behind


def test_an_enormous_label_is_cut_in_the_page_and_whole_in_the_findings(run_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(BAD)
    out = tmp_path / "out"
    assert run_cli("build", "enormous-label.csv", "--out", out).code == 0
    label = "L" * 5000
    findings = json.loads((out / "enormous-label.findings.json").read_text())
    assert findings["rows"][0] == label
    page = (out / "enormous-label.md").read_text()
    import re

    text = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.S)  # the chart's own data
    assert label not in text and "L" * 79 + "…" in text


def test_control_characters_in_labels_load_and_show_as_code_points(run_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(BAD)
    out = tmp_path / "out"
    assert run_cli("build", "control-label.csv", "--out", out).code == 0
    assert json.loads((out / "control-label.findings.json").read_text())["rows"] == ["a\x01b", "c\x1bd"]
    assert "aU+0001b" in (out / "control-label.md").read_text()
    assert "aU+0001b" in (out / "control-label.svg").read_text()


def test_one_hundred_thousand_columns_build(run_cli, tmp_path):
    """Decision (docs/limits.md): 100,000 columns × 1 row is 100,000 cells, far under input.max_cells,
    so it builds; the chart shows block means, never more than 2,000 columns."""
    path = tmp_path / "wide.csv"
    n = 100_000
    path.write_text("r," + ",".join(map(str, range(n))) + "\na," + ",".join(str(i % 7 / 10) for i in range(n)) + "\n")
    out = tmp_path / "out"
    result = run_cli("build", path, "--out", out)
    assert result.code == 0, result.err
    findings = json.loads((out / "wide.findings.json").read_text())
    assert len(findings["columns"]) == n
    spec = json.loads((out / "wide.vl.json").read_text())
    [cols] = [p["value"] for p in spec["params"] if p["name"] == "cols"]
    assert len(cols) <= 2000


def test_one_hundred_thousand_columns_past_a_lower_limit_are_refused_while_reading(run_cli, tmp_path):
    path = tmp_path / "wide.csv"
    n = 100_000
    path.write_text("r," + ",".join(map(str, range(n))) + "\na," + ",".join("0.5" for _ in range(n)) + "\n")
    result = run_cli("build", path, "--out", tmp_path / "out", "--set", "input.max_cells=50000")
    assert result.code == 2
    assert result.err == f"error: {path}: line 2: more than 50000 cells, the limit (setting input.max_cells)\n"


def test_a_long_csv_is_stopped_at_the_line_that_passes_the_limit(run_cli, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("r,1,2\n" + "".join(f"r{i},0.1,0.2\n" for i in range(1000)))
    result = run_cli("build", path, "--out", tmp_path / "out", "--set", "input.max_cells=100")
    assert result.err == f"error: {path}: line 52: more than 100 cells, the limit (setting input.max_cells)\n"


def test_a_file_too_big_for_the_limit_is_refused_unread(run_cli, tmp_path, monkeypatch):
    import generator.load.table as tabular

    monkeypatch.setattr(tabular, "MIN_BYTE_LIMIT", 1000)
    path = tmp_path / "big.csv"
    path.write_text("r,1\n" + "".join(f"r{i},0.5\n" for i in range(200)))
    size = path.stat().st_size
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read a file past the byte limit"))
    result = run_cli("build", path, "--out", tmp_path / "out", "--set", "input.max_cells=2")
    assert result.err == (f"error: {path}: file: is {size:,} bytes, more than the 1,000 that input.max_cells allows "
                          "for a table; raise input.max_cells to read it\n")


def test_a_link_out_of_the_data_folder_is_refused(run_cli, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text(GOOD)
    data = tmp_path / "data"
    data.mkdir()
    (data / "good.csv").write_text(GOOD)
    os.symlink(secret, data / "link.csv")
    result = run_cli("build", data, "--out", tmp_path / "out")
    assert result.code == 2
    assert result.err == f"error: {data}/link.csv: file: is a link pointing outside its data folder\n"
    assert not (tmp_path / "out").exists()


def test_a_broken_link_is_named(run_cli, tmp_path):
    link = tmp_path / "gone.csv"
    os.symlink(tmp_path / "nowhere.csv", link)
    result = run_cli("build", link, "--out", tmp_path / "out")
    assert (result.code, result.err) == (2, f"error: {link}: file: is a broken symbolic link\n")


def test_a_file_that_vanishes_mid_build_is_one_line_and_keeps_the_old_output(run_cli, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text(GOOD)
    doomed = data / "b.csv"
    doomed.write_text(GOOD)
    out = tmp_path / "out"
    assert run_cli("build", data, "--out", out).code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    found = pipeline.find_datasets

    def find_then_delete(inputs):
        paths = found(inputs)
        doomed.unlink()  # gone between discovery and read
        return paths

    monkeypatch.setattr(pipeline, "find_datasets", find_then_delete)
    result = run_cli("build", data, "--out", out)
    assert (result.code, result.err) == (2, f"error: {doomed}: file: cannot be read: No such file or directory\n")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
