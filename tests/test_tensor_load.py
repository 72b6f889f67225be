"""Every tensor format loads, and every kind of bad file is one line naming the file and place."""

from __future__ import annotations

import json
import pickle
import struct

import numpy as np
import pytest
from safetensors.numpy import save_file

from generator.errors import InputError
from generator.load.tensor import TensorData, load_tensor, tensor_from_array

TOKENS = ["[CLS]", "a", "b", "[SEP]"]


def uniform(*shape) -> np.ndarray:
    return np.full(shape, 1.0 / shape[-1], dtype=np.float32)


def save_npz(path, **arrays):
    with open(path, "wb") as fp:
        np.savez(fp, **arrays)
    return path


def load_error(path, **options) -> str:
    with pytest.raises(InputError) as caught:
        load_tensor(path, **options)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert str(path) in message
    return message


# --- formats ---


def test_npz_with_tokens(tmp_path):
    path = save_npz(tmp_path / "a.npz", attention=uniform(2, 3, 4, 4), tokens=np.array(TOKENS))
    data = load_tensor(path)
    assert isinstance(data, TensorData)
    assert data.attention.shape == (2, 3, 4, 4) and data.attention.dtype == np.float32
    assert data.tokens == tuple(TOKENS)
    assert (data.layers, data.heads, data.length) == (2, 3, 4)
    assert not data.attention.flags.writeable


def test_npy_takes_tokens_from_the_caller(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, uniform(3, 4, 4).astype(np.float64))
    data = load_tensor(path, tokens=TOKENS)
    assert data.attention.shape == (1, 3, 4, 4) and data.attention.dtype == np.float32
    assert data.tokens == tuple(TOKENS)
    assert load_tensor(path).tokens is None


def test_safetensors_with_tokens_in_metadata(tmp_path):
    path = tmp_path / "a.safetensors"
    save_file({"attention": uniform(1, 2, 4, 4)}, str(path), metadata={"tokens": json.dumps(TOKENS)})
    data = load_tensor(path)
    assert data.attention.shape == (1, 2, 4, 4) and data.tokens == tuple(TOKENS)


def test_two_and_three_dimensional_arrays_become_four(tmp_path):
    assert load_tensor(save_npz(tmp_path / "q.npz", attention=uniform(4, 4))).attention.shape == (1, 1, 4, 4)
    assert load_tensor(save_npz(tmp_path / "h.npz", attention=uniform(5, 4, 4))).attention.shape == (1, 5, 4, 4)


def test_caller_tokens_replace_stored_ones(tmp_path):
    path = save_npz(tmp_path / "a.npz", attention=uniform(1, 1, 4, 4), tokens=np.array(TOKENS))
    assert load_tensor(path, tokens=["w", "x", "y", "z"]).tokens == ("w", "x", "y", "z")


def test_non_square_is_allowed_unless_required(tmp_path):
    path = save_npz(tmp_path / "cross.npz", attention=uniform(1, 1, 3, 5))
    assert load_tensor(path).attention.shape == (1, 1, 3, 5)
    assert "has 3 queries but 5 keys" in load_error(path, square=True)


def test_signed_scores_load_when_not_probabilities(tmp_path):
    effects = np.array([[-0.5, 2.0], [0.1, 0.0]], dtype=np.float32)
    data = load_tensor(save_npz(tmp_path / "patch.npz", attention=effects), probabilities=False)
    assert data.attention[0, 0, 0, 0] == -0.5


def test_tolerance_is_settable(tmp_path):
    rows = uniform(1, 1, 2, 2) * 1.004
    path = save_npz(tmp_path / "fp16.npz", attention=rows)
    assert "query 0: row sums to 1.004, not 1 (tolerance 0.001)" in load_error(path)
    assert load_tensor(path, tolerance=1e-2).attention.shape == (1, 1, 2, 2)


def test_in_memory_arrays_get_the_same_checks():
    with pytest.raises(InputError, match=r"<array>: layer 0 head 0 query 1 key 0: value is nan"):
        tensor_from_array(np.array([[[[1.0, 0.0], [np.nan, 1.0]]]]))


# --- validation errors ---


def test_pickled_object_array_is_never_loaded(tmp_path):
    path = tmp_path / "evil.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    assert "array 'attention': is an object array; pickled data is never loaded" in load_error(path)


class _Payload:
    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path("/tmp/attention-report-pwned"),))


def test_a_pickle_renamed_to_npy_does_not_run(tmp_path):
    path = tmp_path / "pickle.npy"
    path.write_bytes(pickle.dumps(_Payload()))
    assert "cannot read .npy file" in load_error(path)
    assert not __import__("pathlib").Path("/tmp/attention-report-pwned").exists()


def test_object_tokens_in_npz_are_refused(tmp_path):
    path = tmp_path / "tok.npz"
    with open(path, "wb") as fp:
        np.savez(fp, attention=uniform(4, 4), tokens=np.array(TOKENS, dtype=object))
    assert "array 'tokens': is an object array" in load_error(path)


@pytest.mark.parametrize("shape,dims", [((4,), 1), ((1, 1, 1, 4, 4), 5)])
def test_wrong_number_of_dimensions(tmp_path, shape, dims):
    path = save_npz(tmp_path / "dims.npz", attention=uniform(*shape))
    assert f"array 'attention': has {dims} dimension(s)" in load_error(path)


