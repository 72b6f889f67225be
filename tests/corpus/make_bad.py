"""Write the bad-input corpus, tests/corpus/bad/: one small file per way input goes wrong.

Run ``python tests/corpus/make_bad.py`` to (re)write it. The files are committed so
anyone can open them; ``tests/test_corpus.py`` checks the committed bytes are what
this script writes, and runs each through ``attention-report build`` expecting the
line in ``tests/corpus/expected.tsv``.

Every byte is deterministic: zip members get a fixed timestamp, safetensors files
are written by hand, and Parquet files record only the pyarrow version (which is
why the check compares Parquet files by content when that version differs).
Larger or environment-dependent cases (100,000 columns, a symbolic link, a file
vanishing mid-build) are made by the tests themselves, not stored here.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
GOOD_CSV = "component,1,2,3\nMLP,High,Low,High\nATT,High,Low,High\n"
NUMBERS_CSV = "row,1,2,3\na,0.1,0.2,0.7\nb,0.3,0.3,0.4\n"


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array(out, array, allow_pickle=True)
    return out.getvalue()


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, _npy(array))
    return out.getvalue()


def _safetensors(tensors: dict[str, tuple[str, np.ndarray]], metadata: dict | None = None,
                 header_extra: bytes = b"") -> bytes:
    header: dict = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    data, offset = b"", 0
    for name, (dtype, array) in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode() + header_extra
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def _parquet(columns: dict) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.table(columns), out, compression="none", store_schema=False)
    return out.getvalue()


def _attention(layers: int = 1, heads: int = 2, n: int = 4) -> np.ndarray:
    """Rows summing to 1: a causal pattern, deterministic."""
    a = np.tril(np.ones((n, n), dtype=np.float32))
    a /= a.sum(axis=1, keepdims=True)
    return np.broadcast_to(a, (layers, heads, n, n)).copy()


def files() -> dict[str, bytes]:
    """Every corpus file: name -> bytes."""
    f: dict[str, bytes] = {}
    att = _attention()

    # --- CSV -------------------------------------------------------------------------
    f["empty.csv"] = b""
    f["blank-lines.csv"] = b"\n \n\t\n"
    f["header-only.csv"] = b"row,column,value\n"
    f["truncated-quote.csv"] = b'row,1,2\na,0.5,0.5\n"b,0.2'
    f["ragged.csv"] = b"r,1,2\na,High,Low\nb,High\n"
    f["mixed-types.csv"] = b"r,1,2,3\na,0.1,0.2,0.3\nb,0.4,x,0.6\n"
    f["nan.csv"] = b"r,1,2\na,0.1,NaN\n"
    f["infinity.csv"] = b"r,1,2\na,0.1,inf\n"
    f["overflow.csv"] = b"r,1,2\na,0.1,1e999\n"
    f["duplicate-cell.csv"] = b"row,column,value\na,1,0.5\na,1,0.7\n"
    f["duplicate-column.csv"] = b"r,1,1\na,0.1,0.2\n"
    f["duplicate-row.csv"] = b"r,1,2\na,0.1,0.2\na,0.3,0.4\n"
    f["empty-label.csv"] = b"r,1,2\n ,0.1,0.2\n"
    f["empty-column-label.csv"] = b"r,1,,3\na,0.1,0.2,0.3\n"
    f["one-column.csv"] = b"label\na\nb\n"
    f["all-missing.csv"] = b"r,1,2\na,,\nb,,\n"
    f["latin1.csv"] = "r,1\ncaf\u00e9,0.5\n".encode("latin-1")
    f["utf16.csv"] = NUMBERS_CSV.encode("utf-16")
    f["nul-byte.csv"] = b"r,1,2\na\x00b,0.1,0.2\n"
    f["bom.csv"] = b"\xef\xbb\xbf" + NUMBERS_CSV.encode()  # valid: must load
    f["enormous-label.csv"] = ("r,1,2\n" + "L" * 5000 + ",0.1,0.9\nshort,0.5,0.5\n").encode()  # valid
    f["control-label.csv"] = b"r,1,2\na\x01b,0.1,0.9\nc\x1bd,0.5,0.5\n"  # valid: shown as U+0001
    f["rows-not-summing.csv"] = b"r,1,2,3\na,0.9,0.9,0.9\nb,0.1,0.0,0.2\n"  # valid for a table (see expected.tsv)
    # --- TSV -------------------------------------------------------------------------
    f["empty.tsv"] = b"\n\n"
    f["ragged.tsv"] = b"r\t1\t2\na\t0.1\n"
    f["commas.tsv"] = NUMBERS_CSV.encode()  # a CSV saved as .tsv: one column
    f["stray-quote.tsv"] = b'r\t1\n"a\t0.5\n'
    # --- JSON ------------------------------------------------------------------------
    f["truncated.json"] = b'[{"row": "a", "column": 1, "value": 0.5}, {"row":'
    f["object.json"] = b'{"row": "a", "column": 1, "value": 0.5}'
    f["empty-list.json"] = b"[]"
    f["nested-value.json"] = b'[{"row": "a", "column": 1, "value": [0.5]}]'
    f["deep.json"] = b"[" * 100_000 + b"]" * 100_000
    f["lone-surrogate.json"] = b'[{"row": "\\ud800", "column": 1, "value": 0.5}]'
    f["bool-value.json"] = b'[{"row": "a", "column": 1, "value": true}]'
    f["missing-key.json"] = b'[{"row": "a", "column": 1, "value": 0.5}, {"row": "b", "column": 1}]'
    f["nan-literal.json"] = b'[{"row": "a", "column": 1, "value": NaN}]'
    f["huge-integer.json"] = b'[{"row": "a", "column": 1, "value": 1' + b"0" * 400 + b"}]"
    # --- JSON Lines ------------------------------------------------------------------
    f["truncated.jsonl"] = b'{"row": "a", "column": 1, "value": 0.5}\n{"row": "b", "col'
    f["list-line.jsonl"] = b'{"row": "a", "column": 1, "value": 0.5}\n[1, 2, 3]\n'
    f["bool.jsonl"] = b'{"row": "a", "column": 1, "value": false}\n'
    f["whitespace.jsonl"] = b"\n   \n"
    # --- Parquet ---------------------------------------------------------------------
    good = _parquet({"row": ["a", "a", "b"], "column": [1, 2, 1], "value": [0.25, 0.75, 1.0]})
    f["empty.parquet"] = b""
    f["truncated.parquet"] = good[: len(good) // 2]
    f["not-parquet.parquet"] = NUMBERS_CSV.encode()
    f["list-value.parquet"] = _parquet({"row": ["a"], "column": [1], "value": [[1.0]]})
    f["no-rows.parquet"] = _parquet({"row": np.array([], dtype=str), "column": np.array([], dtype=np.int64),
                                     "value": np.array([], dtype=np.float64)})
    f["nan-value.parquet"] = _parquet({"row": ["a", "b"], "column": [1, 1], "value": [float("nan"), 0.5]})
    f["bytes-value.parquet"] = _parquet({"row": ["a"], "column": [1], "value": [b"\x00\x01"]})
    # --- .npy ------------------------------------------------------------------------
    npy = _npy(att[0, 0])
    f["empty.npy"] = b""
    f["truncated.npy"] = npy[: len(npy) - 20]
    f["not-numpy.npy"] = NUMBERS_CSV.encode()
    f["object.npy"] = _npy(np.array([[1, 2], [3, 4]], dtype=object))
    f["one-dimension.npy"] = _npy(np.ones(4, dtype=np.float32) / 4)
    f["five-dimensions.npy"] = _npy(np.ones((1, 1, 1, 2, 2), dtype=np.float32) / 2)
    f["empty-shape.npy"] = _npy(np.zeros((0, 4), dtype=np.float32))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (100_000, 100_000)})
    f["huge-shape.npy"] = header.getvalue() + b"\0" * 64  # claims 40 GB: refused from the header alone
    f["strings.npy"] = _npy(np.array([["a", "b"], ["c", "d"]]))
    nan = att[0, 0].copy()
    nan[2, 1] = np.nan
    f["nan.npy"] = _npy(nan)
    inf = att[0, 0].copy()
    inf[3, 0] = np.inf
    f["infinity.npy"] = _npy(inf)
    f["rows-not-summing.npy"] = _npy(att[0, 0] * 1.5)
    negative = att[0, 0].copy()
    negative[1, 0], negative[1, 1] = -0.5, 1.5
    f["negative.npy"] = _npy(negative)
    # --- .npz ------------------------------------------------------------------------
    npz = _npz({"attention": att})
    f["empty.npz"] = b""
    f["truncated.npz"] = npz[: len(npz) // 2]
    f["not-zip.npz"] = NUMBERS_CSV.encode()
    f["object.npz"] = _npz({"attention": np.array([[0.5, 0.5], [1.0, 0.0]], dtype=object)})
    f["object-tokens.npz"] = _npz({"attention": att, "tokens": np.array(["a", "b", "c", "d"], dtype=object)})
    f["no-attention.npz"] = _npz({"weights": att})
    f["token-count.npz"] = _npz({"attention": att, "tokens": np.array(["a", "b", "c"])})
    f["not-square-tokens.npz"] = _npz({"attention": np.full((1, 1, 2, 4), 0.25, dtype=np.float32),
                                       "tokens": np.array(["a", "b", "c", "d"])})
    nan = att.copy()
    nan[0, 1, 3, 2] = np.nan
    f["nan.npz"] = _npz({"attention": nan})
    # --- .safetensors ----------------------------------------------------------------
    st = _safetensors({"attention": ("F32", att)}, {"tokens": json.dumps(["a", "b", "c", "d"])})
    f["empty.safetensors"] = b""
    f["truncated.safetensors"] = st[: len(st) - 16]
    f["header-overflow.safetensors"] = struct.pack("<Q", 2**40) + b"{}"
    f["bad-header.safetensors"] = struct.pack("<Q", 8) + b"{not js}"
    f["bf16.safetensors"] = _safetensors({"attention": ("BF16", np.zeros((4, 4), dtype=np.uint16))})
    f["no-attention.safetensors"] = _safetensors({"weights": ("F32", att)})
    huge = {"attention": {"dtype": "F32", "shape": [64, 64, 4096, 4096], "data_offsets": [0, 16]}}
    text = json.dumps(huge, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    f["huge-shape.safetensors"] = struct.pack("<Q", len(text)) + text + b"\0" * 16
    f["bad-tokens.safetensors"] = _safetensors({"attention": ("F32", att)}, {"tokens": "[not json"})
    f["rows-not-summing.safetensors"] = _safetensors({"attention": ("F32", att * 0.5)})
    # --- sidecars: a good table beside a bad .yml ------------------------------------
    sidecars = {
        "yaml-exec-tag": "title: !!python/object/apply:os.system ['echo pwned']\n",
        "yaml-unknown-key": "title: T\ncolour: red\n",
        "yaml-not-mapping": "- title\n- T\n",
        "yaml-syntax": "title: [unclosed\n",
        "yaml-latin1": "title: caf\u00e9\n".encode("latin-1"),
        "yaml-duplicate-key": "title: one\ntitle: two\n",
        "yaml-bad-colour": "colours: {High: 'url(javascript:alert(1))'}\n",
        "yaml-zero-setting": "settings: {chart: {max_chart_cells: 0}}\n",
        "yaml-title-list": "title: [a, b]\n",
        "yaml-level-text": "levels: {rule: thresholds, high: x, low: 0}\n",
        "yaml-surrogate": 'title: "caf\\ud800"\n',
        "yaml-unknown-level": "categories: [High]\n",
    }
    for stem, text in sidecars.items():
        f[f"{stem}.csv"] = GOOD_CSV.encode()
        f[f"{stem}.yml"] = text if isinstance(text, bytes) else text.encode()
    return f


def write(folder: Path = BAD) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in sorted(files().items()):
        path = folder / name
        path.write_bytes(content)
        written.append(path)
    return written


if __name__ == "__main__":
    paths = write(Path(sys.argv[1]) if len(sys.argv) > 1 else BAD)
    print(f"wrote {len(paths)} files")
