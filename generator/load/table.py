"""Read tables (CSV, TSV, Parquet, JSON, JSON Lines) into a :class:`Matrix`.

Two shapes are accepted. *Tidy*: one row per cell, with the row, column and value
column names from settings (``row``, ``column``, ``value`` by default). *Wide*:
the first column holds the row labels and the header holds the column labels.

Every rejection names the file and the place (line, record, row and column) so
the user can fix it without reading code; nothing here ever returns half a table.
"""

from __future__ import annotations

import dataclasses

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from generator.errors import InputError, characters_only
from generator.load.dataset import Label, Matrix
from generator.load.fast_csv import read_wide
from generator.settings import InputSettings

TABLE_SUFFIXES = {".csv", ".tsv", ".parquet", ".json", ".jsonl", ".ndjson"}
_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_MISSING = object()


@dataclass(frozen=True)
class _Table:
    """Header plus raw cells, each row with the place a user would look for it."""

    header: list[str]  # as the file spells it: a wide table's column labels keep their spaces
    rows: list[list[Any]]
    places: list[str]
    cell_place: str  # how a cell is named: "column" for CSV, "key" for JSON

    @property
    def names(self) -> list[str]:
        """The header as field names (a tidy table's row/column/value), padding dropped."""
        return [str(h).strip() for h in self.header]


#: Bytes per cell a table file may spend before it is refused unread (see input.max_cells):
#: generous for tidy files whose every line repeats both labels.
MAX_BYTES_PER_CELL = 256
MIN_BYTE_LIMIT = 64 * 2**20


def byte_limit(settings: InputSettings) -> int:
    """The largest table file read at all: a bigger one cannot fit ``max_cells`` cells."""
    return max(MIN_BYTE_LIMIT, MAX_BYTES_PER_CELL * settings.max_cells)


def read_matrix(path: Path, settings: InputSettings, *, categorical: bool | None = None,
                categories: tuple[str, ...] = (), raw: bytes | None = None, arrow: bool = True) -> Matrix:
    """Load ``path`` as a matrix; ``categorical`` forces the value kind when a sidecar says so.

    ``raw`` is the file's content when the caller has read it already (the pipeline
    hashes the very bytes parsed here, so a file changed mid-build cannot make
    the recorded SHA-256 disagree with the report). ``arrow=False`` skips the
    pyarrow reader for wide numeric CSV/TSV (the tests compare the two paths).
    """
    src = str(path)
    if raw is None:
        raw = read_input(path, byte_limit(settings))
    suffix = path.suffix.lower()
    if arrow and suffix in (".csv", ".tsv") and not categorical:
        fast = _arrow_wide(raw, _checked_text(raw, src), "\t" if suffix == ".tsv" else ",", settings)
        if fast is not None:
            return fast
    table = _read_table(path, src, settings.max_cells, raw, byte_limit(settings))
    if not table.header:
        raise InputError.at(src, "file", "no header")
    if not table.rows:
        raise InputError.at(src, "file", "no data rows (only a header)")
    names = (settings.row_column, settings.column_column, settings.value_column)
    if all(name in table.names for name in names):
        cells = _tidy_cells(table, names, src)
    else:
        columns = _wide_columns(table, src, settings.max_cells)
        fast = None if categorical else _wide_numeric(table, columns)
        if fast is not None:
            return fast
        cells = _wide_cells(table, columns, src)
    if len(cells) > settings.max_cells:
        raise InputError.at(src, "file", f"{len(cells)} cells exceed the limit of {settings.max_cells} (setting input.max_cells)")
    matrix = _build_matrix(cells, src, categorical, categories)
    if all(name in table.names for name in names) and names[:2] != ("row", "column"):
        matrix = dataclasses.replace(matrix, axis_names=(str(names[0]), str(names[1])))
    return matrix


# --- reading each format into a _Table -------------------------------------------------


