"""What every chart shares: its size rule, its text, its axes and its value colours.

*Size.* A chart's cells are chosen from the number of columns and the width it
has: the page's init script reads ``usermeta.fit`` and sets the step that fills
the content column (between ``min_step`` and ``max_step`` pixels); when even
``min_step`` does not fit, the chart keeps ``min_step`` and scrolls inside its own
box, with a visible scrollbar and the legend on top, at scroll 0. The static
image is drawn by the same rule for Material's content column at 1280 px.

*Text.* No chart text is smaller than 10 px; text axes thin their labels
(``labelOverlap``) and cut long ones with an ellipsis (``labelLimit``; the
tooltip has the whole label); numeric axes keep their ticks.

*Colour.* Numeric cells are coloured on a piecewise scale whose stops are the
level cut points the text uses: a cell at or past a cut is drawn at least in its
level's colour (3:1 against the page), and a Neutral cell only in pale tints,
so colour and words cannot disagree. The dark scheme gets its own stops
(``usermeta.dark`` maps each light colour to its dark one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt

from generator.render.colours import DARK_BACKGROUND, LIGHT_BACKGROUND, dark_map, mix

STATIC_WIDTH = 688
"""Material's content column at a 1280 px window: the width static images are drawn for."""
MIN_STEP = 6
MAX_STEP = 40
MIN_ROW_STEP = 13
"""Rows carry a horizontal 11 px label each, so they are never shorter than this."""
LABEL_LIMIT = 120
CHAR_PX = 6.6
"""About the width of one character of 11 px sans-serif text."""
FONT = {"label": 11, "title": 12, "chart_title": 14}

CONFIG = {
    "axis": {"labelFontSize": FONT["label"], "titleFontSize": FONT["title"], "labelSeparation": 2},
    "legend": {"labelFontSize": FONT["label"], "titleFontSize": FONT["title"], "labelOverlap": True},
    "header": {"labelFontSize": FONT["title"], "titleFontSize": FONT["title"]},
    "title": {"fontSize": FONT["chart_title"], "subtitleFontSize": FONT["label"]},
    "view": {"stroke": None},
}
"""Font sizes for every chart (the init script adds the scheme's text colours)."""


