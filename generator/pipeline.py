"""The stages in order — load → analyse → render → output — for one dataset or many.

:func:`build_bundles` is what the CLI and the MkDocs plugin call. It loads every
dataset before rendering any, and collects every input problem of the run into
one :class:`InputError`, so a bad file stops the run with all its errors at once
and nothing is written for any dataset. Each file goes through its
:class:`~generator.kinds.Kind` (table or tensor) the same way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from generator.errors import InputError, Problem
from generator.kinds import Kind, dataset_suffixes, kind_for
from generator.load.corpus import CORPUS_FILE, is_corpus
from generator.load.sidecar import read_sidecar
from generator.output.bundle import ReportBundle
from generator.output.cache import BundleCache, cache_key, input_fingerprint, templates_fingerprint
from generator.render.environment import builtin_templates
from generator.render.text import slugify
from generator.settings import Settings, base_settings


def load(path: Path, overrides: dict[str, Any] | None = None, *,
         defaults: tuple[dict[str, Any], str] | None = None, overrides_source: str = "--set"):
    """Read one data file and its sidecar; raise InputError naming the file and place.

    Returns the kind's loaded object (:class:`~generator.kinds.table.LoadedTable`
    or :class:`~generator.kinds.tensor.LoadedTensor`).
    """
    return _load(Path(path), overrides, defaults=defaults, overrides_source=overrides_source)[1]


def _load(path: Path, overrides: dict[str, Any] | None, *, defaults: tuple[dict[str, Any], str] | None,
          overrides_source: str = "--set") -> tuple[Kind, Any]:
    kind, meta, settings, _ = _prepare(path, overrides, defaults=defaults, overrides_source=overrides_source)
    return kind, kind.load(path, meta, settings)


def _prepare(path: Path, overrides: dict[str, Any] | None, *, defaults: tuple[dict[str, Any], str] | None,
             overrides_source: str = "--set"):
    """The kind, metadata and settings of one dataset (from its sidecar), and the sidecar's path."""
    if Path(path).is_file() and Path(path).suffix.lower() not in dataset_suffixes():
        raise InputError.at(str(path), "file name", f"unsupported format {Path(path).suffix.lower() or '(none)'!r}; "
                            f"{supported_formats()}")
    kind = kind_for(path)
    meta, sidecar_overrides, sidecar = (kind.sidecar or read_sidecar)(path)
    base = base_settings()
    if defaults:  # site-wide settings (the MkDocs plugin's): a dataset's own sidecar may change them
        base = base.with_overrides(defaults[0], source=defaults[1])
    settings = base.with_overrides(sidecar_overrides, source=str(sidecar) if sidecar else "settings")
    settings = settings.with_overrides(overrides or {}, source=overrides_source)
    return kind, meta, settings, sidecar


def supported_formats() -> str:
    """What every "unsupported"/"no dataset" message lists."""
    tables = ", ".join(sorted(s for s in dataset_suffixes() if kind_for(Path("x" + s)).name == "table"))
    tensors = ", ".join(sorted(s for s in dataset_suffixes() if kind_for(Path("x" + s)).name == "tensor"))
    return f"supported: tables {tables}; tensors {tensors}; a corpus is a folder holding corpus.yml"


def build_bundles(paths: list[Path], *, settings_overrides: dict | None = None,
                  settings_defaults: tuple[dict, str] | None = None,
                  templates_dir: Path | None = None, cache: BundleCache | None = None) -> list[ReportBundle]:
    """Load all, then analyse and render each; slugs are unique within the run.

    ``settings_defaults`` (a dict and where it came from) apply under each sidecar;
    ``settings_overrides`` (the CLI's ``--set``) apply over it. With a ``cache``,
    a dataset whose key (see :mod:`generator.output.cache`) is stored there is taken
    from it, neither loaded, analysed nor rendered; the others are built as without
    it, then stored. The bundles are the same bytes either way.
    """
    paths = [Path(p) for p in paths]
    used: set[str] = set()
    slugs = [unique_slug(dataset_name(p), used) for p in paths]
    bundles: list[ReportBundle | None] = [None] * len(paths)
    todo, problems = [], []
    templates = templates_fingerprint(builtin_templates(), templates_dir) if cache is not None else ""
    for index, (path, slug) in enumerate(zip(paths, slugs)):
        try:
            kind, meta, settings, sidecar = _prepare(path, settings_overrides, defaults=settings_defaults)
            key = raw = None
            if cache is not None:
                key, raw = _key(path, sidecar, settings, slug, kind, templates)
                bundles[index] = cache.get(key, raw) if key is not None else None
            if bundles[index] is None:
                todo.append((index, kind, kind.load(path, meta, settings), settings, sidecar, key, raw))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    for index, kind, item, settings, sidecar, key, raw in todo:
        bundle = bundles[index] = bundle_for(kind, item, slugs[index], templates_dir)
        if key is not None and item.name == dataset_name(paths[index]):
            again, _ = _key(paths[index], sidecar, settings, slugs[index], kind, templates)
            if again == key:  # the files did not change while this one was being built
                cache.put(key, bundle, raw)
    return bundles  # type: ignore[return-value]


