"""Tables (rows × columns of numbers or categories): load → level grid → analyse → render."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.analyse.levels import LevelGrid, level_grid
from generator.analyse.table import Analysis
from generator.analyse.table import analyse as analyse_grid
from generator.load.dataset import Dataset, Metadata
from generator.load.table import TABLE_SUFFIXES, byte_limit, read_input, read_matrix
from generator.output.bundle import ReportBundle
from generator.settings import Settings
from generator.verify.page import verify_table

from generator.kinds.gate import verified

if TYPE_CHECKING:  # Altair loads only when a report is rendered
    from generator.render.table import Rendered

SUFFIXES = TABLE_SUFFIXES


@dataclass(frozen=True)
class LoadedTable:
    """A table with the settings that apply to it, its level grid and the bytes it was parsed from."""

    dataset: Dataset
    settings: Settings
    grid: LevelGrid
    raw: bytes

    @property
    def name(self) -> str:
        return self.dataset.name


def values_kind(meta: Metadata) -> bool | None:
    """The sidecar's ``values:`` as the reader's ``categorical`` flag (None: decide from the data)."""
    return True if meta.values == "categories" else False if meta.values in ("attention", "effect") else None


def load(path: Path, meta: Metadata, settings: Settings) -> LoadedTable:
    raw = read_input(path, byte_limit(settings.input))
    matrix = read_matrix(path, settings.input, categorical=values_kind(meta), categories=meta.categories, raw=raw)
    dataset = Dataset(name=path.stem, source=str(path), sha256=hashlib.sha256(raw).hexdigest(), matrix=matrix,
                      meta=meta)
    grid = level_grid(matrix, settings.levels, source=str(path), categories=meta.categories,
                      values_meaning=meta.values)
    return LoadedTable(dataset, settings, grid, raw)


def analyse(loaded: LoadedTable) -> Analysis:
    return analyse_grid(loaded.grid, loaded.settings.analysis, loaded.dataset.meta.values)


def render(loaded: LoadedTable, analysis: Analysis, *, slug: str, templates_dir: Path | None) -> ReportBundle:
    from generator.render.table import to_bundle  # Altair: only when a report is rendered

    suffix = Path(loaded.dataset.source).suffix.lower()
    data_name = f"{slug}.data{suffix}"
    rendered = render_checked(loaded, analysis, raw=loaded.raw, suffix=suffix, slug=slug,
                              templates_dir=templates_dir, data_name=data_name)
    return to_bundle(loaded.dataset, rendered, slug=slug, data_bytes=loaded.raw, data_name=data_name)


def render_checked(loaded: LoadedTable, analysis: Analysis, *, raw: bytes, suffix: str, slug: str,
                   templates_dir: Path | None, data_name: str) -> Rendered:
    """Render, then verify every printed claim against ``raw`` (the hashed bytes); see :mod:`generator.kinds.gate`."""
    from generator.render.table import render_dataset  # Altair: only when a report is rendered

    def draw(kept: Analysis) -> Rendered:
        return render_dataset(loaded.dataset, loaded.grid, kept, loaded.settings, slug=slug,
                              templates_dir=templates_dir, data_name=data_name)

    def check(rendered: Rendered):
        return verify_table(raw, suffix, rendered.findings, rendered.markdown), rendered.findings

    return verified(draw, check, analysis, strict=loaded.settings.verify.strict, source=loaded.dataset.source)
