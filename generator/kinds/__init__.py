"""The kinds of dataset the tool reads, each one path through the stages.

A kind is a table (rows × columns: :mod:`generator.kinds.table`) or an attention
tensor (layers × heads × queries × keys: :mod:`generator.kinds.tensor`). Each
offers the same three steps — ``load`` a file with its sidecar metadata and
settings, ``analyse`` it, ``render`` the analysis into a
:class:`~generator.output.bundle.ReportBundle` — so :mod:`generator.pipeline`
runs every kind the same way, and a new kind is one new module added to
:data:`KINDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from generator.kinds import corpus, table, tensor
from generator.load.corpus import is_corpus


@dataclass(frozen=True)
class Kind:
    """One kind of dataset: which files it takes, and its load → analyse → render steps.

    ``load(path, meta, settings)`` reads the file once (so the recorded hash is of
    exactly the bytes parsed) and raises :class:`~generator.errors.InputError`;
    ``analyse(loaded)`` returns the kind's analysis; ``render(loaded, analysis,
    slug=, templates_dir=)`` returns the bundle. Every loaded object has ``name``.
    """

    name: str
    suffixes: frozenset[str]
    load: Callable[..., Any]
    analyse: Callable[[Any], Any]
    render: Callable[..., Any]
    sidecar: Callable[[Path], tuple] | None = None
    """Reads the dataset's metadata and settings overrides; None: the ``<name>.yml`` sidecar."""


KINDS: tuple[Kind, ...] = (
    Kind("table", frozenset(table.SUFFIXES), table.load, table.analyse, table.render),
    Kind("tensor", frozenset(tensor.SUFFIXES), tensor.load, tensor.analyse, tensor.render),
    Kind("corpus", corpus.SUFFIXES, corpus.load, corpus.analyse, corpus.render, corpus.sidecar),
)


def kind_for(path: Path) -> Kind:
    """The kind whose suffixes include the file's (tables take anything else: their loader says what is wrong)."""
    if is_corpus(path):
        return next(kind for kind in KINDS if kind.name == "corpus")
    suffix = Path(path).suffix.lower()
    for kind in KINDS:
        if suffix in kind.suffixes:
            return kind
    return KINDS[0]


def dataset_suffixes() -> set[str]:
    return set().union(*(kind.suffixes for kind in KINDS))