def dataset_name(path: Path) -> str:
    """What every kind names a dataset (``loaded.name``): its file's stem, or its folder's name."""
    return path.name if path.is_dir() else path.stem


def _key(path: Path, sidecar: Path | None, settings: Settings, slug: str, kind: Kind,
         templates: str) -> tuple[str | None, bytes | None]:
    """The dataset's cache key and, for a file, its bytes (None, None if it cannot be read now)."""
    try:
        raw = None if path.is_dir() else path.read_bytes()
        fingerprint = input_fingerprint(path) if raw is None else hashlib.sha256(raw).hexdigest()
        sidecar_bytes = sidecar.read_bytes() if sidecar is not None and sidecar.is_file() else None
    except OSError:
        return None, None  # the loader reports it, with the file and place
    return cache_key(fingerprint=fingerprint, sidecar=sidecar_bytes, settings=settings.to_dict(), slug=slug,
                     source=str(path), kind=kind.name, templates=templates), raw


def bundle_for(kind: Kind, item, slug: str, templates_dir: Path | None) -> ReportBundle:
    """One loaded dataset through its kind's analyse and render steps."""
    return kind.render(item, kind.analyse(item), slug=slug, templates_dir=templates_dir)


def unique_slug(name: str, used: set[str]) -> str:
    base = slugify(name)
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    used.add(slug)
    return slug


__all__ = ["load", "build_bundles", "bundle_for", "dataset_name", "find_datasets", "unique_slug"]


OUTPUT_SUFFIXES = (".findings.json", ".vl.json")


def _is_dataset_name(relative: Path, suffixes: set[str]) -> bool:
    """Inside a folder: data files only, not hidden ones (nor in hidden folders), not our own outputs."""
    name = relative.name
    return (relative.suffix.lower() in suffixes and not any(part.startswith(".") for part in relative.parts)
            and not name.endswith(OUTPUT_SUFFIXES))


def find_datasets(inputs: list[Path]) -> list[Path]:
    """Expand folders into their dataset files (sorted, sidecars skipped); check files exist.

    A folder holding ``corpus.yml`` is one dataset (a corpus), whether named itself
    or found inside a folder; its prompt files are never datasets of their own.
    A file reached through a folder must really live inside it: a symbolic link
    pointing elsewhere is refused rather than silently published.
    """
    found: list[Path] = []
    problems: list[Problem] = []
    suffixes = dataset_suffixes()
    for item in inputs:
        item = Path(item)
        if is_corpus(item):
            found.append(item)
        elif item.is_dir():
            root = item.resolve()
            before = len(found)
            corpora = sorted(p.parent for p in item.rglob(CORPUS_FILE)
                             if not any(part.startswith(".") for part in p.relative_to(item).parts))
            found.extend(corpora)
            for path in sorted(p for p in item.rglob("*") if _is_dataset_name(p.relative_to(item), suffixes)):
                if any(path.is_relative_to(c) for c in corpora):
                    continue
                if not path.resolve().is_relative_to(root):
                    problems.append(Problem(str(path), "file", "is a link pointing outside its data folder"))
                elif path.is_file():
                    found.append(path)
            if len(found) == before and not problems:
                problems.append(Problem(str(item), "folder", f"holds no dataset file ({supported_formats()})"))
        elif item.is_file():
            found.append(item)
        elif item.is_symlink():
            problems.append(Problem(str(item), "file", "is a broken symbolic link"))
        else:
            problems.append(Problem(str(item), "file", "no such file or folder"))
    if problems:
        raise InputError(problems)
    return found
