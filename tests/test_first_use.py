"""What a new user trips over first: each gets one line that says what to do."""

from __future__ import annotations

from generator import report


def test_an_unsupported_format_is_named_with_every_supported_one(run_cli, write, tmp_path):
    for name in ("sheet.xlsx", "notes.txt"):
        result = run_cli("build", write(name, b"PK\x03\x04 not a table"), "--out", tmp_path / "out")
        assert result.code == 2
        assert f"{name}: file name: unsupported format" in result.err
        for suffix in (".csv", ".tsv", ".parquet", ".jsonl", ".npz", ".safetensors", "corpus.yml"):
            assert suffix in result.err
        assert "UTF-8" not in result.err


def test_a_folder_with_no_dataset_is_an_error_naming_it(run_cli, tmp_path):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "README.md").write_text("# notes\n")
    result = run_cli("build", empty, "--out", tmp_path / "out")
    assert result.code == 2 and f"{empty}: folder: holds no dataset file" in result.err


def test_a_semicolon_separated_csv_gets_a_hint(run_cli, write, tmp_path):
    result = run_cli("build", write("excel.csv", "component;1;2\nMLP;0.1;0.2\n"), "--out", tmp_path / "out")
    assert result.code == 2 and "semicolon-separated" in result.err


def test_a_tidy_mapping_names_the_axes_after_the_mapped_columns(write):
    path = write("effects.csv", "layer,token,effect\n0,The,0.1\n0,cat,0.2\n1,The,0.3\n1,cat,0.4\n")
    path.with_suffix(".yml").write_text("table: {row: layer, column: token, value: effect}\n")
    r = report(path)
    assert "**Rows (layer)**" in r.markdown and "**Columns (token)**" in r.markdown
    assert "(Row)" not in r.markdown and "(Column)" not in r.markdown


def test_the_new_sites_example_carries_no_internal_notes(run_cli, tmp_path):
    assert run_cli("new", tmp_path / "s").code == 0
    sidecar = (tmp_path / "s/docs/datasets/example.yml").read_text()
    for internal in ("shared/", "seed description", "transcribed", "model-written", "invented"):
        assert internal not in sidecar.lower(), internal
