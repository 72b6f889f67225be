"""Attention tensors (layers × heads × queries × keys): load → head patterns → render."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from generator.analyse.tensor import TensorAnalysis, analyse_tensor
from generator.errors import InputError
from generator.load.dataset import Metadata
from generator.load.table import read_input
from generator.load.tensor import SUFFIXES as TENSOR_SUFFIXES
from generator.load.tensor import TensorData, load_tensor
from generator.output.bundle import ReportBundle
from generator.settings import Settings

SUFFIXES = TENSOR_SUFFIXES


@dataclass(frozen=True)
class LoadedTensor:
    """An attention tensor with its metadata and the settings that apply to it."""

    name: str
    source: str
    sha256: str
    raw: bytes
    data: TensorData
    meta: Metadata
    settings: Settings


def load(path: Path, meta: Metadata, settings: Settings) -> LoadedTensor:
    # float64 is at most 8 bytes an element, plus tokens and headers
    raw = read_input(path, 8 * settings.tensor.max_elements + 2**24, "tensor.max_elements", "a tensor")
    if meta.values not in (None, "attention"):
        raise InputError.at(str(path), "sidecar key 'values'",
                            f"head patterns need attention probabilities, not '{meta.values}'; for signed effects "
                            "export a table (rows × columns) instead")
    data = load_tensor(path, tokens=meta.tokens or None, probabilities=True,
                       tolerance=settings.tensor.row_sum_tolerance, max_elements=settings.tensor.max_elements,
                       square=True, raw=raw)
    return LoadedTensor(name=path.stem, source=str(path), sha256=hashlib.sha256(raw).hexdigest(), raw=raw,
                        data=data, meta=meta, settings=settings)


def analyse(loaded: LoadedTensor) -> TensorAnalysis:
    return analyse_tensor(loaded.data, loaded.settings.heads, max_pairs=loaded.settings.tensor.similar_max_pairs)


def render(loaded: LoadedTensor, analysis: TensorAnalysis, *, slug: str, templates_dir: Path | None) -> ReportBundle:
    from generator.render.tensor import render_tensor  # Altair: only when a report is rendered

    return render_tensor(name=loaded.name, source=loaded.source, sha256=loaded.sha256, raw=loaded.raw,
                         data=loaded.data, meta=loaded.meta, analysis=analysis, settings=loaded.settings, slug=slug,
                         templates_dir=templates_dir)
