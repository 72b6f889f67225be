"""The typed objects the load stage hands to analysis: a labelled matrix and its metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np

#: A row or column label exactly as in the data: numbers stay numbers.
Label = Union[str, int, float]


@dataclass(frozen=True)
class Metadata:
    """What the sidecar ``<name>.yml`` says about a dataset; every field is optional."""

    title: str | None = None
    description: str | None = None
    row_axis: str | None = None
    column_axis: str | None = None
    values: str | None = None
    """What the numbers mean: ``attention``, ``effect`` (signed), ``categories`` or ``other``."""
    categories: tuple[str, ...] = ()
    """Category order for categorical data (legend order)."""
    context: str | None = None
    """Free text about the experiment, quoted in the Interpretation section."""
    tokens: tuple[str, ...] = ()
    overrides: dict = field(default_factory=dict)
    """Settings overrides from the sidecar, already merged into the dataset's settings."""


@dataclass(frozen=True)
class Matrix:
    """A labelled grid of cells.

    ``values`` holds floats (NaN marks a missing cell) when ``kind`` is
    ``numeric``; for ``categorical`` it is an object array of level names with
    ``None`` for missing cells. Rows keep the order of the file; numeric column
    labels are sorted numerically, other labels keep the order of the file.
    """

    rows: tuple[Label, ...]
    columns: tuple[Label, ...]
    values: np.ndarray
    kind: str
    axis_names: tuple[str, str] | None = None
    """A tidy file's row and column header names when a mapping renamed them (``layer``, ``token``):
    the axes are called that unless the sidecar names them."""

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rows), len(self.columns))

    @property
    def missing(self) -> np.ndarray:
        if self.kind == "numeric":
            return np.isnan(self.values)
        return np.vectorize(lambda v: v is None, otypes=[bool])(self.values)


@dataclass(frozen=True)
class Dataset:
    """One input file, loaded and validated, with where it came from."""

    name: str
    source: str
    sha256: str
    matrix: Matrix
    meta: Metadata
