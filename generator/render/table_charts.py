"""The Altair heatmap of a level grid, and its static image.

Data travels inside the spec in a compact form — one record per row holding
arrays of column labels, values and levels, unpacked by a ``flatten`` transform —
which keeps a 100 × 100 spec near 80 KB instead of 600 KB and never trips
Altair's 5,000-row limit. Grids above ``max_chart_cells`` are shown as block
averages, and the page says so.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import altair as alt
import numpy as np

from generator.analyse.levels import LevelGrid
from generator.render.blocks import block_means, block_modes
from generator.render.figure import (
    CONFIG,
    LABEL_LIMIT,
    STATIC_WIDTH,
    STROKE,
    Fit,
    ValueScale,
    label_width,
    scheme_colours,
    text_axis,
    value_scale,
)
from generator.render.text import distinguishable, number, visible
from generator.settings import ChartSettings

MISSING = "(missing)"
DATA_NAME = "cells"


def to_spec(chart: alt.TopLevelMixin, records: list[dict]) -> dict:
    """The Vega-Lite spec with its data inline.

    Altair validates every value it serialises, which takes seconds for tens of
    thousands of cells, so charts are built on a named dataset and the values are
    attached to the finished dict.
    """
    spec = chart.to_dict()
    spec["datasets"] = {DATA_NAME: records}
    return spec


def with_values(chart: alt.TopLevelMixin, records: list[dict]) -> alt.TopLevelMixin:
    """The same chart carrying its data, for notebooks (displaying it validates, which is fine there)."""
    copy = chart.copy(deep=False)
    copy.datasets = {DATA_NAME: records}
    return copy
MAX_AXIS = 2_000
"""The chart never shows more than this many rows or columns (blocks grow to fit)."""


@dataclass(frozen=True)
class ChartView:
    """What the chart shows: the grid itself or its block-aggregated stand-in."""

    rows: list
    columns: list
    levels: list[list]
    values: list[list] | None
    block: int  # 1 = every cell; n = n × n blocks

    @property
    def cells(self) -> int:
        return len(self.rows) * len(self.columns)


def chart_view(grid: LevelGrid, settings: ChartSettings) -> ChartView:
    n_rows, n_cols = grid.levels.shape
    block = max(1, math.ceil(math.sqrt(n_rows * n_cols / settings.max_chart_cells)),
                math.ceil(max(n_rows, n_cols) / MAX_AXIS))
    if block == 1:
        values = None if grid.values is None else [[_num(v) for v in row] for row in grid.values]
        return ChartView(list(grid.rows), list(grid.columns), grid.levels.tolist(), values, 1)
    row_cuts, col_cuts = range(0, n_rows, block), range(0, n_cols, block)
    rows = [_span(grid.rows, r, block) for r in row_cuts]
    cols = [_span(grid.columns, c, block) for c in col_cuts]
    names = np.array([*grid.scheme.names, None], dtype=object)  # code -1 picks the None at the end
    levels = names[block_modes(grid.codes, block, len(grid.scheme.names))].tolist()
    values = None
    if grid.values is not None:
        values = [[_num(v) for v in row] for row in block_means(grid.values, block).tolist()]
    return ChartView(rows, cols, levels, values, block)


def heatmap(grid: LevelGrid, view: ChartView, settings: ChartSettings, *, title: str,
            row_title: str, column_title: str) -> tuple[alt.Chart, list[dict]]:
    """The heatmap (on the named dataset) and the records that fill it.

    Sized, labelled and coloured by the rules in :mod:`generator.figure`: the steps set
    here are the static image's (for a 1280 px window); the page's init script re-fits
    them to the reader's column from ``usermeta.fit``.
    """
    # Labels and level names reach an SVG: control characters are made visible first
    # (an unescapable control character makes vl-convert abort the whole process).
    column_labels = [distinguishable(c) if isinstance(c, str) else c for c in view.columns]
    rows = [distinguishable(r) if isinstance(r, str) else r for r in view.rows]
    records = []
    for i, label in enumerate(view.rows):
        record = {"r": distinguishable(label) if isinstance(label, str) else label,
                  "l": [MISSING if x is None else visible(x) for x in view.levels[i]]}
        if view.values is not None:
            record["v"] = view.values[i]
        records.append(record)
    fields = ["l"] + (["v"] if view.values is not None else [])
    tooltip = [alt.Tooltip("r:N", title=row_title), alt.Tooltip("c:O", title=column_title),
               alt.Tooltip("l:N", title="Level")]
    has_missing = any(x is None for row in view.levels for x in row)
    fixed = [settings.missing_colour, STROKE]
    if view.values is not None:
        tooltip.append(alt.Tooltip("v:Q", title="Value" if view.block == 1 else "Block mean", format=".4~g"))
        scale = _value_scale(grid, settings)
        legend = alt.Legend(orient="top", direction="horizontal", values=scale.legend_values, format=".3~g",
                            gradientLength=220, title=_cut_title(grid), titleLimit=320)
        color = alt.condition("datum.v === null", alt.value(settings.missing_colour),
                              alt.Color("v:Q", scale=scale.scale(), legend=legend))
        dark = {**scale.dark_colours(), **scheme_colours(*fixed)}
        entry = 0
    else:
        names = [visible(n) for n in grid.scheme.names] + ([MISSING] if has_missing else [])
        colours = [level_colour(n, i, settings) for i, n in enumerate(grid.scheme.names)]
        colours += [settings.missing_colour] if has_missing else []
        entry = label_width(names) + 24
        color = alt.Color("l:N", title="Level", scale=alt.Scale(domain=names, range=colours),
                          legend=alt.Legend(orient="top", direction="horizontal", labelLimit=LABEL_LIMIT))
        dark = scheme_colours(*colours, *fixed)
    fit = Fit(columns=len(view.columns), rows=len(view.rows), gutter=label_width(rows) + 24, legend_entry=entry)
    x_step, y_step = fit.steps(STATIC_WIDTH)
    base = alt.Chart(alt.NamedData(DATA_NAME), title=alt.Title(visible(title), anchor="start"))
    # Column labels are stored once, as a parameter; each flattened cell finds its own by
    # its position in the row (window row_number follows the order cells arrive in).
    # Both axes keep data order (sort=None): records and their arrays are already in view
    # order, and an explicit sort list would compile into one nested Vega expression per
    # axis (a page line of kilobytes, and a stack overflow at a few thousand labels).
    columns = alt.param(name="cols", value=column_labels)
    chart = (
        base.transform_flatten(fields)
        .transform_window(i="row_number()", groupby=["r"])
        .transform_calculate(c="cols[datum.i - 1]")
        .mark_rect(stroke=STROKE, strokeWidth=0.5 if view.cells <= settings.canvas_above_cells else 0,
                   invalid="show")
        .encode(
            x=alt.X("c:O", sort=None, title=_title(column_title),
                    axis=text_axis(column_labels, horizontal=True)),
            y=alt.Y("r:N", sort=None, title=_title(row_title), axis=text_axis(rows, horizontal=False)),
            color=color,
            tooltip=tooltip,
        )
        .properties(width=alt.Step(x_step), height=alt.Step(y_step))
        .add_params(columns)
        .configure(**CONFIG)
    )
    renderer = "canvas" if view.cells > settings.canvas_above_cells else "svg"
    meta = {"renderer": renderer, "cells": view.cells, "block": view.block, "fit": fit.meta(), "dark": dark}
    return chart.properties(usermeta=meta), records


def static_image(spec: dict, *, png: bool) -> bytes:
    """Render the spec without a browser; data is inline and no URL may be fetched.

    A PNG cannot show a tooltip, so its spec leaves the tooltip out (the same pixels, the same
    bytes): Vega would otherwise format one for each of up to ``static_max_cells`` cells.
    """
    import vl_convert as vlc

    if png:
        encoding = {k: v for k, v in spec.get("encoding", {}).items() if k != "tooltip"}
        return vlc.vegalite_to_png({**spec, "encoding": encoding} if "encoding" in spec else spec,
                                   allowed_base_urls=[], scale=1)
    return stable_ids(vlc.vegalite_to_svg(spec, allowed_base_urls=[])).encode("utf-8")


def image_width(image: bytes) -> int:
    """The drawn width of a static image (SVG or PNG), for the page's ``<img width>``: it is
    shown at that size, scrolling in its box on a narrow screen, so its text stays legible."""
    if image[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(image[16:20], "big")
    match = re.search(rb'<svg[^>]*\swidth="([0-9.]+)"', image[:2000])
    return round(float(match.group(1))) if match else 0


_SVG_ID = re.compile(r'\bid="([A-Za-z][A-Za-z-]*_)(\d+)"')


def stable_ids(svg: str) -> str:
    """Number the SVG's generated ids from 0 in each image.

    vl-convert counts gradient (and clip) ids across a whole process, so the same
    chart drawn second came out as ``gradient_1``: the bytes of an image depended on
    what was drawn before it (a long ``mkdocs serve``, a notebook, a multi-dataset
    build). Ids are renumbered in order of appearance, references with them.
    """
    mapping: dict[str, str] = {}
    counts: Counter = Counter()
    for prefix, digits in _SVG_ID.findall(svg):
        old = f"{prefix}{digits}"
        if old not in mapping:
            mapping[old] = f"{prefix}{counts[prefix]}"
            counts[prefix] += 1
    if not mapping or all(k == v for k, v in mapping.items()):
        return svg
    pattern = re.compile(r'(?<=id=")(%s)(?=")|(?<=#)(%s)(?=[)"])' % (("|".join(map(re.escape, mapping)),) * 2))
    return pattern.sub(lambda m: mapping[m.group(0)], svg)


def _title(text: str, limit: int = 120) -> str:
    """An axis title as drawn: visible control characters, and cut, so a 3,000-character
    title from a sidecar cannot stretch the chart to thousands of pixels."""
    text = visible(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value_scale(grid: LevelGrid, settings: ChartSettings) -> ValueScale:
    scheme = grid.scheme
    high, _, low = scheme.names
    return value_scale(signed=scheme.signed, low_to=scheme.low_to, high_from=scheme.high_from,
                       minimum=scheme.minimum, maximum=scheme.maximum,
                       high_colour=level_colour(high, 0, settings), low_colour=level_colour(low, 2, settings))


def _cut_title(grid: LevelGrid) -> str:
    """The legend's title names the cut points the text uses, so the colour can be read as words."""
    s = grid.scheme
    if not (math.isfinite(s.low_to) and math.isfinite(s.high_from)):
        return "Value (every cell Neutral)"
    return f"Value (levels cut at {number(s.low_to)} and {number(s.high_from)})"


def _span(labels, start: int, block: int) -> str:
    chunk = list(labels[start:start + block])
    return f"{chunk[0]}" if len(chunk) == 1 else f"{chunk[0]}–{chunk[-1]}"


def _num(v) -> float | None:
    v = float(v)
    return None if math.isnan(v) else v


def level_colour(name: str, index: int, settings: ChartSettings) -> str:
    """The colour a level gets in the chart: the configured one, else the fallback palette."""
    return settings.colours.get(name, _fallback(index))


FALLBACK = ("#3b82c4", "#d55e00", "#009e73", "#8a63d2", "#9a7b00", "#cc79a7", "#2a9d8f", "#808080")
"""Okabe–Ito-like colours for levels without a configured colour: told apart with any colour
vision, and each at least 3:1 against Material's light and dark page."""


def _fallback(i: int) -> str:
    return FALLBACK[i % len(FALLBACK)]
