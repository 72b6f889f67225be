"""The load stage: every table format and shape becomes the same labelled matrix."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from generator.errors import InputError
from generator.pipeline import load

WIDE_CSV = "component,2,10,4\nMLP,High,Low,Neutral\nATT,High,Low,Low\n"


def test_wide_csv_keeps_row_order_and_sorts_numeric_columns_numerically(write):
    loaded = load(write("m.csv", WIDE_CSV))
    matrix = loaded.dataset.matrix
    assert matrix.rows == ("MLP", "ATT")
    assert matrix.columns == (2, 4, 10)  # numbers, sorted as numbers (not "10" < "2")
    assert matrix.kind == "categorical"
    assert matrix.values[0].tolist() == ["High", "Neutral", "Low"]


def test_labels_that_are_not_canonical_numbers_stay_text(write):
    matrix = load(write("m.csv", "r,02,b\nx,1,2\n")).dataset.matrix
    assert matrix.columns == ("02", "b")


@pytest.mark.parametrize("suffix", ["csv", "tsv", "json", "jsonl", "parquet"])
def test_every_format_in_tidy_shape_gives_the_same_matrix(write, tmp_path, suffix):
    frame = pd.DataFrame({"row": ["a", "a", "b", "b"], "column": [1, 2, 1, 2], "value": [0.1, 0.9, 0.4, 0.6]})
    path = tmp_path / "data" / f"t.{suffix}"
    (tmp_path / "data").mkdir(exist_ok=True)
    if suffix == "csv":
        frame.to_csv(path, index=False)
    elif suffix == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif suffix == "json":
        path.write_text(json.dumps(frame.to_dict(orient="records")))
    elif suffix == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)
    matrix = load(path).dataset.matrix
    assert matrix.rows == ("a", "b") and matrix.columns == (1, 2)
    np.testing.assert_allclose(matrix.values, [[0.1, 0.9], [0.4, 0.6]])


def test_a_byte_order_mark_is_accepted(write):
    matrix = load(write("bom.csv", "\ufeff" + WIDE_CSV)).dataset.matrix
    assert matrix.rows == ("MLP", "ATT")


def test_empty_cells_are_missing_not_errors(write):
    matrix = load(write("m.csv", "r,1,2,3\na,0.5,,0.2\n")).dataset.matrix
    assert np.isnan(matrix.values[0, 1]) and matrix.missing.sum() == 1


def test_custom_tidy_column_names_come_from_the_sidecar(write):
    path = write("t.csv", "layer,head,score\n0,0,0.5\n0,1,0.7\n1,0,0.1\n")
    write("t.yml", "table: {row: layer, column: head, value: score}\n")
    matrix = load(path).dataset.matrix
    assert matrix.rows == (0, 1) and matrix.columns == (0, 1)
    assert np.isnan(matrix.values[1, 1])


def test_sidecar_fields_reach_the_metadata_and_settings(write):
    path = write("m.csv", WIDE_CSV)
    write("m.yml", "title: T\naxes: {rows: Component, columns: Position}\nsettings: {analysis: {similar_min: 0.5}}\n")
    loaded = load(path)
    assert loaded.dataset.meta.title == "T" and loaded.dataset.meta.column_axis == "Position"
    assert loaded.settings.analysis.similar_min == 0.5


def test_the_sha256_is_of_the_raw_bytes(write):
    import hashlib

    path = write("m.csv", WIDE_CSV)
    assert load(path).dataset.sha256 == hashlib.sha256(WIDE_CSV.encode()).hexdigest()


def test_mixed_text_in_numbers_is_an_error_naming_the_cell(write):
    with pytest.raises(InputError) as info:
        load(write("m.csv", "r,1,2,3\na,0.5,0.1,0.2\nb,0.3,oops,0.4\n"))
    assert str(info.value).endswith("m.csv: line 3, column '2': text 'oops' in a column of numbers")
