"""The table again, from the exact bytes that were hashed, read by pyarrow alone.

Nothing here comes from the load or analysis stages: the verify stage must not share
their view of the data, or it would agree with their mistakes. Labels keep their raw
text (``1.0`` stays ``1.0``, a trailing space stays), so two labels that differ in
the file stay two labels here; every cell keeps its own digits, so level rules can be
applied in exact decimal arithmetic (see :mod:`generator.verify.levels`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .reading import Axis, Untrue, number


@dataclass
class RawTable:
    """The file's cells by (row, column): presence, the float each denotes, and its own digits."""

    rows: Axis
    columns: Axis
    present: np.ndarray  # bool [rows, columns]
    values: np.ndarray | None  # float64, NaN where missing; None for categorical data
    categories: np.ndarray | None  # object [rows, columns] of text ('' missing) for categorical data
    digits: "_Digits"
    sha256: str

    def decimal(self, r: int, c: int) -> Decimal:
        """A numeric cell's exact value, from the digits the file wrote."""
        return Decimal(self.digits(r, c))

    def exact(self, r: int, c: int) -> Fraction:
        return Fraction(self.decimal(r, c))


class _Digits:
    """A cell's characters on demand: the digits of the few cells that exact comparisons need.

    ``columns`` makes the string columns (one per data column, or the tidy value
    column) when first needed: a big table of numbers is read as floats, and only
    re-read as text if some cell lies close enough to a cut point to need its digits.
    """

    def __init__(self, columns, where: np.ndarray | None = None):
        self._make = columns
        self._columns: list[pa.Array] | None = None
        self._where = where  # tidy tables: (row, column) -> file line, else None

    def __call__(self, r: int, c: int) -> str:
        if self._columns is None:
            self._columns = self._make()
        if self._where is None:
            return str(self._columns[c][r].as_py()).strip()
        return str(self._columns[0][int(self._where[r, c])].as_py()).strip()


def read_raw(raw: bytes, suffix: str, names: tuple[str, str, str]) -> RawTable:
    """Re-read a table file's bytes; ``names`` are the tidy row, column and value column names."""
    sha = hashlib.sha256(raw).hexdigest()
    suffix = suffix.lower()
    fast = _wide_numbers(raw, suffix, names) if suffix in (".csv", ".tsv") else None
    if fast is not None:
        header, labels, values = fast
        present = ~np.isnan(values)
        return RawTable(Axis(labels), Axis(header[1:]), present, values, None,
                        _Digits(lambda: _wide_texts(raw, suffix, len(header))), sha)
    header, columns = _strings(raw, suffix)
    if all(n in _names(header) for n in names):
        return _tidy(header, columns, names, sha)
    rows = Axis(columns[0].to_pylist())
    data = [pc.utf8_trim_whitespace(c) for c in columns[1:]]
    present = np.column_stack([pc.not_equal(c, "").to_numpy(zero_copy_only=False) for c in data]) \
        if data else np.zeros((len(rows), 0), bool)
    values = _floats(data)
    categories = None
    if values is None:
        categories = np.column_stack([np.asarray(c.to_pylist(), dtype=object) for c in data])
    return RawTable(rows, Axis(header[1:]), present, values, categories, _Digits(lambda: data), sha)


def _csv(suffix: str):
    import pyarrow.csv as pcsv

    return pcsv, pcsv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",", newlines_in_values=True)


def _header(raw: bytes, suffix: str) -> list[str] | None:
    """The first non-blank record, read by the csv module (quoted fields may hold commas or newlines).

    Decoded as the reader goes, so only the first records are: decoding the whole file into a
    ``StringIO`` made about 120 MB of text for a 24 MB table. Bytes that are not UTF-8 further on
    are refused by the readers that read them (Arrow checks every text column).
    """
    import csv
    import io

    text = io.TextIOWrapper(io.BytesIO(raw.removeprefix(b"\xef\xbb\xbf")), encoding="utf-8", newline="")
    reader = csv.reader(text, delimiter="\t" if suffix == ".tsv" else ",")
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                return list(record)  # as spelt: "the " and "the" are two column labels
    except (csv.Error, UnicodeDecodeError):
        return None
    return None


