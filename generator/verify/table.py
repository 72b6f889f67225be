"""Checks of a table report's claims, each read from its printed sentence against the re-read file.

``CHECKS`` maps an observation kind to its checker. A checker gets the claim (the
sentence exactly as a reader reads it, and its findings fields) and the
:class:`Evidence` (the file re-read by :mod:`generator.verify.source`, each cell's
level under the printed rule), and raises :class:`Untrue` saying why the sentence
is false or misleading; returning means it holds. Checkers read the *sentence*:
the fields only help to find which reading was meant, and a sentence whose fields
are right but whose words are wrong fails.

To add a kind, write ``def check_<kind>(claim, ev)`` here (or in a sibling module)
and add it to ``CHECKS``. A kind without a checker fails verification.
"""

from __future__ import annotations

import re
from functools import cached_property
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Callable

import numpy as np

from .reading import ELLIPSIS, Axis, Untrue, fold, listing, number, split, stands_for
from .source import RawTable


@dataclass(frozen=True)
class Claim:
    """One printed claim: where it is on the page, its kind, its sentence and its findings fields."""

    where: str  # "observation 3", "level rule", ...
    kind: str
    text: str
    fields: dict


@dataclass
class Evidence:
    """What checkers read: the file re-read, its axes in the report's order, and every cell's level."""

    raw: RawTable
    rows: Axis
    columns: Axis
    row_order: np.ndarray  # report row i is raw row row_order[i]
    column_order: np.ndarray
    names: tuple[str, ...]  # level names in legend order
    codes: np.ndarray  # [rows, columns] in report order: index into names, MISSING where empty
    values: np.ndarray | None  # [rows, columns] float in report order
    present: np.ndarray
    max_listed: int
    analysis: dict  # the findings' analysis settings: the thresholds a sentence prints must be these

    @cached_property
    def magnitudes(self) -> np.ndarray:
        """|value| of every cell, 0 where empty: computed once, read by every claim about shares."""
        # |NaN| -> 0 and |±inf| -> the largest float, as np.abs(np.nan_to_num(values)) gives them, in one
        # new array: each full-size temporary of a 2,000 × 2,000 table is 32 MB of fresh pages
        out = np.abs(self.values)
        np.nan_to_num(out, copy=False)
        out[~self.present] = 0.0
        return out

    @cached_property
    def valued(self) -> np.ndarray:
        """The values, NaN wherever the file gives none: made once for the claims about extremes."""
        return np.where(self.present, self.values, np.nan)

    @cached_property
    def total_magnitude(self) -> float:
        """The total |value|, the denominator of every printed share: summed once, not once per claim."""
        return float(self.magnitudes.sum())

    def decimal(self, r: int, c: int) -> Decimal:
        """A numeric cell's exact value (report order), from the file's digits."""
        return self.raw.decimal(int(self.row_order[r]), int(self.column_order[c]))

    def level(self, name: str) -> int:
        """The level a printed name stands for (folded as a reader sees it); two levels printing alike fail."""
        if len(name) > 2 and name[0] == "“" and name[-1] == "”":  # a name holding a separator is quoted
            name = name[1:-1]
        found = [i for i, n in enumerate(self.names) if fold(n) == fold(name)]
        if not found and name.endswith(ELLIPSIS):  # a long name cut for the sentence
            stem = fold(name[:-1])
            found = [i for i, n in enumerate(self.names) if fold(n).startswith(stem) and fold(n) != stem]
        if not found:
            raise Untrue(f"{name!r} is not one of the levels ({', '.join(self.names)})")
        if len(found) > 1:
            raise Untrue(f"the level {name!r} could be any of {len(found)} levels that print alike")
        return found[0]

    # --- reading names --------------------------------------------------------

    def row(self, printed: str) -> int:
        """A row as printed, with or without its noun ('layer 3' or '3')."""
        return _with_noun(self.rows, printed, "row")

    def column(self, printed: str) -> int:
        return _with_noun(self.columns, printed, "column")

    def row_list(self, text: str) -> list[int]:
        rows, more = listing(text, self.row)
        if more:
            raise Untrue(f"the rows {text!r} are not all named")
        if len(set(rows)) != len(rows):
            raise Untrue(f"the rows {text!r} name one row twice")
        return rows

    def cells(self, text: str) -> tuple[list[tuple[int, int]], int]:
        """'row a, column b; row c, column d and N more': the cells named, and how many more."""
        more = 0
        m = re.fullmatch(r"(.*) and (\d+) more", text)
        readings = _split_cells(text, self)
        if m:
            readings += [(r, int(m.group(2))) for r in _split_cells(m.group(1), self)]
            readings = [x if isinstance(x, tuple) else (x, 0) for x in readings]
        else:
            readings = [(x, 0) for x in readings]
        distinct = []
        for x in readings:
            if x not in distinct:
                distinct.append(x)
        if len(distinct) != 1:
            raise Untrue(f"the cells {text!r} read in {len(distinct)} ways")
        cells, more = distinct[0]
        return cells, more

    def ranges(self, text: str, step_note: str | None) -> tuple[list[int], int]:
        """Columns named by a ranges phrase ('16–20, 24 and 30–34', optional common step), and how
        many more ranges a long phrase leaves unlisted ('…, 30–34 and 120 more')."""
        common = None
        if step_note:
            m = re.fullmatch(r"each range in steps of (\S+)", step_note)
            k = re.fullmatch(r"each range takes every (\d+)(?:st|nd|rd|th) \w+", step_note)
            if m:
                common = ("value", number(m.group(1)))
            elif k:
                common = ("position", int(k.group(1)))
            else:
                raise Untrue(f"cannot read {step_note!r}")
        parts, more = listing(text, lambda part: self._range(part, common))
        out: list[int] = []
        for p in parts:
            out.extend(p)
        if len(set(out)) != len(out) or out != sorted(out):
            raise Untrue(f"the ranges {text!r} overlap or run out of order")
        return out, more

    def _range(self, part: str, common) -> list[int]:
        m = re.fullmatch(r"(.+) by (\S+)", part)
        step = None
        if m:
            part, step = m.group(1), m.group(2)
        readings = []
        try:
            readings.append([self.columns.identify(part)])
        except Untrue:
            pass
        for dash in re.finditer("–| to ", part):
            a, b = part[: dash.start()], part[dash.end():]
            try:
                readings.append(self._span(self.columns.identify(a), self.columns.identify(b), step, common))
            except Untrue:
                continue
        distinct = []
        for r in readings:
            if r not in distinct:
                distinct.append(r)
        if len(distinct) != 1:
            raise Untrue(f"{part!r} reads as {len(distinct)} different sets of columns")
        return distinct[0]

    def _span(self, a: int, b: int, step, common) -> list[int]:
        """The columns a range stands for (docs/reading-a-report.md): by value on numbers, else by position."""
        if self.columns.numeric:
            first, last = self.columns.numbers[a], self.columns.numbers[b]
            if last <= first:
                raise Untrue("a range must run upwards")
            by = number(step) if step else (common[1] if common and common[0] == "value" else None)
            if by is not None and by <= 0:
                raise Untrue("a range's step must be positive")
            # a numeric axis is in ascending order: the range is a run of positions, filtered by the step
            return [i for i in range(a, b + 1) if by is None or (self.columns.numbers[i] - first) % by == 0]
        if b <= a:
            raise Untrue("a range must run forwards")
        by = int(step) if step else (common[1] if common and common[0] == "position" else 1)
        return list(range(a, b + 1, by))


