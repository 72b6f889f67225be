"""The observation kinds of a table, each with the evidence it carries.

An observation is a claim about the data. The analysis finds it; the verify stage
(:mod:`generator.verify`) then checks the sentence the report prints for it
against the data file read again from its bytes, and only claims that pass are
printed. The fields here are exactly the findings JSON fields (see
``docs/findings.md``); ``kind`` names the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import ClassVar

from generator.load.dataset import Label


def period_keys(columns, period: int) -> tuple[list[int], str]:
    """What a periodic claim with this period counts by: ``"label"`` or ``"position"``, and each column's key.

    By label only when every label is a whole number (``3`` or ``3.0``), and, for a
    period above 2, the labels step evenly (so 'every 3rd by number' is a rhythm a
    reader can see); otherwise by 0-based position ('every 3rd column').
    """
    labels = list(columns)
    whole = bool(labels) and all(isinstance(x, (int, float)) and not isinstance(x, bool) and float(x).is_integer()
                                 for x in labels)
    if whole:
        keys = [int(x) for x in labels]
        steps = {b - a for a, b in zip(keys, keys[1:])}
        if period == 2 or len(steps) <= 1:
            return keys, "label"
    return list(range(len(labels))), "position"


@dataclass(frozen=True)
class Observation:
    kind: ClassVar[str] = ""

    def fields(self) -> dict:
        """The findings fields, as they are: ``dataclasses.asdict`` would deep-copy every list
        (a tenth of a second on a 2,000 × 2,000 table), and the renderers copy them anyway."""
        return {"kind": self.kind, **{f.name: getattr(self, f.name) for f in dataclass_fields(self)}}


@dataclass(frozen=True)
class IdenticalRows(Observation):
    """These rows hold the same value in every column (missing where the others are missing)."""

    kind: ClassVar[str] = "identical_rows"
    rows: list
    positions: int
    levels: int
    """How many distinct levels the rows hold: 1 (constant rows) supports no reading of a shared mechanism."""


@dataclass(frozen=True)
class EmptyRows(Observation):
    """Rows (or columns, ``axis``) with no value at all: said plainly, never as a claim about 0 cells."""

    kind: ClassVar[str] = "empty"
    axis: str
    labels: list


@dataclass(frozen=True)
class SimilarRows(Observation):
    """Two rows that are not identical but close in value (numbers) or mostly the same level (categories).

    ``metric`` ``max_difference``: ``value`` is the largest absolute difference over the
    ``shared`` columns where both have a value, at most ``threshold``. ``agreement``:
    the rows hold the same level at ``agree`` of their ``shared`` columns, a share
    (``value``) of at least ``threshold``.
    """

    kind: ClassVar[str] = "similar_rows"
    rows: list
    metric: str
    value: float
    threshold: float
    shared: int
    agree: int | None = None


@dataclass(frozen=True)
class Periodic(Observation):
    """In each listed row, every column whose key is ``phase`` mod ``period`` has ``level``.

    ``by`` says what the key is (see :func:`period_keys`): the whole-number ``label``
    or the 0-based ``position``. ``exclusive``: the level appears in no other column of these rows.
    """

    kind: ClassVar[str] = "periodic"
    rows: list
    period: int
    phase: int
    level: str
    exclusive: bool
    columns: int
    by: str = "label"


@dataclass(frozen=True)
class LevelRuns(Observation):
    """All columns of ``row`` holding ``level``, and the ranges they compress into."""

    kind: ClassVar[str] = "level_runs"
    row: Label
    level: str
    columns: list
    ranges: list
    same_rows: list
    """Other rows identical to this one, which the sentence covers too."""


@dataclass(frozen=True)
class AxisGaps(Observation):
    """Labels a regular progression (first label, step, last label) would have but the axis lacks."""

    kind: ClassVar[str] = "axis_gaps"
    axis: str
    step: float
    first: float
    last: float
    missing: list


@dataclass(frozen=True)
class MissingCells(Observation):
    """Every cell with no value: absent from a tidy file, or empty in a wide one."""

    kind: ClassVar[str] = "missing_cells"
    cells: list
    total: int


@dataclass(frozen=True)
class Extremes(Observation):
    """All cells holding the largest (``max``) or smallest (``min``) value.

    In signed data (or data with no positive value) the extremes are effects with a
    sign: ``strongest_positive`` (the largest value, above 0) and ``strongest_negative``
    (the smallest, below 0), so the page never calls −0.001 "the largest value".
    """

    kind: ClassVar[str] = "extremes"
    extreme: str
    value: float
    cells: list


ALL_KINDS = (IdenticalRows, EmptyRows, SimilarRows, Periodic, LevelRuns, AxisGaps, MissingCells, Extremes)