def _wide_numbers(raw: bytes, suffix: str, names) -> tuple[list[str], list[str], np.ndarray] | None:
    """A wide table of numbers read straight as floats (labels as text), or None for the general path."""
    header = _header(raw, suffix)
    if header is None or len(header) < 2 or all(n in _names(header) for n in names):
        return None
    body = raw.removeprefix(b"\xef\xbb\xbf")
    end = body.find(b"\n")
    first = body if end < 0 else body[:end]  # not split(): that copies the rest of the file
    if b'"' in first or not first.strip():
        return None  # the header is not simply the first line: the general path reads it
    try:  # numbers stated, not inferred: twice as fast, and a column that is not all numbers fails either way
        table = _read_wide(raw, suffix, len(header),
                           {"f0": pa.string(), **{f"f{i}": pa.float64() for i in range(1, len(header))}})
    except pa.ArrowInvalid:
        return None
    numeric = all(pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_null(t)
                  for t in table.schema.types[1:])
    if not numeric or table.num_rows == 0:
        return None
    values = np.column_stack([_float_column(table.column(i)) for i in range(1, table.num_columns)])
    if int(np.isnan(values).sum()) != sum(table.column(i).null_count for i in range(1, table.num_columns)):
        return None  # a NaN written in a cell: present, unlike an empty one; the general path keeps it so
    return header, table.column(0).to_pylist(), values


def _read_wide(raw: bytes, suffix: str, width: int, column_types: dict):
    """The wide table's records after its header line, as :func:`_wide_numbers` and :func:`_wide_texts`
    both read them (the same parse, so row ``r`` of one is row ``r`` of the other)."""
    pcsv, parse = _csv(suffix)
    return pcsv.read_csv(
        pa.BufferReader(raw.removeprefix(b"\xef\xbb\xbf")),
        read_options=pcsv.ReadOptions(column_names=[f"f{i}" for i in range(width)], skip_rows=1,
                                      block_size=1 << 26),
        parse_options=parse,
        # only an empty cell is missing, as in the general reader (Arrow's default would also take "NA", "null"…)
        convert_options=pcsv.ConvertOptions(column_types=column_types, null_values=[""], strings_can_be_null=False))


def _wide_texts(raw: bytes, suffix: str, width: int) -> list[pa.Array]:
    """Each data column of a wide table of numbers as the text the file wrote: the digits that exact
    comparisons need, read only when some cell ties a cut or an extreme."""
    table = _read_wide(raw, suffix, width, {f"f{i}": pa.string() for i in range(width)})
    return [table.column(i) for i in range(1, width)]  # indexed as they are: combining copies every column