def _with_noun(axis: Axis, printed: str, what: str) -> int:
    try:
        return axis.identify(printed, what)
    except Untrue as plain:
        m = re.fullmatch(r"[a-z][a-z-]* (.+)", printed)
        if m and axis.numeric:
            return axis.identify(m.group(1), what)
        raise plain


def _split_cells(text: str, ev: Evidence, limit: int = 2) -> list[list[tuple[int, int]]]:
    """Every reading (up to ``limit``) of 'row a, column b; row c, column d' as cells.

    A label holding '; ' prints quoted, so the cells are read between the '; ' outside quotes,
    one part at a time (linear in the list, as docs/reading-a-report.md reads them); a part
    that reads as no cell makes the list unreadable."""
    parts = split(text, "; ")
    readings = [_cell_readings(part, ev) for part in parts]
    if all(readings):
        if all(len(r) == 1 for r in readings):
            return [[r[0] for r in readings]]
        first = [r[0] for r in readings]
        other = [r[-1] for r in readings]
        return [first, other][:limit]
    return []


def _cell_readings(part: str, ev: Evidence) -> list[tuple[int, int]]:
    """'row a, column b': each side starts with its axis noun, then the label."""
    found = []
    for m in re.finditer(", ", part):
        rows = _named(ev.rows, part[: m.start()])
        columns = _named(ev.columns, part[m.end():])
        found.extend((r, c) for r in rows for c in columns)
    return list(dict.fromkeys(found))


