"""Turn a matrix into a grid of named levels, by a rule the report can state in words.

Observations are about levels ("every odd column is Low"), so numeric data needs
levels too. The rule and the cut points it produced are kept in
:class:`LevelScheme`, which the report prints and the findings record, so a
reader can redo the split by hand.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np

from generator.errors import InputError
from generator.load.dataset import Label, Matrix
from generator.settings import LevelRule

#: Known category vocabularies and the order their legend should take.
KNOWN_ORDERS = (("High", "Neutral", "Low"), ("Positive", "Neutral", "Negative"))


@dataclass(frozen=True)
class LevelScheme:
    """Which levels exist, in legend order, and how numeric values were cut into them.

    For numeric data ``high_from`` and ``low_to`` are the cut points: a cell
    ``>= high_from`` is the first level, ``<= low_to`` the last, anything between
    the middle one (where the two cuts are equal, a cell on them is the first
    level). ``basis`` says where the cut points came from. The cuts are computed
    exactly from the values' decimal digits; ``high_stated`` and ``low_stated`` are
    the decimals the page prints: the shortest (at least 4 significant digits) that
    put every cell in the same level as the exact cut, so the rule as printed is
    the rule applied.
    """

    names: tuple[str, ...]
    rule: str
    signed: bool = False
    high_from: float | None = None
    low_to: float | None = None
    basis: str = ""
    minimum: float | None = None
    maximum: float | None = None
    high_stated: str | None = None
    low_stated: str | None = None


@dataclass(frozen=True)
class LevelGrid:
    """The grid analysis reads: labels, one level name per cell (None = missing), raw values."""

    rows: tuple[Label, ...]
    columns: tuple[Label, ...]
    levels: np.ndarray  # object array of str | None
    values: np.ndarray | None  # float array (NaN = missing) for numeric data
    scheme: LevelScheme

    @property
    def numeric_columns(self) -> bool:
        return all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in self.columns)

    @functools.cached_property
    def codes(self) -> np.ndarray:
        """Each cell's level as its index in ``scheme.names`` (-1 = missing; int8 up to 126 levels).

        The same grid as ``levels``, in a form numpy compares a whole grid at a time
        (an object array of strings is compared one Python call per cell). Computed
        from ``levels`` on first use; :func:`level_grid` fills it with the very codes
        it made ``levels`` from.
        """
        return _codes_of(self.levels, self.scheme.names)

    def holding(self, name: str) -> np.ndarray:
        """The cells of level ``name``: ``levels == name``, compared as codes (a name listed twice
        holds the codes of its last listing, as :func:`_codes_of` gives them)."""
        code = {n: i for i, n in enumerate(self.scheme.names)}.get(name)
        return np.zeros(self.codes.shape, dtype=bool) if code is None else self.codes == code

    @functools.cached_property
    def level_counts(self) -> dict[str, int]:
        """Each level's cells, from one count of the codes (a name listed twice holds the cells of its
        last listing, as :meth:`holding` gives them); the cells with a level are their sum."""
        per_code = np.bincount(self.codes.ravel().astype(np.int64) + 1, minlength=len(self.scheme.names) + 1)
        return {name: int(per_code[k + 1]) for k, name in enumerate(self.scheme.names)}

    @functools.cached_property
    def magnitudes(self) -> np.ndarray:
        """|value| of every cell, 0 where empty: made once for the finders that weigh cells by it."""
        return np.nan_to_num(np.abs(self.values), copy=False)

    @functools.cached_property
    def finite(self) -> np.ndarray:
        """The values that are there (NaN dropped), flat: made once for the finders that summarise them."""
        return self.values[~np.isnan(self.values)]

    @functools.cached_property
    def total_magnitude(self) -> float:
        """The total |value|, every share's denominator: summed once, not once per finder."""
        return float(np.nansum(np.abs(self.values)))

    @functools.cached_property
    def present(self) -> np.ndarray:
        """The cells holding a level: ``levels != None``, from the codes."""
        return self.codes >= 0


def level_grid(matrix: Matrix, rule: LevelRule, *, source: str, categories: tuple[str, ...] = (),
               values_meaning: str | None = None) -> LevelGrid:
    if matrix.kind == "categorical":
        scheme = LevelScheme(names=_category_order(matrix.values, categories), rule="categories")
        return LevelGrid(matrix.rows, matrix.columns, matrix.values, None, scheme)
    values = matrix.values
    finite = values[~np.isnan(values)]  # one copy for the scheme, its printed cuts and the finders
    scheme, high_cut, low_cut = _numeric_scheme(finite, rule, source, values_meaning)
    codes = np.ones(values.shape, dtype=np.int8)  # the middle level
    if high_cut is not None:
        codes[_at_or_below(values, low_cut)] = 2
        codes[_at_or_above(values, high_cut)] = 0  # where the cut points meet, the first level wins
        scheme = _stated(scheme, finite, high_cut, low_cut)
    codes[np.isnan(values)] = -1
    levels = np.array([*scheme.names, None], dtype=object)[codes]  # code -1 picks the None at the end
    grid = LevelGrid(matrix.rows, matrix.columns, levels, values, scheme)
    grid.__dict__["codes"] = codes  # the cached_property's slot: these are the codes levels came from
    grid.__dict__["finite"] = finite
    return grid


