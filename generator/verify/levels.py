"""Level rules in exact arithmetic: the rule the settings define, and the rule as the page prints it.

Both are applied to every cell from the file's own digits. Where a cell's float lies
on the other side of a cut's float the comparison is already decided (rounding to
the nearest float never reverses an order), so only cells whose float equals the
cut's are compared exactly, from their digits: exact, and still vectorised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from .reading import Untrue, approx
from .source import RawTable

MISSING = -1


@dataclass(frozen=True)
class Cut:
    """``value`` and whether a cell equal to it is inside (``at or above`` / ``at or below``)."""

    value: Fraction
    inclusive: bool = True


@dataclass(frozen=True)
class Rule:
    """Three levels by two cuts: ``>= high`` (or ``> high``) is names[0], ``<= low`` names[2], else names[1].

    ``high`` wins where both apply. ``None`` cuts: every cell is names[1].
    """

    names: tuple[str, ...]
    high: Cut | None
    low: Cut | None


def codes(raw: RawTable, rule: Rule) -> np.ndarray:
    """Each cell's level as an index into ``rule.names`` (``MISSING`` where the cell is empty)."""
    out = np.full(raw.present.shape, MISSING, dtype=np.int8)
    if raw.values is None:
        raise Untrue("a level rule for numbers, but the file's cells are not all numbers")
    out[raw.present] = 1
    if rule.low is not None:
        out[_side(raw, rule.low, below=True)] = 2
    if rule.high is not None:
        out[_side(raw, rule.high, below=False)] = 0
    return out


def in_both(raw: RawTable, rule: Rule) -> np.ndarray:
    """The cells that satisfy both of the rule's conditions (``>= high`` and ``<= low``, as written)."""
    if rule.high is None or rule.low is None:
        return np.zeros(raw.present.shape, dtype=bool)
    return _side(raw, rule.high, below=False) & _side(raw, rule.low, below=True)


def _side(raw: RawTable, cut: Cut, *, below: bool) -> np.ndarray:
    values = raw.values
    edge = float(cut.value)
    with np.errstate(invalid="ignore"):
        inside = values < edge if below else values > edge
        tied = values == edge
    for r, c in (np.argwhere(tied) if tied.any() else ()):  # a cut's float rarely ties a cell's
        exact = raw.exact(r, c)
        inside[r, c] = (exact < cut.value or (cut.inclusive and exact == cut.value)) if below else \
            (exact > cut.value or (cut.inclusive and exact == cut.value))
    return inside & raw.present


def category_codes(raw: RawTable, names: tuple[str, ...]) -> np.ndarray:
    """Categorical cells as indexes into ``names`` (the legend order)."""
    if raw.categories is None:
        raise Untrue("categories named, but the file's cells are numbers")
    index = {name: i for i, name in enumerate(names)}
    out = np.full(raw.present.shape, MISSING, dtype=np.int8)
    for (r, c), text in np.ndenumerate(raw.categories):
        if raw.present[r, c]:
            if text not in index:
                raise Untrue(f"category {text!r} of the file is not in the legend")
            out[r, c] = index[text]
    return out


def exact_rule(raw: RawTable, levels: dict, settings: dict) -> Rule:
    """The rule the settings define, computed exactly from the file's digits."""
    names = tuple(levels["names"])
    present = raw.present & ~np.isnan(raw.values)
    if not present.any():
        raise Untrue("no cell has a value")
    lo_at = np.unravel_index(np.argmin(np.where(present, raw.values, np.inf)), raw.values.shape)
    hi_at = np.unravel_index(np.argmax(np.where(present, raw.values, -np.inf)), raw.values.shape)
    lo, hi = _extreme(raw, lo_at, smallest=True), _extreme(raw, hi_at, smallest=False)
    rule = settings["rule"]
    if rule == "thirds":
        if lo == hi:
            return Rule(names, None, None)
        if levels.get("signed"):
            cut = max(abs(lo), abs(hi)) / 3
            return Rule(names, Cut(cut), Cut(-cut))
        third = (hi - lo) / 3
        return Rule(names, Cut(lo + 2 * third), Cut(lo + third))
    high, low = _decimal(settings["high"]), _decimal(settings["low"])
    if rule == "thresholds":
        return Rule(names, Cut(high), Cut(low, inclusive=low < high))
    if rule == "quantiles":
        qh, ql = _quantile(raw, present, high), _quantile(raw, present, low)
        return Rule(names, Cut(qh), Cut(ql, inclusive=ql < qh))
    raise Untrue(f"unknown level rule {rule!r}")


def _extreme(raw: RawTable, at, *, smallest: bool) -> Fraction:
    """The exact extreme: every cell whose float ties the extreme float is compared by its digits."""
    target = raw.values[at]
    ties = np.argwhere((raw.values == target) & raw.present)
    if len(ties) <= 1:
        return raw.exact(*at)
    texts = {raw.digits(int(r), int(c)) for r, c in ties}  # a tie's cells mostly write the same digits
    exact = [Fraction(Decimal(text)) for text in texts]
    return min(exact) if smallest else max(exact)


def _decimal(x) -> Fraction:
    return Fraction(Decimal(repr(float(x))))


def _quantile(raw: RawTable, present: np.ndarray, q) -> Fraction:
    """numpy's default (linear) quantile, exactly: between the order statistics at (n - 1) q."""
    values = raw.values[present]
    where = np.argwhere(present)
    n = values.size
    h = (n - 1) * _decimal(q)
    below = int(h)  # floor: h >= 0
    order = np.argsort(values, kind="stable")
    a = raw.exact(*where[order[below]])
    if h == below:
        return a
    b = raw.exact(*where[order[below + 1]])
    return a + (h - below) * (b - a)


_RULE = re.compile(
    r"cells at or above (?P<high>\S+) are (?P<a>.+?), cells (?P<incl>at or below|below) (?P<low>\S+) are (?P<b>.+?)"
    r"(?:, the rest are (?P<c>.+?)| and none are (?P<none>.+?))$")
_EQUAL = re.compile(r"every value is (?P<v>\S+), so every cell is (?P<c>.+)$")


def printed_rule(text: str) -> tuple[Rule, tuple[str, ...]]:
    """The rule as a reader applies the printed sentence, and the level names it gives in order."""
    m = _EQUAL.match(text)
    if m:
        return Rule((m["c"], m["c"], m["c"]), None, None), (m["c"],)
    m = _RULE.match(text)
    if not m:
        raise Untrue(f"cannot read the level rule {text!r}")
    high, low = approx(m["high"]), approx(m["low"])
    if high is None or low is None or high[1] or low[1]:
        raise Untrue("a level rule's cut points must be printed exactly")
    middle = m["c"] or m["none"]
    names = (m["a"], middle, m["b"])
    return Rule(names, Cut(Fraction(high[0])), Cut(Fraction(low[0]), inclusive=m["incl"] == "at or below")), names
