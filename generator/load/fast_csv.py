"""pyarrow's CSV reader for the common big input: a wide table of plain numbers.

Parsing a 2,000 × 2,000 CSV value by value in Python takes seconds; Arrow's
reader takes a fraction of one. It is only used where it gives exactly what the
plain reader (:func:`generator.load.table._read_delimited` and the cell path)
gives: :func:`read_wide` returns ``None`` at the first sign of anything else —
a header that is not the first line, a parse or conversion error, a NaN or an
infinity written in the data, a field the ``csv`` module would refuse as too long,
a quote the strict ``csv`` dialect would refuse — and the caller then runs the
plain path, which produces the same matrix or the one-line error naming the
place. So error messages never come from Arrow, and ``tests/test_fast_paths.py``
checks the two paths agree on generated files, quotes and odd numbers included.
"""

from __future__ import annotations

import csv
import io

import numpy as np

_BOM = b"\xef\xbb\xbf"


def read_wide(raw: bytes, text: str, delimiter: str) -> tuple[list[str], list[str], np.ndarray] | None:
    """(header cells as spelt, row label cells, float values with NaN for empty cells), or None.

    ``raw`` is the file's bytes and ``text`` the same decoded (already checked to be
    UTF-8 without NUL characters). Values are in file column order.
    """
    end = text.find("\n")  # not partition(): that copies the rest of the file
    first = text[:end].removesuffix("\r")
    if end < 0 or "\r" in first:
        return None
    try:
        [record] = list(csv.reader([first], delimiter=delimiter, strict=True))
    except (csv.Error, ValueError):
        return None
    header = list(record)  # as spelt: column labels keep their spaces
    if len(header) < 2 or not any(h.strip() for h in header):
        return None  # the plain path skips blank lines or refuses the header, and names why
    if not _fields_fit(raw, delimiter):
        return None
    if '"' in text and not _strict_csv(text, delimiter):
        return None  # Arrow accepts text after a closing quote; the strict csv dialect does not
    table = _arrow_table(raw, len(header), delimiter)
    if table is None or table.num_rows == 0:
        return None
    labels = table.column(0).to_pylist()
    if any(len(label) > csv.field_size_limit() for label in labels):
        return None
    values = np.empty((table.num_rows, len(header) - 1))
    nulls = 0
    for j in range(1, len(header)):
        column = table.column(j).combine_chunks()
        values[:, j - 1] = _floats(column)
        nulls += column.null_count
    if int(np.isnan(values).sum()) != nulls or np.isinf(values).any():
        return None  # a NaN or infinity written in the data: an error the plain path names
    return header, labels, values


def _arrow_table(raw: bytes, width: int, delimiter: str):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    body = memoryview(raw)[len(_BOM):] if raw.startswith(_BOM) else memoryview(raw)
    names = [f"f{i}" for i in range(width)]
    try:
        return pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names,
                                           block_size=max(1 << 20, len(body) + 1)),  # one chunk
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={names[0]: pa.string(), **{name: pa.float64() for name in names[1:]}},
                null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowException, ValueError):
        return None


def _floats(column) -> np.ndarray:
    """A float64 Arrow array as numpy, nulls as NaN, read from its buffers
    (``to_numpy`` would import pandas for this, a third of a second)."""
    validity, data = column.buffers()
    start, length = column.offset, len(column)
    values = np.frombuffer(data, dtype=np.float64, count=start + length)[start:]
    if column.null_count:
        valid = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[start:start + length]
        values = np.where(valid.astype(bool), values, np.nan)
    return values


def _fields_fit(raw: bytes, delimiter: str) -> bool:
    """No unquoted field longer than the ``csv`` module's limit (it refuses those; Arrow does not).

    A field longer than the limit covers at least one whole window of half the
    limit, so only windows without a delimiter or line break need the exact count.
    Each window is searched by ``bytes.find``, which stops at the first delimiter
    (a few bytes in, in a table): a few hundred searches instead of masks over every byte.
    """
    limit = csv.field_size_limit()
    if len(raw) <= limit:
        return True
    window = limit // 2
    cuts = (delimiter.encode(), b"\n", b"\r")
    if all(any(raw.find(cut, start, start + window) >= 0 for cut in cuts)
           for start in range(0, len(raw) - window + 1, window)):
        return True  # the last, partial window ends at the end of the data, which ends a field
    data = np.frombuffer(raw, dtype=np.uint8)
    cut = data == ord(delimiter)
    cut |= data == 10
    cut |= data == 13
    edges = np.concatenate(([-1], np.flatnonzero(cut), [len(data)]))
    return bool(np.diff(edges).max() <= limit)


def _strict_csv(text: str, delimiter: str) -> bool:
    """Whether the strict ``csv`` dialect reads the whole text without an error."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return False
    return True
