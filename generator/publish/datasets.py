"""Which files the plugin treats as datasets, and which report group each lands in.

A group is the folder a dataset sits in below the fixed part of its glob
(``docs/datasets/bert/x.csv`` under ``docs/datasets/**/*.*`` is in ``bert``), so
the site's sections follow the way the user already organised the files. Datasets
directly under the glob root go to ``examples``.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.load.corpus import corpus_root

DEFAULT_GROUP = "examples"
DEFAULT_GROUP_TITLE = "Examples"

_SKIP_SUFFIXES = {".yml", ".yaml", ".md", ".markdown"}
"""Sidecars (read by the pipeline next to their dataset) and prose, never datasets."""

_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Dataset:
    path: Path
    group: str
    """URL-safe folder name under ``reports/``, e.g. ``bert/layer-1``."""
    group_title: str
    """The folder as the user wrote it, for the nav (escape before printing)."""


@dataclass(frozen=True)
class Discovery:
    datasets: list[Dataset]
    roots: list[Path]
    """The fixed folder of every glob: what ``mkdocs serve`` has to watch."""
    empty_patterns: list[str]


def glob_root(pattern: str, base: Path) -> Path:
    """The longest leading folder of ``pattern`` that has no wildcard in it."""
    parts = PurePosixPath(pattern).parts
    fixed: list[str] = []
    for part in parts[:-1]:
        if _GLOB_CHARS.search(part):
            break
        fixed.append(part)
    return (base / PurePosixPath(*fixed)) if fixed else base


def is_dataset_file(path: Path) -> bool:
    """Skip sidecars, Markdown, READMEs and hidden files that a broad glob also matches."""
    name = path.name
    if name.startswith(".") or not path.is_file():
        return False
    if path.suffix.lower() in _SKIP_SUFFIXES:
        return False
    return not name.upper().startswith("README")


def slug_part(text: str) -> str:
    """One URL-safe path component: lower-case letters, digits, ``.``, ``_`` and ``-``."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")
    return slug or "group"


def discover(patterns: list[str], base: Path) -> Discovery:
    """Expand the globs (relative to ``base``, the folder of mkdocs.yml) into datasets.

    A file matched by two globs is taken once, in the group of the first; the result
    is sorted so the site is the same on every machine.
    """
    seen: set[Path] = set()
    datasets: list[Dataset] = []
    roots: list[Path] = []
    empty: list[str] = []
    for pattern in patterns:
        root = glob_root(pattern, base).resolve()
        roots.append(root)
        matches = sorted(
            Path(p).resolve()
            for p in glob.glob(str(base / pattern), recursive=True)
        )
        # a file inside a corpus folder (one holding corpus.yml) stands for its corpus, once
        found = list(dict.fromkeys(corpus_root(p, root) or p for p in matches if is_dataset_file(p)))
        found = [p for p in found if p not in seen]
        if not found:
            empty.append(pattern)
        for path in found:
            seen.add(path)
            datasets.append(_dataset(path, root))
    datasets.sort(key=lambda d: (d.group, str(d.path)))
    return Discovery(datasets, roots, empty)


def _dataset(path: Path, root: Path) -> Dataset:
    try:
        folder = path.parent.relative_to(root).parts
    except ValueError:  # matched outside the fixed root (a ``..`` in the glob)
        folder = ()
    if not folder:
        return Dataset(path, DEFAULT_GROUP, DEFAULT_GROUP_TITLE)
    return Dataset(
        path,
        "/".join(slug_part(part) for part in folder),
        "/".join(folder),
    )
