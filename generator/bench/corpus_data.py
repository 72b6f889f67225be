"""Synthetic corpora with planted heads: known truth for the tests and fixed bytes for the benchmark.

Every prompt is ``<bos>`` followed by distinct random tokens, or — on every other
prompt — by a random sequence repeated twice (the diagnostic of Olsson et al. 2022).
The attention is causal, and four heads are planted:

* layer 0 head 0 — previous-token on every prompt (85% of each row on the token before);
* layer 0 head 1 — a sink on the first token on every prompt (85% of each row);
* layer 1 head 0 — an induction head on the repeated prompts (80% on the token after the
  earlier copy), uniform on the others;
* layer 1 head 1 — previous-token over the first 16 positions only, so a previous-token head
  on short prompts and not on long ones (like a learned-position head past its training length);

every other head is random (sparse random rows), with no role.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PLANTED = {"previous_token": (0, 0), "sink": (0, 1), "induction": (1, 0), "early_previous_token": (1, 1)}
EARLY_POSITIONS = 16


def _normalise(a: np.ndarray) -> np.ndarray:
    a = np.tril(a)
    return a / a.sum(-1, keepdims=True)


def planted_prompt(rng: np.random.Generator, length: int, repeated: bool, *, layers: int = 2, heads: int = 4,
                   vocab: int = 1000) -> tuple[np.ndarray, list[str]]:
    """One prompt of ``length`` positions (odd when repeated): float32 [layers, heads, T, T] and its tokens."""
    if layers < 2 or heads < 2:
        raise ValueError("the planted heads need at least 2 layers and 2 heads")
    if repeated:
        half = rng.choice(vocab, size=(length - 1) // 2, replace=False)
        ids = np.concatenate([half, half])
    else:
        ids = rng.choice(vocab, size=length - 1, replace=False)
    tokens = ["<bos>"] + [f"w{i}" for i in ids]
    T = len(tokens)
    A = _normalise(rng.gamma(0.05, 1.0, (layers, heads, T, T)) + 1e-12)
    noise = _normalise(rng.random((T, T)))
    A[0, 0] = _normalise(0.85 * np.eye(T, k=-1) + 0.15 * noise + 1e-9 * np.eye(T))
    sink = 0.15 * noise
    sink[:, 0] += 0.85
    A[0, 1] = _normalise(sink)
    if repeated:
        half = (T - 1) // 2
        induction = 0.2 * noise
        for q in range(1 + half, T):
            induction[q, q - half + 1] += 0.8
        A[1, 0] = _normalise(induction)
    else:
        A[1, 0] = _normalise(np.ones((T, T)))
    early = _normalise(0.9 * np.eye(T, k=-1) + 0.1 * noise + 1e-9 * np.eye(T))
    A[1, 1, 1:EARLY_POSITIONS] = early[1:EARLY_POSITIONS]
    return A.astype(np.float32), tokens


def write_planted_corpus(folder: Path, prompts: int = 40, *, seed: int = 0, lengths: tuple[int, int] = (17, 49),
                         layers: int = 2, heads: int = 4, distinct: int | None = None,
                         compressed: bool = False, title: str = "Planted corpus") -> Path:
    """Write a corpus folder: corpus.yml and ``prompt-NNNN.npz`` files, prompt n repeated when n is even.

    ``distinct`` (for the benchmark) makes only that many different prompts and writes their bytes
    again for the rest, so a large corpus is quick to make; the analysis reads each file in full anyway.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    (folder / "corpus.yml").write_text(
        f"title: {title}\n"
        "description: Synthetic attention with planted heads (generator.bench.corpus_data).\n"
        "model: none (synthetic)\n"
        "selection: every other prompt is a random sequence repeated twice; the rest are distinct random tokens\n",
        encoding="utf-8")
    made: list[bytes] = []
    for n in range(prompts):
        path = folder / f"prompt-{n:04d}.npz"
        if distinct is not None and n >= distinct:
            path.write_bytes(made[n % distinct])
            continue
        length = int(rng.integers(lengths[0], lengths[1] + 1)) | 1
        A, tokens = planted_prompt(rng, length, n % 2 == 0, layers=layers, heads=heads)
        with path.open("wb") as fp:
            (np.savez_compressed if compressed else np.savez)(fp, attention=A, tokens=np.array(tokens, dtype=str))
        if distinct is not None:
            made.append(path.read_bytes())
    return folder