def _named(axis: Axis, text: str) -> list[int]:
    """'row a' (the noun, then the label), or a label that starts with its noun itself ('head 1')."""
    out = []
    for candidate in (_after_noun(text), text):
        if candidate is None:
            continue
        try:
            out.append(axis.identify(candidate))
        except Untrue:
            continue
    return list(dict.fromkeys(out))


def _after_noun(text: str) -> str | None:
    m = re.fullmatch(r"[a-z][a-z-]* (.+)", text)
    return m.group(1) if m else None


def _number(text: str) -> Decimal:
    value = number(text)
    if value is None:
        raise Untrue(f"{text!r} is not a number")
    return value


# --- the checkers ---------------------------------------------------------------


def check_identical_rows(claim: Claim, ev: Evidence) -> None:
    m = re.fullmatch(r"(.+) are identical: they hold the same (value|level) at "
                     r"(?:every one of their (\d+) (\w+)|their one (\w+))\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as an identity")
    rows = ev.row_list(m.group(1))
    count = int(m.group(3)) if m.group(3) else 1
    if len(rows) < 2:
        raise Untrue("an identity needs two rows")
    first = rows[0]
    for r in rows[1:]:
        if not np.array_equal(ev.present[r], ev.present[first]):
            raise Untrue(f"{ev.rows.texts[r]!r} and {ev.rows.texts[first]!r} have values at different columns")
        if ev.values is not None and not np.array_equal(ev.values[r], ev.values[first], equal_nan=True):
            raise Untrue(f"{ev.rows.texts[r]!r} and {ev.rows.texts[first]!r} differ in value")
        if not np.array_equal(ev.codes[r], ev.codes[first]):
            raise Untrue(f"{ev.rows.texts[r]!r} and {ev.rows.texts[first]!r} differ in level")
    filled = int(ev.present[first].sum())
    if filled == 0:
        raise Untrue("the rows have no value at all: an identity about nothing")
    if filled != count:
        raise Untrue(f"the rows have values at {filled} columns, not {count}")


def check_level_runs(claim: Claim, ev: Evidence) -> None:
    readings = []
    for cut in re.finditer(": ", claim.text):  # labels and level names may hold ': ' themselves
        m = re.fullmatch(r"(.+?) at (\d+) \w+: (.+?)(?: \((each range .+)\))?\.", claim.text[cut.end():])
        if not m:
            continue
        try:
            readings.append((ev.row_list(claim.text[: cut.start()]), ev.level(m.group(1)), m))
        except Untrue:
            continue
    if len({(tuple(r), level) for r, level, _ in readings}) != 1:
        raise Untrue("the sentence does not read as one level's columns of named rows")
    rows, level, m = readings[0]
    cols, more = ev.ranges(m.group(3), m.group(4))
    count = int(m.group(2))
    if (len(cols) != count) if not more else (len(cols) + more > count):
        raise Untrue(f"the ranges name {len(cols)} columns and {more} more ranges, the sentence says {count} columns")
    for r in rows:
        actual = np.flatnonzero(ev.codes[r] == level).tolist()
        if len(actual) != count or actual[: len(cols)] != cols:
            raise Untrue(f"row {ev.rows.texts[r]!r} is {ev.names[level]} at {len(actual)} columns, not those named")


def check_periodic(claim: Claim, ev: Evidence) -> None:
    phase = (r"(?:odd|even)-numbered \w+|\w+ whose number is \d+ more than a multiple of \d+"
             r"|\d+(?:st|nd|rd|th) \w+ counting from the \d+(?:st|nd|rd|th)")
    m = re.fullmatch(rf"In (every \w+|.+?), every ({phase}) is (.+?) \((\d+) \w+\)"
                     r"(?:, and no (even|odd)-numbered \w+ is|, and no other \w+ is (.+?))?\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a period")
    rows = list(range(len(ev.rows))) if m.group(1).startswith("every ") and _every(m.group(1), ev) \
        else ev.row_list(m.group(1))
    level = ev.level(m.group(3))
    on = _phase(m.group(2), ev)
    if int(m.group(4)) != int(on.sum()):
        raise Untrue(f"{int(on.sum())} columns are on that phase, not {m.group(4)}")
    if not on.any() or on.all():
        raise Untrue("a period needs columns on and off its phase")
    block = ev.codes[rows]
    if not np.all(block[:, on] == level):
        raise Untrue(f"not every on-phase column is {ev.names[level]}")
    exclusive = m.group(5) or m.group(6)
    if m.group(6) and m.group(6) != m.group(3):
        raise Untrue("the sentence names two levels")
    if m.group(5) and ("even" if _is_odd(m.group(2)) else "odd") != m.group(5):
        raise Untrue("odd and even mixed up")
    if exclusive and np.any(block[:, ~on] == level):
        raise Untrue(f"{ev.names[level]} occurs off the phase too")