def test_string_array_is_not_attention(tmp_path):
    path = save_npz(tmp_path / "str.npz", attention=np.array([["a", "b"], ["c", "d"]]))
    assert "array 'attention': has dtype <U1; expected numbers" in load_error(path)


def test_tokens_length_must_match_keys(tmp_path):
    path = save_npz(tmp_path / "len.npz", attention=uniform(1, 1, 4, 4), tokens=np.array(TOKENS[:3]))
    assert "tokens: has 3 tokens but the attention has 4 keys" in load_error(path)


def test_tokens_need_square_attention(tmp_path):
    path = save_npz(tmp_path / "rect.npz", attention=uniform(1, 1, 3, 4), tokens=np.array(TOKENS))
    assert "array 'attention': has 3 queries but 4 keys; tokens label both axes" in load_error(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_located(tmp_path, bad):
    attention = uniform(2, 2, 4, 4)
    attention[1, 0, 2, 3] = bad
    message = load_error(save_npz(tmp_path / "nan.npz", attention=attention))
    assert f"layer 1 head 0 query 2 key 3: value is {bad}; attention must be finite" in message


def test_inf_and_minus_inf_in_one_row_are_located_not_taken_for_a_bad_sum(tmp_path):
    attention = uniform(2, 2, 4, 4)
    attention[0, 1, 3, 1:3] = [np.inf, -np.inf]  # the row sums to nan, the first bad value is at key 1
    message = load_error(save_npz(tmp_path / "infs.npz", attention=attention))
    assert "layer 0 head 1 query 3 key 1: value is inf; attention must be finite" in message


def test_an_array_handed_in_is_left_writable_and_unshared():
    attention = uniform(1, 1, 4, 4).astype(np.float32)
    data = tensor_from_array(attention)
    assert attention.flags.writeable and not data.attention.flags.writeable
    assert not np.shares_memory(attention, data.attention)


def test_negative_values_are_located_in_the_users_dimensions(tmp_path):
    attention = uniform(3, 4, 4)
    attention[2, 1, :2] = [-0.25, 0.75]
    message = load_error(save_npz(tmp_path / "neg.npz", attention=attention))
    assert "head 2 query 1 key 0: value -0.25 is negative" in message
    assert "layer" not in message.split(":")[1]


def test_rows_not_summing_to_one_are_located(tmp_path):
    attention = uniform(2, 3, 4, 4)
    attention[1, 2, 3] = [0.5, 0.2, 0.1, 0.1]
    message = load_error(save_npz(tmp_path / "sum.npz", attention=attention))
    assert "layer 1 head 2 query 3: row sums to 0.9" in message
    assert "tensor.row_sum_tolerance" in message


def test_empty_array(tmp_path):
    path = save_npz(tmp_path / "empty.npz", attention=np.zeros((1, 0, 4, 4), np.float32))
    assert "array 'attention': is empty, shape (1, 0, 4, 4)" in load_error(path)


@pytest.mark.parametrize("suffix", [".npz", ".npy", ".safetensors"])
def test_too_many_elements_is_refused_before_loading(tmp_path, suffix):
    path = tmp_path / f"big{suffix}"
    attention = uniform(2, 2, 8, 8)
    if suffix == ".npz":
        save_npz(path, attention=attention)
    elif suffix == ".npy":
        np.save(path, attention)
    else:
        save_file({"attention": attention}, str(path))
    assert "has 256 elements, more than the limit of 100" in load_error(path, max_elements=100)


@pytest.mark.parametrize("suffix", [".npz", ".npy", ".safetensors"])
@pytest.mark.parametrize("keep", [0.5, 0.05])
def test_truncated_files_are_one_line(tmp_path, suffix, keep):
    path = tmp_path / f"cut{suffix}"
    attention = uniform(2, 2, 16, 16)
    if suffix == ".npz":
        save_npz(path, attention=attention)
    elif suffix == ".npy":
        np.save(path, attention)
    else:
        save_file({"attention": attention}, str(path))
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    assert f"cannot read {suffix} file (truncated or corrupt?)" in load_error(path)


def test_huge_safetensors_header_length_is_corrupt_not_a_huge_read(tmp_path):
    path = tmp_path / "hdr.safetensors"
    path.write_bytes(struct.pack("<Q", 2**60) + b"{}")
    assert "header length" in load_error(path)


def test_missing_attention_array_lists_what_was_found(tmp_path):
    path = save_npz(tmp_path / "other.npz", weights=uniform(4, 4))
    assert "array 'attention': not found in the archive (found: weights)" in load_error(path)


def test_safetensors_tokens_metadata_must_be_a_json_list(tmp_path):
    path = tmp_path / "meta.safetensors"
    save_file({"attention": uniform(4, 4)}, str(path), metadata={"tokens": "[CLS] a b"})
    assert "metadata 'tokens': is not valid JSON" in load_error(path)


def test_safetensors_bfloat16_asks_for_float32(tmp_path):
    header = json.dumps({"attention": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}}).encode()
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + bytes(8))
    assert "tensor 'attention': dtype BF16 is not supported; save it as F32" in load_error(path)


def test_unsupported_suffix_and_missing_file(tmp_path):
    assert "unsupported file type '.pt'" in load_error(tmp_path / "model.pt")
    assert "file not found" in load_error(tmp_path / "missing.npz")