@dataclass(frozen=True)
class Fit:
    """How a grid chart is sized to the width it gets (see the module docstring)."""

    columns: int
    rows: int
    gutter: int
    """Pixels beside the plot: row labels, row title, padding."""
    min_step: int = MIN_STEP
    max_step: int = MAX_STEP
    min_row_step: int = MIN_ROW_STEP
    legend_entry: int = 0
    """Pixels per symbol-legend entry, so the legend can wrap to the width (0: gradient)."""

    def steps(self, width: int) -> tuple[int, int]:
        """(column step, row step) for a column ``width`` pixels wide; the init script does the same."""
        x = max(self.min_step, min(self.max_step, (width - self.gutter) // max(1, self.columns)))
        return x, max(self.min_row_step, min(self.max_step, x))

    def legend_columns(self, width: int) -> int:
        return max(1, (width - 10) // self.legend_entry) if self.legend_entry else 0

    def meta(self) -> dict:
        return {"columns": self.columns, "rows": self.rows, "gutter": self.gutter, "min_step": self.min_step,
                "max_step": self.max_step, "min_row_step": self.min_row_step, "legend_entry": self.legend_entry}


def label_width(labels) -> int:
    """Pixels the longest label takes at 11 px, up to the label limit."""
    longest = max((len(str(x)) for x in labels), default=1)
    return int(min(LABEL_LIMIT, longest * CHAR_PX)) + 4


def text_axis(labels, *, horizontal: bool, title: str | None = None) -> alt.Axis:
    """A band axis of labels that never overlap: thinned, cut with an ellipsis, upright when short."""
    count = len(labels)
    longest = max((len(str(x)) for x in labels), default=1)
    angle = 0 if not horizontal or (longest <= 3 and count <= 16) else -90
    return alt.Axis(labelOverlap=True, labelLimit=LABEL_LIMIT, labelAngle=angle,
                    labelFontSize=FONT["label"], **({"title": title} if title is not None else {}))


@dataclass(frozen=True)
class ValueScale:
    """A numeric colour scale with stops at the level cuts, in both schemes."""

    domain: list[float]
    light: list[str]
    dark: list[str]
    legend_values: list[float]

    def scale(self) -> alt.Scale:
        return alt.Scale(type="linear", domain=self.domain, range=self.light, interpolate="rgb",
                         clamp=True, zero=False, nice=False)

    def dark_colours(self) -> dict[str, str]:
        return {a: b for a, b in zip(self.light, self.dark) if a != b}


STRONG = 0.45
"""How far a scale's extreme goes past the level colour (towards black, or white when dark)."""
PALE = 0.5
"""The strongest tint a Neutral cell can get: half its neighbouring level's colour."""


def value_scale(*, signed: bool, low_to: float, high_from: float, minimum: float, maximum: float,
                high_colour: str, low_colour: str) -> ValueScale:
    """Stops: strong extreme, the level colour at each cut, pale tints inside the Neutral band.

    Signed data is centred on 0 (the page background there); unsigned data runs from
    the background up to the High colour, with Low and Neutral in pale tints.
    """
    if not (math.isfinite(low_to) and math.isfinite(high_from)):  # every value equal: all Neutral
        pad = abs(minimum) or 1.0
        return ValueScale([minimum - pad, maximum + pad], [LIGHT_BACKGROUND] * 2, [DARK_BACKGROUND] * 2,
                          [minimum])
    # The pale tints start at the first number past each cut (the next float), so the colour jumps
    # exactly at the cut: any wider step would leave Neutral values in a level's colour.
    inner_low = math.nextafter(low_to, math.inf)
    inner_high = math.nextafter(high_from, -math.inf)
    band = low_to < inner_low <= inner_high < high_from
    low_end, high_end = min(minimum, low_to), max(maximum, high_from)
    if signed:
        mid = 0.0 if low_to < 0 < high_from else (low_to + high_from) / 2
        magnitude = max(abs(low_end - mid), abs(high_end - mid))
        low_end, high_end = mid - magnitude, mid + magnitude
    stops: list[tuple[float, object]] = []  # (value, colour function of the background)

    def add(value, colour):
        if stops and value <= stops[-1][0]:  # a cut on the data's edge: the later (level) colour wins there
            stops[-1] = (stops[-1][0], colour)
        else:
            stops.append((value, colour))

    strong = lambda c: (lambda bg: mix(c, "#000000" if bg == LIGHT_BACKGROUND else "#ffffff", 1 - STRONG))  # noqa: E731
    level = lambda c: (lambda bg: c)  # noqa: E731
    tint = lambda c, t: (lambda bg: mix(c, bg, t))  # noqa: E731
    if signed:
        if low_end < low_to:
            add(low_end, strong(low_colour))
        if band:
            add(low_to, level(low_colour))
            add(inner_low, tint(low_colour, PALE))
            if inner_low < mid < inner_high:
                add(mid, tint(low_colour, 0))
            add(inner_high, tint(high_colour, PALE))
        else:  # no Neutral value between the cuts
            add(min(low_to, math.nextafter(high_from, -math.inf)), level(low_colour))
        add(high_from, level(high_colour))
    else:
        add(low_end, tint(high_colour, 0.04))
        if band:
            add(low_to, tint(high_colour, 0.15))
            add(inner_low, tint(high_colour, 0.25))
            add(inner_high, tint(high_colour, PALE))
        add(high_from, level(high_colour))
    if high_end > high_from:
        add(high_end, strong(high_colour))
    if len(stops) == 1:  # one value, on the cut: a scale needs two stops
        stops.append((stops[0][0] + max(abs(stops[0][0]), 1.0), stops[0][1]))
    domain = [v for v, _ in stops]
    marks = {domain[0], low_to, high_from, domain[-1]} | ({mid} if signed else set())
    return ValueScale(domain, [c(LIGHT_BACKGROUND) for _, c in stops], [c(DARK_BACKGROUND) for _, c in stops],
                      sorted(v for v in marks if domain[0] <= v <= domain[-1]))


STROKE = "#e2e8f0"
"""The thin line between cells (a white Neutral cell is still a cell)."""
DARK_STROKE = "#3a3f4b"


def scheme_colours(*colours: str) -> dict[str, str]:
    """The dark-scheme swaps for fixed colours (level colours, the missing grey, the cell lines)."""
    return {**dark_map(c for c in colours if c != STROKE), STROKE: DARK_STROKE}
