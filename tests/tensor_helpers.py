"""Synthetic attention heads with one planted pattern each, for the head tests.

Each builder returns a [T, T] matrix whose rows sum to 1. The planted mass is
strong (0.8–0.9) and the rest is spread with a little noise, so a correct
classifier has a clear answer and a wrong one cannot pass by luck.
"""

from __future__ import annotations

import numpy as np


def rows(weights: np.ndarray) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    return (weights / weights.sum(-1, keepdims=True)).astype(np.float32)


def noise(T: int, rng: np.random.Generator, alpha: float = 1.0) -> np.ndarray:
    return rng.dirichlet(np.full(T, alpha), size=T)


def planted(T: int, targets: list[list[int]], rng: np.random.Generator, strength: float = 0.9) -> np.ndarray:
    """Row q puts ``strength`` on targets[q] (split evenly) and the rest on noise; empty targets: noise."""
    out = noise(T, rng)
    for q, keys in enumerate(targets):
        if keys:
            out[q] *= 1 - strength
            out[q, keys] += strength / len(keys)
    return rows(out)


def previous_token(T: int, rng) -> np.ndarray:
    return planted(T, [[q - 1] if q else [] for q in range(T)], rng)


def next_token(T: int, rng) -> np.ndarray:
    return planted(T, [[q + 1] if q < T - 1 else [] for q in range(T)], rng)


def self_attending(T: int, rng) -> np.ndarray:
    return planted(T, [[q] for q in range(T)], rng)


def sink(T: int, rng, key: int = 0, strength: float = 0.7) -> np.ndarray:
    return planted(T, [[key]] * T, rng, strength)


def broad(T: int, rng) -> np.ndarray:
    return rows(noise(T, rng, alpha=50.0))


def random_peaked(T: int, rng) -> np.ndarray:
    """Each row peaks on its own random key: confident, but no shared structure."""
    return planted(T, [[int(k)] for k in rng.integers(0, T, T)], rng, strength=0.6)


def segments_of(tokens: list[str], delimiters=("[SEP]", ".")) -> list[int]:
    seg, current = [], 0
    for i, t in enumerate(tokens):
        seg.append(current)
        if t in delimiters and i + 1 < len(tokens) and tokens[i + 1] not in delimiters:
            current += 1
    return seg


def block(tokens: list[str], rng) -> np.ndarray:
    seg = segments_of(tokens)
    return planted(len(tokens), [[k for k in range(len(tokens)) if seg[k] == seg[q]] for q in range(len(tokens))], rng)


def duplicate_token(tokens: list[str], rng) -> np.ndarray:
    return planted(len(tokens), [[k for k in range(q) if tokens[k] == tokens[q]] for q in range(len(tokens))], rng)


def induction(tokens: list[str], rng) -> np.ndarray:
    targets = [[k for k in range(1, q) if tokens[k - 1] == tokens[q]] for q in range(len(tokens))]
    return planted(len(tokens), targets, rng)


def causal(matrix: np.ndarray) -> np.ndarray:
    """Keep the lower triangle and renormalise: what a decoder's mask does."""
    return rows(np.tril(matrix.astype(np.float64)) + np.eye(len(matrix)) * 1e-9)


def sentences(rng, count: int = 6, length: int = 7) -> list[str]:
    """[CLS] w w w . w w w . … [SEP], words drawn from a large vocabulary so they rarely repeat."""
    tokens = ["[CLS]"]
    for _ in range(count):
        tokens += [f"w{int(i)}" for i in rng.integers(0, 10_000, length)] + ["."]
    return tokens + ["[SEP]"]


def repeated_random(rng, length: int = 30) -> list[str]:
    """<s> + a random sequence + the same sequence again: where induction heads show."""
    seq = [f"t{int(i)}" for i in rng.choice(5_000, size=length, replace=False)]
    return ["<s>"] + seq + seq