def _float_column(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric (or all-null) column as float64, nulls as NaN, read from its buffers: ``to_numpy``
    (and ``fill_null`` with a float) would import pandas to do this, a fifth of a second of a build."""
    array = column.cast(pa.float64(), safe=False).combine_chunks()
    validity, data = array.buffers()
    start, length = array.offset, len(array)
    if data is None:
        return np.full(length, np.nan)
    values = np.frombuffer(data, dtype=np.float64, count=start + length)[start:]
    if array.null_count:
        valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[start:start + length]
        values = np.where(valid.astype(bool), values, np.nan)
    return values


def _strings(raw: bytes, suffix: str) -> tuple[list[str], list[pa.Array]]:
    """The header and every column as strings (JSON numbers keep the digits the file wrote)."""
    if suffix in (".csv", ".tsv"):
        pcsv, parse = _csv(suffix)
        header = _header(raw, suffix)
        width = len(header) if header else None
        table = pcsv.read_csv(
            pa.BufferReader(raw.removeprefix(b"\xef\xbb\xbf")),
            read_options=pcsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 26),
            parse_options=parse,
            convert_options=pcsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)} if width else {},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
        if not width:
            table = table.cast(pa.schema([(n, pa.string()) for n in table.column_names]))
        table = pa.table({n: _filled(table.column(n)) for n in table.column_names})
        table = _without_blank_rows(table)
        header = [str(table.column(i)[0].as_py()) for i in range(table.num_columns)]
        return header, [table.column(i).combine_chunks()[1:] for i in range(table.num_columns)]
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(pa.BufferReader(raw))
        header = [str(n) for n in table.column_names]
        return header, [pa.array([_text(v) for v in table.column(i).to_pylist()], pa.string())
                        for i in range(table.num_columns)]
    text = raw.decode("utf-8-sig")
    if suffix == ".json":
        records = json.loads(text, parse_float=str, parse_int=str)
    else:
        records = [json.loads(line, parse_float=str, parse_int=str) for line in text.splitlines() if line.strip()]
    header = [str(k) for k in records[0]]
    return header, [pa.array([_text(rec[k]) for rec in records], pa.string()) for k in records[0]]


def _filled(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Missing cells as empty text (only a header-less file, whose columns were cast, has any)."""
    return pc.fill_null(column, "") if column.null_count else column


def _without_blank_rows(table: pa.Table) -> pa.Table:
    """The rows with some non-blank cell, found in Arrow alone: comparing with a Python ``""`` or
    moving a mask through numpy would import pandas, a fifth of a second of a build."""
    if table.num_columns == 0:
        return table
    kept = None
    for column in table.columns:  # until every row has a filled cell: usually the first column, the labels
        filled = pc.cast(pc.utf8_length(pc.utf8_trim_whitespace(column)), pa.bool_())
        kept = filled if kept is None else pc.or_(kept, filled)
        if pc.all(kept).as_py() is not False:
            return table
    return table.filter(kept)


def _names(header: list[str]) -> list[str]:
    """Header cells as field names: a tidy table's 'row', 'column', 'value' match with their padding dropped."""
    return [h.strip() for h in header]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _floats(columns: list[pa.Array]) -> np.ndarray | None:
    """Every cell's float (NaN where missing), or None if a present cell is not a number."""
    out = []
    for col in columns:
        nulled = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        try:
            out.append(pc.cast(nulled, pa.float64()).to_numpy(zero_copy_only=False))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    return np.column_stack(out) if out else None


def _tidy(header: list[str], columns: list[pa.Array], names, sha: str) -> RawTable:
    r_i, c_i, v_i = (_names(header).index(n) for n in names)
    row_labels, row_of = _distinct(columns[r_i].to_pylist())
    col_labels, col_of = _distinct(columns[c_i].to_pylist())
    cell = pc.utf8_trim_whitespace(columns[v_i])
    filled = pc.not_equal(cell, "").to_numpy(zero_copy_only=False)
    shape = (len(row_labels), len(col_labels))
    where = np.full(shape, -1, dtype=np.int64)
    lines = np.flatnonzero(filled)
    flat = row_of[lines] * shape[1] + col_of[lines]
    order = np.argsort(flat, kind="stable")
    repeated = flat[order][1:] == flat[order][:-1]
    if repeated.any():
        texts = cell.to_pylist()
        for k in np.flatnonzero(repeated):
            a, b = texts[lines[order[k]]], texts[lines[order[k + 1]]]
            if a != b and (number(a) is None or number(a) != number(b)):
                r, c = divmod(int(flat[order[k]]), shape[1])
                raise Untrue(f"the file gives two values for one cell ({row_labels[r]!r}, {col_labels[c]!r})")
    where.ravel()[flat] = lines
    present = where >= 0
    values = _floats([cell])
    categories = None
    if values is not None:
        grid = np.full(shape, np.nan)
        grid[present] = values[:, 0][where[present]]
        values = grid
    else:
        texts = np.asarray(cell.to_pylist(), dtype=object)
        categories = np.full(shape, "", dtype=object)
        categories[present] = texts[where[present]]
    return RawTable(Axis(row_labels), Axis(col_labels), present, values, categories, _Digits(lambda: [cell], where), sha)


def _distinct(labels: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct labels in file order; numeric labels are one label per value (``1`` and ``1.0`` alike)."""
    first: dict[object, int] = {}
    out: list[str] = []
    index = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels):
        n = number(label)
        key = ("n", n.normalize()) if n is not None else ("t", label)
        if key not in first:
            first[key] = len(out)
            out.append(label)
        index[i] = first[key]
    return out, index
