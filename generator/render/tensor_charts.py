"""Charts of an attention tensor: the layers × heads overview and each layer's heads.

A 256-token passage has 65,536 weights per head; drawing them all, for 72 heads,
is how the peers end up with 100–200 MB pages. The interactive per-head views
therefore show at most ``max_chart_tokens`` positions a side (block means beyond
that, stated on the page) as integers in thousandths, and the full-resolution
picture is a PNG that the page links to but does not load.
"""

from __future__ import annotations

import io
import math

import altair as alt
import numpy as np

from generator.analyse.heads import PATTERNS, HeadPattern
from generator.render.figure import CONFIG, STATIC_WIDTH, STROKE, Fit, scheme_colours
from generator.render.table_charts import DATA_NAME
from generator.settings import TensorSettings


def overview_chart(patterns: list[HeadPattern], layers: int, heads: int, settings: TensorSettings, *,
                   tokens: tuple[str, ...] | None, title: str) -> tuple[alt.Chart, list[dict]]:
    """One cell per head, coloured by pattern, with the deciding score and key metrics in the tooltip."""
    records = []
    for p in patterns:
        records.append({
            "layer": p.layer, "head": p.head, "pattern": p.pattern, "score": round(p.score, 4),
            "map_type": p.map_type,
            "key": None if p.key is None else (f"{p.key}: {tokens[p.key]}" if tokens else str(p.key)),
            "previous": round(p.metrics["previous_token"], 4), "self": round(p.metrics["self"], 4),
            "first_key": round(p.metrics["first_token"], 4), "entropy": round(p.metrics["entropy"], 4),
        })
    present = [name for name in PATTERNS if any(p.pattern == name for p in patterns)]
    colours = [settings.pattern_colours.get(name, "#808080") for name in present]
    fit = Fit(columns=heads, rows=layers, gutter=60, min_step=14, legend_entry=130)
    x_step, y_step = fit.steps(STATIC_WIDTH)
    meta = {"renderer": "svg", "cells": len(records), "fit": fit.meta(), "dark": scheme_colours(*colours, STROKE)}
    return (
        alt.Chart(alt.NamedData(DATA_NAME), title=alt.Title(title, anchor="start"))
        .mark_rect(stroke=STROKE, strokeWidth=1)
        .encode(
            x=alt.X("head:O", title="Head", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
            y=alt.Y("layer:O", title="Layer", axis=alt.Axis(labelOverlap=True)),
            color=alt.Color("pattern:N", title="Pattern", scale=alt.Scale(domain=present, range=colours),
                            legend=alt.Legend(orient="top", direction="horizontal")),
            tooltip=[alt.Tooltip("layer:O", title="Layer"), alt.Tooltip("head:O", title="Head"),
                     alt.Tooltip("pattern:N", title="Pattern"), alt.Tooltip("score:Q", title="Score", format=".3f"),
                     alt.Tooltip("map_type:N", title="Map type"), alt.Tooltip("key:N", title="Sink key"),
                     alt.Tooltip("previous:Q", title="Previous-token mass", format=".3f"),
                     alt.Tooltip("self:Q", title="Self mass", format=".3f"),
                     alt.Tooltip("first_key:Q", title="First-key importance", format=".3f"),
                     alt.Tooltip("entropy:Q", title="Normalised entropy", format=".3f")],
        )
        .properties(width=alt.Step(x_step), height=alt.Step(y_step), usermeta=meta)
        .configure(**CONFIG)
    ), records


def downsample(attention: np.ndarray, max_tokens: int) -> tuple[np.ndarray, int]:
    """Block-average the last two axes so neither exceeds ``max_tokens``; return the block size too."""
    length = attention.shape[-1]
    block = max(1, math.ceil(length / max_tokens))
    if block == 1:
        return attention, 1
    size = math.ceil(length / block) * block
    padded = np.full(attention.shape[:-2] + (size, size), np.nan, dtype=np.float64)
    padded[..., :length, :length] = attention
    shape = attention.shape[:-2] + (size // block, block, size // block, block)
    return np.nanmean(padded.reshape(shape), axis=(-3, -1)), block


def position_labels(tokens: tuple[str, ...] | None, length: int, block: int) -> list[str]:
    """What each displayed row or column stands for: a token, or a span of positions."""
    labels = []
    for start in range(0, length, block):
        end = min(length, start + block) - 1
        if block == 1:
            labels.append(f"{start}: {tokens[start]}" if tokens else str(start))
        else:
            labels.append(f"{start}–{end}")
    return labels


WEIGHTS = ("#ffffff", "#3b82c4", "#20486c")
"""Attention weights run from the page's own colour (0) through the High blue to a deep blue (1)."""
WEIGHT_DARK = {"#ffffff": "#1e2129", "#20486c": "#93badf"}


def weight_scale() -> alt.Scale:
    """Square-root scale from 0 to 1: most weights are small, and a sink would wash the rest out."""
    return alt.Scale(type="sqrt", domain=[0, 0.25, 1], range=list(WEIGHTS), interpolate="rgb")


PANEL = 150
"""The side of one head's map in a layer's small multiples, in pixels (about)."""
FACET_SPACING = 16
FACET_GUTTER = 40


def layer_chart(layer_attention: np.ndarray, layer: int, patterns: list[HeadPattern], settings: TensorSettings,
                *, tokens: tuple[str, ...] | None) -> tuple[alt.FacetChart, list[dict], int]:
    """Small multiples of one layer's heads (query × key), values in thousandths, canvas-rendered."""
    shown, block = downsample(layer_attention, settings.max_chart_tokens)
    labels = position_labels(tokens, layer_attention.shape[-1], block)
    permille = np.rint(np.nan_to_num(shown) * 1000).astype(int)
    pattern_of = {p.head: p.pattern for p in patterns if p.layer == layer}
    records = [{"h": h, "q": q, "v": permille[h, q].tolist()}
               for h in range(permille.shape[0]) for q in range(permille.shape[1])]
    tok = alt.param(name="tok", value=labels)
    pat = alt.param(name="pat", value=[pattern_of.get(h, "") for h in range(permille.shape[0])])
    n = len(labels)
    step = max(2, min(12, PANEL // n))
    base = (
        alt.Chart(alt.NamedData(DATA_NAME))
        .transform_flatten(["v"])
        .transform_window(k="row_number()", groupby=["h", "q"])
        .transform_calculate(k="datum.k - 1", w="datum.v / 1000", query="tok[datum.q]", key="tok[datum.k - 1]")
        .mark_rect()
        .encode(
            # Token labels would overlap at this size: the head explorer below shows them.
            x=alt.X("k:O", title="Key", axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y("q:O", title="Query", axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("w:Q", title="Weight", scale=weight_scale(),
                            legend=alt.Legend(orient="top", direction="horizontal", gradientLength=200)),
            tooltip=[alt.Tooltip("query:N", title="Query"), alt.Tooltip("key:N", title="Key"),
                     alt.Tooltip("w:Q", title="Weight" if block == 1 else "Block mean", format=".3f")],
        )
        .properties(width=step * n, height=step * n)
    )
    header = alt.Header(labelExpr="'Head ' + datum.value + ' · ' + pat[datum.value]", labelLimit=step * n + 20)
    columns = max(1, min(permille.shape[0], (STATIC_WIDTH - FACET_GUTTER + FACET_SPACING) // (step * n + FACET_SPACING)))
    chart = base.facet(facet=alt.Facet("h:O", title=None, header=header), columns=columns,
                       spacing=FACET_SPACING).add_params(tok, pat)
    cells = int(permille.size)
    fit = {"panel": step * n, "spacing": FACET_SPACING, "gutter": FACET_GUTTER, "facets": int(permille.shape[0])}
    meta = {"renderer": "canvas", "cells": cells, "block": block, "fit": fit, "dark": WEIGHT_DARK}
    return chart.properties(usermeta=meta).configure(**CONFIG), records, block


def layer_png(layer_attention: np.ndarray, *, gap: int = 4, columns: int = 4) -> bytes:
    """Every head of a layer at one pixel per weight (square-root scale), tiled four to a row."""
    from PIL import Image

    heads, length, _ = layer_attention.shape
    rows = math.ceil(heads / columns)
    canvas = np.full((rows * (length + gap) + gap, columns * (length + gap) + gap), 255, dtype=np.uint8)
    shade = 255 - np.rint(np.sqrt(np.clip(layer_attention, 0, 1)) * 255).astype(np.uint8)
    for h in range(heads):
        r, c = divmod(h, columns)
        y, x = gap + r * (length + gap), gap + c * (length + gap)
        canvas[y:y + length, x:x + length] = shade[h]
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
