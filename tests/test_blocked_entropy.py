"""The entropies are computed a block of heads at a time; the block size must never change a value.

The analysis's must be bit-identical to the whole-tensor formula it replaced (the per-prompt Parquet
table prints every metric in full); the verify stage's must agree with its own whole-tensor reading to
float64 rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from generator.analyse.heads import _row_entropy_smoothed
from generator.settings import HeadThresholds
from generator.verify.corpus import _entropy

TH = HeadThresholds()


def _attention(rng, layers, heads, T, causal):
    a = rng.gamma(0.05, 1.0, (layers, heads, T, T)) + (rng.random((layers, heads, T, T)) < 0.3)
    if causal:
        a = np.tril(a)
    a[..., 0, :] = 0
    a[..., 0, 0] = 1  # exact zeros and an exact one
    return (a / a.sum(-1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("T", [1, 2, 5, 33, 129])
@pytest.mark.parametrize("causal", [True, False])
def test_the_analysis_entropy_is_bit_identical_whatever_the_block(T, causal):
    A = _attention(np.random.default_rng(T), 2, 5, T, causal).reshape(10, T, T)
    visible = np.tril(np.ones((T, T), bool)) if causal else np.ones((T, T), bool)
    count, s = visible.sum(1), TH.entropy_smoothing
    p = (1 - s) * A + (s / count)[:, None] * visible  # the whole-tensor formula
    whole = -(p * np.log(np.where(p > 0, p, 1))).sum(-1, dtype=np.float64)
    for block in (1, T * T, 3 * T * T + 1, 2**16, 10**9):
        assert np.array_equal(_row_entropy_smoothed(A, visible, count, s, block=block), whole)


@pytest.mark.parametrize("T", [1, 2, 5, 33, 129])
@pytest.mark.parametrize("causal", [True, False])
def test_the_verify_entropy_does_not_depend_on_the_block(T, causal):
    a = _attention(np.random.default_rng(100 + T), 3, 4, T, causal)
    whole = _entropy(a, causal, TH, block=10**9)
    assert whole.shape == (3, 4)
    for block in (1, T * T, 5 * T * T):
        np.testing.assert_allclose(_entropy(a, causal, TH, block=block), whole, rtol=0, atol=1e-15)
