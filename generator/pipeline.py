"""The stages in order: load -> analyse -> render, for one dataset or many.

:func:`build_bundles` is what the CLI and the MkDocs plugin call. It loads every
dataset before rendering any, and collects every input problem of the run into
one :class:`InputError`, so a bad file stops the run with all its errors at once
and nothing is written for any dataset.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .analyse import analyse
from .bundle import ReportBundle
from .dataset import Dataset, Metadata
from .errors import InputError, Problem
from .head_analysis import analyse_tensor
from .levels import LevelGrid, level_grid
from .render import render_dataset, to_bundle
from .settings import Settings
from .sidecar import read_sidecar
from .tabular import TABLE_SUFFIXES, byte_limit, read_input, read_matrix
from .tensor import TensorData, load_tensor
from .tensor_render import render_tensor
from .text import slugify

TENSOR_SUFFIXES = {".npz", ".npy", ".safetensors"}


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


@dataclass(frozen=True)
class Loaded:
    """A dataset with the settings that apply to it and its level grid."""

    dataset: Dataset
    settings: Settings
    grid: LevelGrid
    raw: bytes


def dataset_suffixes() -> set[str]:
    return set(TABLE_SUFFIXES) | TENSOR_SUFFIXES


def load(path: Path, overrides: dict[str, Any] | None = None, *,
         defaults: tuple[dict[str, Any], str] | None = None, overrides_source: str = "--set") -> Loaded | LoadedTensor:
    """Read one data file and its sidecar; raise InputError naming the file and place."""
    path = Path(path)
    meta, sidecar_overrides, sidecar = read_sidecar(path)
    base = Settings()
    if defaults:  # site-wide settings (the MkDocs plugin's): a dataset's own sidecar may change them
        base = base.with_overrides(defaults[0], source=defaults[1])
    settings = base.with_overrides(sidecar_overrides, source=str(sidecar) if sidecar else "settings")
    settings = settings.with_overrides(overrides or {}, source=overrides_source)
    # Each file is read once, so the recorded hash is of exactly the bytes parsed.
    if path.suffix.lower() in TENSOR_SUFFIXES:  # float64 at most 8 bytes an element, plus tokens and headers
        raw = read_input(path, 8 * settings.tensor.max_elements + 2**24, "tensor.max_elements", "a tensor")
        return _load_tensor(path, meta, settings, raw)
    raw = read_input(path, byte_limit(settings.input))
    categorical = True if meta.values == "categories" else False if meta.values in ("attention", "effect") else None
    matrix = read_matrix(path, settings.input, categorical=categorical, categories=meta.categories, raw=raw)
    dataset = Dataset(name=path.stem, source=str(path), sha256=hashlib.sha256(raw).hexdigest(), matrix=matrix,
                      meta=meta)
    grid = level_grid(matrix, settings.levels, source=str(path), categories=meta.categories,
                      values_meaning=meta.values)
    return Loaded(dataset, settings, grid, raw)


def build_bundles(paths: list[Path], *, settings_overrides: dict | None = None,
                  settings_defaults: tuple[dict, str] | None = None,
                  templates_dir: Path | None = None) -> list[ReportBundle]:
    """Load all, then analyse and render each; slugs are unique within the run.

    ``settings_defaults`` (a dict and where it came from) apply under each sidecar;
    ``settings_overrides`` (the CLI's ``--set``) apply over it.
    """
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load(Path(path), settings_overrides, defaults=settings_defaults))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    bundles, used = [], set()
    for item in loaded:
        slug = unique_slug(item.name if isinstance(item, LoadedTensor) else item.dataset.name, used)
        bundles.append(bundle_for(item, slug, templates_dir))
    return bundles


def _load_tensor(path: Path, meta: Metadata, settings: Settings, raw: bytes) -> LoadedTensor:
    if meta.values not in (None, "attention"):
        raise InputError.at(str(path), "sidecar key 'values'",
                            f"head patterns need attention probabilities, not '{meta.values}'; for signed effects "
                            "export a table (rows × columns) instead")
    probabilities = True
    data = load_tensor(path, tokens=meta.tokens or None, probabilities=probabilities,
                       tolerance=settings.tensor.row_sum_tolerance, max_elements=settings.tensor.max_elements,
                       square=True, raw=raw)
    return LoadedTensor(name=path.stem, source=str(path), sha256=hashlib.sha256(raw).hexdigest(), raw=raw,
                        data=data, meta=meta, settings=settings)


def bundle_for(item: Loaded | LoadedTensor, slug: str, templates_dir: Path | None) -> ReportBundle:
    if isinstance(item, LoadedTensor):
        analysis = analyse_tensor(item.data, item.settings.heads, max_pairs=item.settings.tensor.similar_max_pairs)
        return render_tensor(name=item.name, source=item.source, sha256=item.sha256, raw=item.raw, data=item.data,
                             meta=item.meta, analysis=analysis, settings=item.settings, slug=slug,
                             templates_dir=templates_dir)
    analysis = analyse(item.grid, item.settings.analysis)
    data_name = f"{slug}.data{Path(item.dataset.source).suffix.lower()}"
    rendered = render_dataset(item.dataset, item.grid, analysis, item.settings, slug=slug,
                              templates_dir=templates_dir, data_name=data_name)
    return to_bundle(item.dataset, rendered, slug=slug, data_bytes=item.raw, data_name=data_name)


def unique_slug(name: str, used: set[str]) -> str:
    base = slugify(name)
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug


__all__ = ["Loaded", "LoadedTensor", "load", "build_bundles", "bundle_for", "find_datasets", "unique_slug"]


OUTPUT_SUFFIXES = (".findings.json", ".vl.json")


def _is_dataset_name(relative: Path, suffixes: set[str]) -> bool:
    """Inside a folder: data files only, not hidden ones (nor in hidden folders), not our own outputs."""
    name = relative.name
    return (relative.suffix.lower() in suffixes and not any(part.startswith(".") for part in relative.parts)
            and not name.endswith(OUTPUT_SUFFIXES))


def find_datasets(inputs: list[Path]) -> list[Path]:
    """Expand folders into their dataset files (sorted, sidecars skipped); check files exist.

    A file reached through a folder must really live inside it: a symbolic link
    pointing elsewhere is refused rather than silently published.
    """
    found: list[Path] = []
    problems: list[Problem] = []
    suffixes = dataset_suffixes()
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            root = item.resolve()
            for path in sorted(p for p in item.rglob("*") if _is_dataset_name(p.relative_to(item), suffixes)):
                if not path.resolve().is_relative_to(root):
                    problems.append(Problem(str(path), "file", "is a link pointing outside its data folder"))
                elif path.is_file():
                    found.append(path)
        elif item.is_file():
            found.append(item)
        elif item.is_symlink():
            problems.append(Problem(str(item), "file", "is a broken symbolic link"))
        else:
            problems.append(Problem(str(item), "file", "no such file or folder"))
    if problems:
        raise InputError(problems)
    return found
