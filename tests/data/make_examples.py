"""Make the synthetic example datasets in docs/datasets/ (run from the repository root).

The examples are synthetic and say so in their sidecars; this script is how they
were made, and tests/test_examples.py checks the committed files still match it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def causal_trace() -> str:
    """Signed indirect effects, tokens x layers, in the tidy CSV shape (causal-tracing style)."""
    rng = np.random.default_rng(7)
    tokens = ["The", "Eiffel", "Tower*", "is", "located", "in", "the", "city", "of"]
    layers = range(12)
    effect = rng.normal(0, 0.02, size=(len(tokens), len(layers)))
    effect[2, 3:9] += np.array([0.18, 0.35, 0.52, 0.61, 0.44, 0.2])   # last subject token, middle layers
    effect[-1, 8:] += np.array([0.25, 0.48, 0.66, 0.7])                 # last token, late layers
    effect[1, 2:5] -= np.array([0.12, 0.22, 0.15])                      # a suppressive early effect
    lines = ["row,column,value"]
    for t, token in enumerate(tokens):
        for layer in layers:
            lines.append(f"{t}:{token},{layer},{effect[t, layer]:.3f}")
    return "\n".join(lines) + "\n"


def role_pattern() -> str:
    """Categorical levels with period 3, as JSON Lines in the tidy shape."""
    rng = np.random.default_rng(11)
    heads = ["L2.H3", "L2.H7", "L5.H1", "L5.H9"]
    lines = []
    for head in heads:
        for pos in range(36):
            if pos % 3 == 2:
                level = "High"
            else:
                level = ["Low", "Neutral"][int(rng.random() < 0.35)]
            lines.append(json.dumps({"row": head, "column": pos, "value": level}))
    return "\n".join(lines) + "\n"


def head_scores() -> str:
    """A layers x heads table of previous-token scores, wide TSV, with two layers missing a head."""
    rng = np.random.default_rng(3)
    scores = rng.beta(1.2, 6, size=(6, 12))
    scores[0, 2] = 0.81
    scores[2, 4] = 0.64
    lines = ["layer\t" + "\t".join(f"H{h}" for h in range(12))]
    for layer in range(6):
        cells = [f"{v:.3f}" for v in scores[layer]]
        if layer in (3, 4):
            cells[11] = ""
        lines.append(f"{layer}\t" + "\t".join(cells))
    return "\n".join(lines) + "\n"


EXAMPLES = {
    "causal-trace.csv": causal_trace,
    "role-pattern.jsonl": role_pattern,
    "head-scores.tsv": head_scores,
}


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/datasets")
    for name, make in EXAMPLES.items():
        (out / name).write_text(make(), encoding="utf-8")
