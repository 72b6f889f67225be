"""Read attention tensors from .npz, .npy and .safetensors files, safely.

A tensor file is untrusted input: it may be a pickle in disguise, a zip bomb, a
truncated download or simply not attention. Everything here is arranged so that
each of those ends in one :class:`~generator.errors.InputError` line that names the
file and the place to look ("layer 2 head 5 query 17"), never a traceback and
never an exhausted machine:

* shapes and dtypes are read from the file header *before* any data is loaded,
  so an oversized array is refused without allocating it;
* pickles are never loaded (``allow_pickle=False``; object arrays are refused
  from their header);
* library exceptions from damaged files are caught and flattened to one line.

The result is a :class:`TensorData`: a float32 ``[layers, heads, query, key]``
array plus optional token labels, which is what :mod:`generator.analyse.heads` analyses.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Sequence

import numpy as np
from safetensors import SafetensorError

from generator.errors import InputError
from generator.load.npz_stored import stored_array

DEFAULT_TOLERANCE = 1e-3
"""How far a row may sum from 1; float32 softmax is good to ~1e-6, fp16 exports to ~1e-3."""

DEFAULT_MAX_ELEMENTS = 200_000_000
"""800 MB of float32: a 32-layer × 32-head model at 430 tokens. Larger needs an explicit opt-in."""

ATTENTION = "attention"
TOKENS = "tokens"
SUFFIXES = (".npz", ".npy", ".safetensors")

# What numpy, zipfile, zlib, json, struct and safetensors raise on a truncated or damaged file.
_DAMAGED_FILE_ERRORS = (
    OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, struct.error, SafetensorError,
)

# safetensors dtype names numpy can hold without loss of meaning.
_SAFETENSORS_DTYPES = {
    "F16", "F32", "F64", "I8", "I16", "I32", "I64", "U8", "U16", "U32", "U64",
}


@dataclass(frozen=True)
class TensorData:
    """One attention dataset, already validated.

    ``attention`` is float32 ``[layers, heads, query, key]`` and read-only, so the
    object can be shared between stages without anyone mutating the numbers the
    report's checks recompute from. ``tokens``, when present, label both the query
    and the key axis (so query and key lengths are equal).
    """

    attention: np.ndarray
    tokens: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.attention.ndim != 4:
            raise ValueError(f"TensorData needs a 4-D array, got shape {self.attention.shape}")
        if self.tokens is not None and len(self.tokens) != self.attention.shape[-1]:
            raise ValueError("tokens must label the key axis")

    @property
    def layers(self) -> int:
        return self.attention.shape[0]

    @property
    def heads(self) -> int:
        return self.attention.shape[1]

    @property
    def length(self) -> int:
        return self.attention.shape[-1]


def load_tensor(
    path: str | Path,
    *,
    tokens: Sequence[str] | None = None,
    probabilities: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    square: bool = False,
    name: str = ATTENTION,
    raw: bytes | None = None,
) -> TensorData:
    """Load and validate one tensor file (from ``raw`` when the caller already read its bytes,
    so the hash it records is of exactly the bytes parsed).

    Args:
        path: a ``.npz``, ``.npy`` or ``.safetensors`` file.
        tokens: labels from the caller (e.g. a sidecar); they replace any tokens
            stored in the file, because a sidecar is the user's explicit word.
        probabilities: the values are attention probabilities, so they must be
            non-negative and every row must sum to 1. Pass ``False`` for signed
            effects (activation patching) or other scores.
        tolerance: allowed distance of a row sum from 1.
        max_elements: refuse larger arrays before loading them.
        square: require as many queries as keys (self-attention). Always
            required when tokens are known, since they label both axes.
        name: the array (or safetensors tensor) that holds the attention.

    Raises:
        InputError: one line naming the file and the place that is wrong.
    """
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError.at(
            file, "", f"unsupported file type {suffix or '(none)'!r}; expected one of {', '.join(SUFFIXES)}"
        )
    if raw is None:
        if not path.is_file():
            raise InputError.at(file, "", "file not found")
        raw = path.read_bytes()
    readers = {".npz": _read_npz, ".npy": _read_npy, ".safetensors": _read_safetensors}
    try:
        array, stored_tokens = readers[suffix](file, raw, name, max_elements)
    except InputError:
        raise
    except _DAMAGED_FILE_ERRORS as exc:
        raise InputError.at(file, "", f"cannot read {suffix} file (truncated or corrupt?): {_reason(exc)}") from None
    return tensor_from_array(
        array,
        file=file,
        tokens=tokens if tokens is not None else stored_tokens,
        probabilities=probabilities,
        tolerance=tolerance,
        max_elements=max_elements,
        square=square,
        name=name,
        copy=False,  # the readers' arrays are fresh from the bytes: nobody else holds them
    )


def tensor_from_array(
    array: np.ndarray,
    *,
    file: str = "<array>",
    tokens: Sequence[str] | None = None,
    probabilities: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    square: bool = False,
    name: str = ATTENTION,
    copy: bool = True,
) -> TensorData:
    """Validate an in-memory array exactly as :func:`load_tensor` validates a file.

    The dataset's array is made read-only, so by default it is a copy and the caller's array is left
    alone; ``copy=False`` hands over an array nobody else holds (one just parsed from a file's bytes),
    which a float32 array then becomes without a second megabyte-per-megabyte copy."""
    where = f"array {name!r}"
    array = np.asarray(array)
    _check_header(file, where, array.shape, array.dtype, max_elements)
    original_ndim = array.ndim
    attention = array.reshape((1,) * (4 - array.ndim) + array.shape).astype(np.float32, copy=copy)
    queries, keys = attention.shape[-2:]
    if tokens is not None:
        tokens = _check_tokens(file, tokens, keys)
    if (square or tokens is not None) and queries != keys:
        why = "tokens label both axes" if tokens is not None else "self-attention is square"
        raise InputError.at(file, where, f"has {queries} queries but {keys} keys; {why}, so they must be equal")
    _check_values(file, attention, original_ndim, probabilities, tolerance)
    attention.setflags(write=False)
    return TensorData(attention=attention, tokens=tokens)


# --- readers: each returns (array, tokens or None) after checking headers ---


def _read_npy(file: str, raw: bytes, name: str, max_elements: int) -> tuple[np.ndarray, None]:
    shape, dtype = _npy_header(io.BytesIO(raw))
    _check_header(file, f"array {name!r}", shape, dtype, max_elements)
    return np.load(io.BytesIO(raw), allow_pickle=False), None


def _read_npz(file: str, raw: bytes, name: str, max_elements: int) -> tuple[np.ndarray, tuple[str, ...] | None]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        members = {m[:-4]: m for m in archive.namelist() if m.endswith(".npy")}
        if name not in members:
            found = ", ".join(sorted(members)) or "nothing"
            raise InputError.at(file, f"array {name!r}", f"not found in the archive (found: {found})")
        with archive.open(members[name]) as fp:
            shape, dtype = _npy_header(fp)
        _check_header(file, f"array {name!r}", shape, dtype, max_elements)
        tokens_header = None
        if TOKENS in members:
            with archive.open(members[TOKENS]) as fp:
                tokens_header = _npy_header(fp)
            _check_token_header(file, *tokens_header, max_elements)
        # uncompressed members (np.savez) are read where they lie; anything else, or anything amiss, by np.load
        array = stored_array(raw, archive, members[name])
        stored_tokens = stored_array(raw, archive, members[TOKENS]) if tokens_header else None
    if array is not None and (stored_tokens is not None or not tokens_header):
        tokens = tuple(str(t) for t in stored_tokens.tolist()) if tokens_header else None
        return array, tokens
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        array = npz[name]
        tokens = tuple(str(t) for t in npz[TOKENS].tolist()) if tokens_header else None
    return array, tokens


def _read_safetensors(file: str, raw: bytes, name: str,
                      max_elements: int) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Parse the JSON header ourselves first: it is the only way to see shape and dtype unloaded."""
    size = len(raw)
    (header_len,) = struct.unpack("<Q", raw[:8])
    if header_len > size - 8:
        raise ValueError(f"header length {header_len} exceeds the file size {size}")
    header = json.loads(raw[8:8 + header_len])
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if name not in header:
        found = ", ".join(sorted(header)) or "nothing"
        raise InputError.at(file, f"tensor {name!r}", f"not found in the file (found: {found})")
    entry = header[name]
    dtype = entry.get("dtype")
    if dtype not in _SAFETENSORS_DTYPES:
        raise InputError.at(
            file, f"tensor {name!r}", f"dtype {dtype} is not supported; save it as F32 (e.g. tensor.float())"
        )
    shape = tuple(int(n) for n in entry.get("shape", ()))
    _check_header(file, f"tensor {name!r}", shape, np.dtype("float32"), max_elements)
    tokens = _metadata_tokens(file, metadata)
    from safetensors.numpy import load as load_safetensors

    return load_safetensors(raw)[name], tokens


def _npy_header(fp: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of a .npy stream without reading its data (or unpickling anything)."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
    else:  # (3, 0): utf-8 field names; numpy has no public reader for it
        shape, _, dtype = np.lib.format._read_array_header(fp, version)
    return tuple(shape), dtype


def _metadata_tokens(file: str, metadata: dict) -> tuple[str, ...] | None:
    if TOKENS not in metadata:
        return None
    try:
        tokens = json.loads(metadata[TOKENS])
    except (TypeError, ValueError):
        raise InputError.at(file, "metadata 'tokens'", "is not valid JSON; expected a JSON list of strings") from None
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise InputError.at(file, "metadata 'tokens'", "must be a JSON list of strings")
    return tuple(tokens)


# --- checks ---


def _check_header(file: str, where: str, shape: tuple[int, ...], dtype: np.dtype, max_elements: int) -> None:
    if dtype.hasobject:
        raise InputError.at(
            file, where, "is an object array; pickled data is never loaded — save a numeric array instead"
        )
    if dtype.kind not in "fiu":
        raise InputError.at(file, where, f"has dtype {dtype}; expected numbers (float or integer)")
    if not 2 <= len(shape) <= 4:
        raise InputError.at(
            file,
            where,
            f"has {len(shape)} dimension(s), shape {tuple(shape)}; expected "
            "[layers, heads, query, key], [heads, query, key] or [query, key]",
        )
    if 0 in shape:
        raise InputError.at(file, where, f"is empty, shape {tuple(shape)}")
    count = int(np.prod(shape, dtype=np.int64))
    if count > max_elements:
        raise InputError.at(
            file, where, f"has {count:,} elements, more than the limit of {max_elements:,}; raise the setting tensor.max_elements to allow it"
        )


def _check_token_header(file: str, shape: tuple[int, ...], dtype: np.dtype, max_elements: int) -> None:
    where = "array 'tokens'"
    if dtype.hasobject:
        raise InputError.at(
            file, where, "is an object array; pickled data is never loaded — save it with np.array(tokens, dtype=str)"
        )
    if dtype.kind not in "US":
        raise InputError.at(file, where, f"has dtype {dtype}; expected strings (np.array(tokens, dtype=str))")
    if len(shape) != 1:
        raise InputError.at(file, where, f"has shape {tuple(shape)}; expected one dimension")
    if shape[0] > max_elements:
        raise InputError.at(file, where, f"has {shape[0]:,} tokens, more than the limit of {max_elements:,}")


def _check_tokens(file: str, tokens: Sequence[str], keys: int) -> tuple[str, ...]:
    if isinstance(tokens, str) or not all(isinstance(t, str) for t in tokens):
        raise InputError.at(file, "tokens", "must be a list of strings")
    tokens = tuple(tokens)
    if len(tokens) != keys:
        raise InputError.at(file, "tokens", f"has {len(tokens)} tokens but the attention has {keys} keys")
    return tokens


def _check_values(file: str, attention: np.ndarray, ndim: int, probabilities: bool, tolerance: float) -> None:
    """Refuse numbers a report would silently misdraw, pointing at the first bad one.

    The whole array is scanned only to name a bad value once one is known to exist: a row's float64 sum
    is finite exactly when every float32 value in it is (T values of at most 3.4e38 cannot overflow
    float64), so the row sums the probability check needs anyway also find non-finite values, and the
    smallest value finds a negative one."""
    with np.errstate(invalid="ignore"):  # inf - inf in a bad row: found and named just below, never a warning
        sums = attention.sum(axis=-1, dtype=np.float64)
    if not np.isfinite(sums).all() and (index := _first(~np.isfinite(attention))) is not None:
        raise InputError.at(file, _place(index, ndim), f"value is {attention[index]}; attention must be finite")
    if not probabilities:
        return
    if attention.min() < 0 and (index := _first(attention < 0)) is not None:
        raise InputError.at(
            file,
            _place(index, ndim),
            f"value {float(attention[index]):.6g} is negative; attention probabilities are >= 0 "
            "(signed effects belong in a table of rows × columns)",
        )
    if (index := _first(np.abs(sums - 1.0) > tolerance)) is not None:
        raise InputError.at(
            file,
            _place(index, ndim),
            f"row sums to {sums[index]:.6g}, not 1 (tolerance {tolerance:g}); "
            "attention rows must sum to 1 (the setting tensor.row_sum_tolerance sets how closely)",
        )


def _first(mask: np.ndarray) -> tuple[int, ...] | None:
    """The index of the first True cell of ``mask``, or None."""
    return tuple(int(i) for i in np.argwhere(mask)[0]) if mask.any() else None


def _place(index: tuple[int, ...], ndim: int) -> str:
    """Name an index of the 4-D array in the user's own dimensions ("head 5 query 17 key 3")."""
    names = ("layer", "head", "query", "key")
    skip = 4 - ndim  # leading axes that were added by normalisation, not in the file
    return " ".join(f"{n} {i}" for n, i in list(zip(names, index))[skip:])


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0] if text.strip() else type(exc).__name__