def _every(text: str, ev: Evidence) -> bool:
    return len(ev.rows) > 1


def _is_odd(phase: str) -> bool:
    return phase.startswith("odd")


def _phase(text: str, ev: Evidence) -> np.ndarray:
    """The columns 'odd-numbered position', 'position whose number is 2 more than a multiple of 3', or
    '3rd position counting from the 2nd' stand for."""
    n = len(ev.columns)
    m = re.fullmatch(r"(odd|even)-numbered \w+", text)
    if m:
        if not ev.columns.whole:
            raise Untrue("odd and even need whole-number labels")
        parity = 1 if m.group(1) == "odd" else 0
        return np.array([int(x) % 2 == parity for x in ev.columns.numbers])
    m = re.fullmatch(r"\w+ whose number is (\d+) more than a multiple of (\d+)", text)
    if m:
        if not ev.columns.whole:
            raise Untrue("a period by number needs whole-number labels")
        phase, period = int(m.group(1)), int(m.group(2))
        numbers = [int(x) for x in ev.columns.numbers]
        steps = {b - a for a, b in zip(numbers, numbers[1:])}
        if len(steps) > 1:
            raise Untrue("a period by number needs labels in arithmetic progression; count by position instead")
        return np.array([x % period == phase for x in numbers])
    m = re.fullmatch(r"(\d+)(?:st|nd|rd|th) \w+ counting from the (\d+)(?:st|nd|rd|th)", text)
    if m:
        period, start = int(m.group(1)), int(m.group(2)) - 1
        return np.array([i >= start and (i - start) % period == 0 for i in range(n)])
    raise Untrue(f"cannot read the phase {text!r}")


def check_axis_gaps(claim: Claim, ev: Evidence) -> None:
    m = re.fullmatch(r"The (.+) axis runs from (\S+) to (\S+)(?: in steps of (\S+))?, but has no \w+ for (.+) "
                     r"\((\d+) missing\)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as axis gaps")
    axis = ev.columns if claim.fields.get("axis") == "columns" else ev.rows
    if not axis.numeric:
        raise Untrue("gaps need a numeric axis")
    first, last = number(m.group(2)), number(m.group(3))
    step = number(m.group(4)) if m.group(4) else Decimal(1)
    labels = sorted(axis.numbers)
    if labels[0] != first or labels[-1] != last:
        raise Untrue(f"the axis runs from {labels[0]} to {labels[-1]}")
    if any((x - first) % step for x in labels):
        raise Untrue("a label is off the stated steps")
    present = {x.normalize() for x in labels}
    count = int((last - first) / step) + 1
    absent = [first + i * step for i in range(count) if (first + i * step).normalize() not in present]
    named, more = listing(m.group(5), _number)
    if None in named:
        raise Untrue("a missing label that is not a number")
    if [x.normalize() for x in named] != [x.normalize() for x in absent[: len(named)]] or \
            len(named) + more != len(absent) or int(m.group(6)) != len(absent):
        raise Untrue(f"the missing labels are {len(absent)}: not those named")


def check_missing_cells(claim: Claim, ev: Evidence) -> None:
    m = re.fullmatch(r"(\d+) of (\d+) cells (?:has|have) no value: (.+)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as missing cells")
    missing = [tuple(x) for x in np.argwhere(~ev.present).tolist()]
    if int(m.group(1)) != len(missing) or int(m.group(2)) != ev.present.size:
        raise Untrue(f"{len(missing)} of {ev.present.size} cells have no value")
    cells, more = ev.cells(m.group(3))
    if cells != missing[: len(cells)] or len(cells) + more != len(missing):
        raise Untrue("the cells named are not the empty ones")


