"""Uncompressed .npz members are read in place, and anything unusual or damaged goes the ordinary np.load way.

The in-place read must give exactly np.load's array, never write into the file's bytes, and never
accept what np.load would refuse: a damaged member falls back, so the error line is np.load's as before.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from generator.errors import InputError
from generator.load.npz_stored import stored_array
from generator.load.tensor import load_tensor


def _npz(save, **arrays) -> bytes:
    buffer = io.BytesIO()
    save(buffer, **arrays)
    return buffer.getvalue()


def _attention(dtype=np.float32, order="C"):
    rng = np.random.default_rng(0)
    a = rng.random((2, 3, 5, 5))
    return np.asarray(a / a.sum(-1, keepdims=True), dtype=dtype, order=order)


@pytest.mark.parametrize("dtype,order", [(np.float32, "C"), (np.float16, "C"), (">f4", "C"), (np.float64, "F"),
                                         ("<U7", "C")])
def test_a_stored_member_is_np_loads_array_read_only_over_the_bytes(dtype, order):
    value = np.array(["<bos>", "a", "word"], dtype=dtype) if dtype == "<U7" else _attention(dtype, order)
    raw = _npz(np.savez, attention=value)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        array = stored_array(raw, archive, "attention.npy")
    expected = np.load(io.BytesIO(raw))["attention"]
    assert array is not None and array.dtype == expected.dtype and np.array_equal(array, expected)
    assert not array.flags.writeable


def test_a_compressed_member_is_left_to_np_load():
    raw = _npz(np.savez_compressed, attention=_attention())
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert stored_array(raw, archive, "attention.npy") is None


def test_a_damaged_member_is_left_to_np_load_and_reported_as_before(tmp_path):
    raw = bytearray(_npz(np.savez, attention=_attention()))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo("attention.npy")
    raw[info.header_offset + 200] ^= 0x01  # one bit of the data: the CRC-32 no longer matches
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        assert stored_array(bytes(raw), archive, "attention.npy") is None
    path = tmp_path / "flipped.npz"
    path.write_bytes(bytes(raw))
    with pytest.raises(InputError) as caught:
        load_tensor(path)
    assert "cannot read .npz file (truncated or corrupt?)" in str(caught.value) and "CRC" in str(caught.value)


def test_the_file_loads_the_same_either_way(tmp_path):
    attention = _attention()
    tokens = np.array(["<bos>", "a", "b", "a", "b"])
    for save in (np.savez, np.savez_compressed):
        path = tmp_path / f"{save.__name__}.npz"
        path.write_bytes(_npz(save, attention=attention, tokens=tokens))
        data = load_tensor(path, square=True)
        assert np.array_equal(data.attention, attention) and data.tokens == tuple(tokens.tolist())
        assert not data.attention.flags.writeable