def _codes_of(levels: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    index = {name: i for i, name in enumerate(names)}
    flat = [-1 if x is None else index.get(x, -2) for x in levels.ravel().tolist()]
    codes = np.array(flat, dtype=np.int8 if len(names) < 127 else np.int32).reshape(levels.shape)
    if (codes == -2).any():
        raise ValueError("a level outside the scheme's names")
    return codes


def exact(x: float) -> Fraction:
    """A value as the decimal its shortest digits write (what the file said), exactly."""
    return Fraction(Decimal(repr(float(x))))


def _at_or_above(values: np.ndarray, cut: Fraction) -> np.ndarray:
    """values >= cut, exactly: floats decide unless a value's float equals the cut's, then its digits do."""
    edge = float(cut)
    with np.errstate(invalid="ignore"):
        out = values > edge
        for i in np.flatnonzero(values.ravel() == edge):
            out.flat[i] = exact(values.flat[i]) >= cut
    return out


def _at_or_below(values: np.ndarray, cut: Fraction) -> np.ndarray:
    edge = float(cut)
    with np.errstate(invalid="ignore"):
        out = values < edge
        for i in np.flatnonzero(values.ravel() == edge):
            out.flat[i] = exact(values.flat[i]) <= cut
    return out


def _stated(scheme: LevelScheme, finite: np.ndarray, high: Fraction, low: Fraction) -> LevelScheme:
    """The shortest printable cuts (from 4 significant digits up) under which every cell keeps its level
    (``finite``: the values that are there)."""
    want_high, want_low = _at_or_above(finite, high), _at_or_below(finite, low)
    for digits in range(4, 30):
        high_text, low_text = _round(high, digits), _round(low, digits)
        same_cut = high == low
        if (high_text == low_text) != same_cut:
            continue
        printed_high, printed_low = Fraction(Decimal(high_text)), Fraction(Decimal(low_text))
        below = _below(finite, printed_low) if same_cut else _at_or_below(finite, printed_low)
        if np.array_equal(_at_or_above(finite, printed_high), want_high) and np.array_equal(below, want_low & ~want_high):
            return replace(scheme, high_stated=high_text, low_stated=low_text)
    return replace(scheme, high_stated=_round(high, 40), low_stated=_round(low, 40))


def _below(values: np.ndarray, cut: Fraction) -> np.ndarray:
    return ~_at_or_above(values, cut)


def _round(x: Fraction, digits: int) -> str:
    """``x`` to ``digits`` significant digits, as plain decimal text without needless zeros."""
    if x == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits
        d = +(Decimal(x.numerator) / Decimal(x.denominator))
    d = d.normalize()
    return format(d, "f")


def _category_order(values: np.ndarray, categories: tuple[str, ...]) -> tuple[str, ...]:
    present = list(dict.fromkeys(v for v in values.ravel() if v is not None))
    if categories:
        return tuple(categories)
    for order in KNOWN_ORDERS:
        if set(present) <= set(order):
            return tuple(name for name in order if name in present)
    return tuple(present)


def _numeric_scheme(finite: np.ndarray, rule: LevelRule, source: str,
                    meaning: str | None) -> tuple[LevelScheme, Fraction | None, Fraction | None]:
    """The scheme and its two exact cuts (None when every value is equal), from the values that are there."""
    if finite.size == 0:
        raise InputError.at(source, "values", "every cell is missing")
    lo, hi = float(finite.min()), float(finite.max())
    signed = meaning == "effect" or (lo < 0 < hi and meaning != "attention")
    if rule.rule == "thresholds" and meaning != "effect" and rule.low is not None and not rule.low < 0 < (rule.high or 0):
        signed = False  # fixed cut points on one side of zero do not split around it (gates near 0 and 1)
    names = ("Positive", "Neutral", "Negative") if signed else ("High", "Neutral", "Low")
    if rule.names:
        names = tuple(rule.names)
    common = dict(names=names, rule=rule.rule, signed=signed, minimum=lo, maximum=hi)

    def scheme(high: Fraction, low: Fraction, basis: str):
        return LevelScheme(**common, high_from=float(high), low_to=float(low), basis=basis), high, low

    if rule.rule == "thirds":
        if lo == hi:
            return LevelScheme(**common, high_from=float("inf"), low_to=float("-inf"),
                               basis="all values are equal"), None, None
        if signed:
            cut = max(abs(exact(lo)), abs(exact(hi))) / 3
            return scheme(cut, -cut, "a third of the largest magnitude")
        third = (exact(hi) - exact(lo)) / 3
        return scheme(exact(lo) + 2 * third, exact(lo) + third, "thirds of the value range")
    if rule.high is None or rule.low is None:
        raise InputError.at(source, "levels", f"rule '{rule.rule}' needs both 'high' and 'low'")
    if rule.low > rule.high:
        raise InputError.at(source, "levels", f"'low' ({rule.low}) is above 'high' ({rule.high})")
    if rule.rule == "thresholds":
        return scheme(exact(rule.high), exact(rule.low), "fixed thresholds")
    if rule.rule == "quantiles":
        if not (0 <= rule.low <= 1 and 0 <= rule.high <= 1):
            raise InputError.at(source, "levels", "quantiles must lie between 0 and 1")
        ordered = np.sort(finite)
        return scheme(_quantile(ordered, rule.high), _quantile(ordered, rule.low), "quantiles of the values")
    raise InputError.at(source, "levels.rule", f"unknown rule {rule.rule!r}; use thirds, thresholds or quantiles")


def _quantile(ordered: np.ndarray, q: float) -> Fraction:
    """numpy's default (linear) quantile, exactly: between the order statistics at (n − 1) q."""
    h = (len(ordered) - 1) * exact(q)
    below = int(h)
    a = exact(ordered[below])
    if h == below:
        return a
    return a + (h - below) * (exact(ordered[below + 1]) - a)