def check_extremes(claim: Claim, ev: Evidence) -> None:
    m = re.fullmatch(r"The (largest|smallest) value, (\S+), is at (.+)\.", claim.text) or \
        re.fullmatch(r"The (strongest positive|strongest negative) effect is (\S+), at (.+)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as an extreme")
    if ev.values is None:
        raise Untrue("extremes of category labels")
    values = ev.valued
    which = m.group(1)
    if which in ("largest", "smallest") and np.nanmin(values) < 0:
        raise Untrue("with negative values, 'largest' and 'smallest' hide the strongest effect: name it with its sign")
    target = np.nanmax(values) if which in ("largest", "strongest positive") else np.nanmin(values)
    if which == "strongest positive" and not target > 0 or which == "strongest negative" and not target < 0:
        raise Untrue("no effect of that sign")
    at = [tuple(x) for x in np.argwhere(values == target).tolist()]
    exact = {ev.decimal(r, c) for r, c in at}
    if len(exact) != 1:
        raise Untrue("cells tie as floats but differ in their digits")
    if not stands_for(m.group(2), exact.pop()):
        raise Untrue(f"the value is not {m.group(2)}")
    tail = m.group(3)
    k = re.fullmatch(r"(\d+) cells: (.+)", tail)
    if k:
        if int(k.group(1)) != len(at):
            raise Untrue(f"{len(at)} cells hold it, not {k.group(1)}")
        tail = k.group(2)
    elif len(at) > 1:
        raise Untrue(f"{len(at)} cells tie for it; the sentence must say how many")
    cells, more = ev.cells(tail)
    if cells != at[: len(cells)] or len(cells) + more != len(at):
        raise Untrue("the cells named are not those holding the value")


def check_empty(claim: Claim, ev: Evidence) -> None:
    m = re.fullmatch(r"(.+) (?:has|have) no value at all\.", claim.text)
    if m:
        rows = ev.row_list(m.group(1))
        if any(ev.present[r].any() for r in rows):
            raise Untrue("a row named has a value")
        return
    m = re.fullmatch(r"No \w+ has a value at \w+ (.+)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as empty rows or columns")
    cols, more = listing(m.group(1), ev.column)
    if more or len(set(cols)) != len(cols):
        raise Untrue("the columns are not all named, once each")
    if any(ev.present[:, c].any() for c in cols):
        raise Untrue("a column named has a value")


def check_similar_rows(claim: Claim, ev: Evidence) -> None:
    m = re.fullmatch(r"(.+) are similar but not identical: they agree at (\d+) of their (\d+) shared \w+s "
                     r"\(at least (\S+) counts as similar\)\.", claim.text)
    if m and ev.values is None:
        a, b = ev.row_list(m.group(1))
        shared = ev.present[a] & ev.present[b]
        agree = int(np.sum(shared & (ev.codes[a] == ev.codes[b])))
        if agree != int(m.group(2)) or int(shared.sum()) != int(m.group(3)):
            raise Untrue(f"they agree at {agree} of {int(shared.sum())}")
        if agree == shared.sum():
            raise Untrue("they agree everywhere they are both filled")
        if Fraction(agree, int(shared.sum())) < Fraction(number(m.group(4))):
            raise Untrue("below the threshold")
        return
    m = re.fullmatch(r"(.+) are close in value but not identical: at their (\d+) shared \w+s they differ by at most "
                     r"(\S+) \(at most (\S+) counts as close\)\.", claim.text)
    if not m or ev.values is None:
        raise Untrue("the sentence does not read as a similarity")
    a, b = ev.row_list(m.group(1))
    shared = ev.present[a] & ev.present[b]
    if int(shared.sum()) != int(m.group(2)):
        raise Untrue(f"they share {int(shared.sum())} columns")
    diff = max(abs(ev.decimal(a, c) - ev.decimal(b, c)) for c in np.flatnonzero(shared))
    if diff == 0:
        raise Untrue("they are identical where both are filled")
    if not stands_for(m.group(3), diff):
        raise Untrue(f"they differ by up to {diff}, not {m.group(3)}")
    limit = number(m.group(4))
    if limit is None or diff > limit:
        raise Untrue("they differ by more than the threshold")


def _dec(x: Fraction) -> Decimal:
    return Decimal(x.numerator) / Decimal(x.denominator)


Checker = Callable[[Claim, Evidence], None]

CHECKS: dict[str, Checker] = {
    "identical_rows": check_identical_rows,
    "level_runs": check_level_runs,
    "periodic": check_periodic,
    "axis_gaps": check_axis_gaps,
    "missing_cells": check_missing_cells,
    "extremes": check_extremes,
    "similar_rows": check_similar_rows,
    "empty": check_empty,
}


def all_checks() -> dict[str, Checker]:
    """Every table kind's checker: this module's and those of the ranked kinds' sibling modules."""
    from . import categorical_kinds, numeric_kinds

    return {**CHECKS, **numeric_kinds.CHECKS, **categorical_kinds.CHECKS}