def read_input(path: Path, limit: int, setting: str = "input.max_cells", what: str = "a table") -> bytes:
    """A data file's bytes, refused by size before reading when it could not fit the size limit."""
    src = str(path)
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError.at(src, "file", f"is {size:,} bytes, more than the {limit:,} that {setting} "
                                f"allows for {what}; raise {setting} to read it")
        return path.read_bytes()
    except OSError as exc:
        raise InputError.at(src, "file", f"cannot be read: {exc.strerror or exc}") from None


def _read_table(path: Path, src: str, max_cells: int, raw: bytes | None, limit: int) -> _Table:
    suffix = path.suffix.lower()
    if raw is None:
        raw = read_input(path, limit)
    if suffix == ".parquet":
        return _read_parquet(raw, src)
    text = _checked_text(raw, src)
    if suffix in (".csv", ".tsv"):
        return _read_delimited(text, "\t" if suffix == ".tsv" else ",", src, max_cells)
    if suffix == ".json":
        return _read_json(text, src)
    if suffix in (".jsonl", ".ndjson"):
        return _read_json_lines(text, src)
    raise InputError.at(src, "file name", f"unsupported format {suffix!r}; use one of {', '.join(sorted(TABLE_SUFFIXES))}")


def _checked_text(raw: bytes, src: str) -> str:
    """A text file's content, refused (with the line) when empty, UTF-16, not UTF-8 or holding a NUL."""
    if not raw or raw.isspace():  # what `not raw.strip()` says, without copying the file
        raise InputError.at(src, "file", "is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError.at(src, "file", "is UTF-16 text; save the file as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.at(src, f"line {line}", f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise InputError.at(src, f"line {line}", "contains a NUL character; is it a binary file, or UTF-16 "
                            "without a byte-order mark? save the file as UTF-8 text")
    return text


def _read_delimited(text: str, delimiter: str, src: str, max_cells: int) -> _Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] = []
    rows: list[list[Any]] = []
    places: list[str] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if not header:
                header = list(record)  # column labels keep their spaces; field names are compared stripped
                continue
            if len(record) != len(header):
                raise InputError.at(src, f"line {reader.line_num}",
                                    f"{len(record)} fields where the header has {len(header)}")
            rows.append(record)
            places.append(f"line {reader.line_num}")
            if len(rows) * max(1, len(header) - 1) > max_cells:  # stop while reading, not after
                raise InputError.at(src, f"line {reader.line_num}", f"more than {max_cells} cells, the limit "
                                    "(setting input.max_cells)")
    except csv.Error as exc:
        raise InputError.at(src, f"line {reader.line_num}", f"not valid CSV: {exc}") from None
    return _Table(header, rows, places, "column")


def _read_json(text: str, src: str) -> _Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.at(src, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError.at(src, "file", "not valid JSON for a table: nested too deeply") from None
    if not isinstance(data, list):
        raise InputError.at(src, "top level", "expected a list of records (objects)")
    if not data:
        raise InputError.at(src, "top level", "is an empty list; expected records (objects)")
    return _records_table(data, [f"record {i + 1}" for i in range(len(data))], src)


def _read_json_lines(text: str, src: str) -> _Table:
    records, places = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError.at(src, f"line {number}, column {exc.colno}", f"not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise InputError.at(src, f"line {number}", "not valid JSON for a table: nested too deeply") from None
        places.append(f"line {number}")
    return _records_table(records, places, src)


def _records_table(records: list[Any], places: list[str], src: str) -> _Table:
    header: list[str] = []
    for record, place in zip(records, places):
        if not isinstance(record, dict):
            raise InputError.at(src, place, "expected an object of key: value pairs")
        if not header:
            header = list(record)
        elif set(record) != set(header):
            missing = [k for k in header if k not in record]
            extra = [k for k in record if k not in header]
            what = f"missing key '{missing[0]}'" if missing else f"unexpected key '{extra[0]}'" if extra else "keys in another order"
            raise InputError.at(src, place, f"{what} (every record needs the keys of the first)")
    rows = [[_json_cell(record[k], src, place, k) for k in header] for record, place in zip(records, places)]
    return _Table(header, rows, places, "key")


def _json_cell(value: Any, src: str, place: str, key: str) -> Any:
    if isinstance(value, str):
        return characters_only(value, src, f"{place}, key '{key}'")
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise InputError.at(src, f"{place}, key '{key}'", f"expected a number, text or null, got {type(value).__name__}")


def _read_parquet(raw: bytes, src: str) -> _Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not raw:
        raise InputError.at(src, "file", "is empty")
    try:
        table = pq.read_table(pa.BufferReader(raw))
    except Exception as exc:  # pyarrow raises many types for corrupt files
        reason = re.sub(r"^Could not open Parquet input source '[^']*': ", "", str(exc).splitlines()[0])
        raise InputError.at(src, "file", f"not a readable Parquet file: {reason}") from None
    if table.num_rows == 0 and table.num_columns == 0:
        raise InputError.at(src, "file", "is empty")
    header = [str(name) for name in table.column_names]
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    rows = [list(cells) for cells in zip(*columns)]
    for row, n in zip(rows, range(1, len(rows) + 1)):
        for key, value in zip(header, row):
            _json_cell(value, src, f"row {n}", key)
    return _Table(header, rows, [f"row {i + 1}" for i in range(len(rows))], "column")


# --- from a table to cells ----------------------------------------------------------------


@dataclass(frozen=True)
class _Cell:
    row: Label
    column: Label
    value: Any  # float, str or _MISSING
    place: str


def _tidy_cells(table: _Table, names: tuple[str, str, str], src: str) -> list[_Cell]:
    r_i, c_i, v_i = (table.names.index(n) for n in names)
    cells = []
    for row, place in zip(table.rows, table.places):
        label_r, label_c = _label(row[r_i]), _label(row[c_i])
        if label_r == "" or label_c == "":
            which = names[0] if label_r == "" else names[1]
            raise InputError.at(src, f"{place}, {table.cell_place} '{which}'", "empty label")
        cells.append(_Cell(label_r, label_c, _value(row[v_i]), f"{place}, {table.cell_place} '{names[2]}'"))
    return cells


def _separator_hint(header: list, src: str) -> str:
    """A one-column header that holds another separator: say which (Excel writes ';' in many locales)."""
    first = str(header[0]) if header else ""
    if ";" in first:
        return ("; the header holds ';', so the file looks semicolon-separated: save it comma-separated, "
                "or tab-separated as .tsv")
    if "," in first and src.lower().endswith(".tsv"):
        return "; the header holds ',', so the file looks comma-separated: name it .csv"
    if "\t" in first:
        return "; the header holds tabs, so the file looks tab-separated: name it .tsv"
    return ""


def _wide_columns(table: _Table, src: str, max_cells: int) -> list[Label]:
    """The column labels of a wide table, checked: present, non-empty, distinct."""
    header = table.header
    if len(header) < 2:
        raise InputError.at(src, "header", "a wide table needs a label column and at least one value column "
                            "(or a tidy table with columns row, column, value)" + _separator_hint(header, src))
    if len(table.rows) * (len(header) - 1) > max_cells:
        raise InputError.at(src, "file", f"{len(table.rows) * (len(header) - 1)} cells exceed the limit of "
                            f"{max_cells} (setting input.max_cells)")
    columns = [_label(name) for name in header[1:]]
    seen: dict[Label, int] = {}
    for i, label in enumerate(columns):
        if label == "":
            raise InputError.at(src, f"header, field {i + 2}", "empty column label")
        if label in seen:
            raise InputError.at(src, f"header, field {i + 2}", f"duplicate column label {header[i + 1]!r}")
        seen[label] = i
    return columns


class _Slow(Exception):
    """The fast path met something only the cell-by-cell path can judge (and name)."""


def _wide_numeric(table: _Table, columns: list[Label]) -> Matrix | None:
    """A wide table of plain numbers with distinct row labels, straight into an array.

    The common case for big inputs (an attention map of n tokens). Anything else --
    text, a non-finite number, a repeated or empty row label -- returns None and the
    table goes through the cell-by-cell path, which gives the same matrix or the
    error naming the exact place; so this never changes what a file means.
    """
    try:
        values = np.array([[_fast_value(x) for x in row[1:]] for row in table.rows], dtype=float)
    except _Slow:
        return None
    return _numeric_matrix([_label(row[0]) for row in table.rows], columns, values)


def _arrow_wide(raw: bytes, text: str, delimiter: str, settings: InputSettings) -> Matrix | None:
    """:func:`_wide_numeric` for a CSV/TSV read by pyarrow (see :mod:`generator.load.fast_csv`).

    None whenever the plain path might say anything else: a tidy header, a header
    the plain path refuses, too many cells, or whatever the reader itself declines.
    """
    parsed = read_wide(raw, text, delimiter)
    if parsed is None:
        return None
    header, labels, values = parsed
    names = (settings.row_column, settings.column_column, settings.value_column)
    if all(name in [h.strip() for h in header] for name in names) or values.size > settings.max_cells:
        return None
    columns = [_label(name) for name in header[1:]]
    if "" in columns or len(set(columns)) != len(columns):
        return None
    return _numeric_matrix([_label(label) for label in labels], columns, values)


def _numeric_matrix(row_labels: list[Label], columns: list[Label], values: np.ndarray) -> Matrix | None:
    """The matrix of a wide numeric table, or None where only the cell path can judge (and name)."""
    if "" in row_labels:
        return None
    rows = _axis(row_labels, sort=False)
    if len(rows) != len(row_labels):
        return None  # repeated row labels: the cell path merges or refuses them
    if values.size and np.isinf(values).any():
        return None
    axis = _axis(columns, sort=True)
    if axis and isinstance(axis[0], (int, float)):  # numeric labels are sorted; text keeps file order
        position = {label: i for i, label in enumerate(columns)}
        order = [position[c] for c in axis]
        if order != list(range(len(order))):
            values = values[:, order]
    return Matrix(tuple(rows), tuple(axis), values, "numeric")


def _fast_value(raw: Any) -> float:
    if raw is None:
        return math.nan
    if isinstance(raw, bool):
        raise _Slow
    if isinstance(raw, (int, float)):
        if raw != raw or not isinstance(raw, float) and abs(raw) > 2**1000:
            raise _Slow
        return float(raw)
    text = raw.strip()
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise _Slow from None
    if value != value:
        raise _Slow  # a "nan" in the data is an error, which the cell path names
    return value


def _wide_cells(table: _Table, columns: list[Label], src: str) -> list[_Cell]:
    header = table.header
    cells = []
    seen: dict[Label, str] = {}
    for row, place in zip(table.rows, table.places):
        label = _label(row[0])
        if label == "":
            raise InputError.at(src, f"{place}, {table.cell_place} '{header[0]}'", "empty row label")
        if label in seen:  # never merged silently: a wide table's rows are its lines
            raise InputError.at(src, f"{place}, {table.cell_place} '{header[0]}'",
                                f"row label {row[0]!r} repeats {seen[label]}; a wide table needs distinct row labels")
        seen[label] = place
        for name, column, raw in zip(header[1:], columns, row[1:]):
            cells.append(_Cell(label, column, _value(raw), f"{place}, {table.cell_place} '{name}'"))
    return cells


def _label(raw: Any) -> Label:
    """Numbers stay numbers: '16' -> 16, '2.5' -> 2.5, but '02' or 'L0' stay text."""
    if isinstance(raw, bool) or raw is None:
        return "" if raw is None else str(raw)
    if isinstance(raw, float) and not math.isfinite(raw):
        return str(raw)  # a NaN or infinite label (JSON, Parquet) reads as the text a CSV would give
    if isinstance(raw, (int, float)):
        return int(raw) if isinstance(raw, float) and raw.is_integer() else raw
    text = str(raw)  # kept exactly: "the" and "the " are two labels (the page makes the space visible)
    bare = text.strip()  # but space around a number does not make it another number
    if not bare:
        return ""  # nothing but spaces: an empty label, refused as one
    if _INT.fullmatch(bare):
        return int(bare)
    try:
        number = float(bare)
    except ValueError:
        return text
    return number if math.isfinite(number) and repr(number) == bare else text


def _value(raw: Any) -> Any:
    if raw is None:
        return _MISSING
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            return float(raw)
        except OverflowError:  # a JSON integer of hundreds of digits
            return math.inf if raw > 0 else -math.inf
    text = str(raw).strip()
    if text == "":
        return _MISSING
    try:
        return float(text)
    except ValueError:
        return text


def _build_matrix(cells: list[_Cell], src: str, categorical: bool | None, categories: tuple[str, ...]) -> Matrix:
    rows = _axis([c.row for c in cells], sort=False)
    columns = _axis([c.column for c in cells], sort=True)
    row_index = {label: i for i, label in enumerate(rows)}
    col_index = {label: i for i, label in enumerate(columns)}
    present = [c for c in cells if c.value is not _MISSING]
    numeric = [c for c in present if isinstance(c.value, float)]
    text = [c for c in present if isinstance(c.value, str)]
    if categorical is None:
        if text and numeric:
            if len(numeric) >= len(text):
                raise InputError.at(src, text[0].place, f"text {text[0].value!r} in a column of numbers")
            raise InputError.at(src, numeric[0].place, f"number {numeric[0].value:g} among category labels; "
                                "a sidecar with 'values: categories' makes numbers category names")
        categorical = bool(text)
    if categorical:
        kind = "categorical"
        values = np.full((len(rows), len(columns)), None, dtype=object)
    else:
        if text:
            cell = text[0]
            raise InputError.at(src, cell.place, f"text {cell.value!r} in a column of numbers")
        kind = "numeric"
        values = np.full((len(rows), len(columns)), np.nan)
    allowed = set(categories)
    filled: dict[tuple[int, int], _Cell] = {}
    for cell in cells:
        r, c = row_index[_axis_key(cell.row, rows)], col_index[_axis_key(cell.column, columns)]
        value = cell.value
        if value is _MISSING:
            if (r, c) not in filled:
                filled[(r, c)] = cell
            continue
        if kind == "numeric":
            if not math.isfinite(value):
                raise InputError.at(src, cell.place, f"{value} is not a finite number")
        else:
            value = _category(value)
            if allowed and value not in allowed:
                raise InputError.at(src, cell.place, f"unknown level {value!r}; expected one of {', '.join(categories)}")
        if (r, c) in filled and filled[(r, c)].value is not _MISSING:
            earlier = filled[(r, c)]
            if _category(earlier.value) != value and earlier.value != value:
                raise InputError.at(src, cell.place, f"duplicate cell ({cell.row}, {cell.column}) with a different "
                                    f"value than {earlier.place}")
        filled[(r, c)] = cell
        values[r, c] = value
    return Matrix(tuple(rows), tuple(columns), values, kind)


def _category(value: Any) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _axis(labels: list[Label], *, sort: bool) -> list[Label]:
    """Distinct labels in file order; all-numeric axes are numbers (sorted for columns)."""
    distinct = list(dict.fromkeys(labels))
    if all(isinstance(x, (int, float)) for x in distinct):
        return sorted(distinct) if sort else distinct
    return list(dict.fromkeys(str(x) for x in distinct))


def _axis_key(label: Label, axis: list[Label]) -> Label:
    return label if axis and isinstance(axis[0], (int, float)) else str(label)
