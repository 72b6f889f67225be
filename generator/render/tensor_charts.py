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
    colours = [settings.pattern_colours.get(name, "#718096") for name in present]
    return (
        alt.Chart(alt.NamedData(DATA_NAME), title=alt.Title(title, anchor="start"))
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X("head:O", title="Head", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("layer:O", title="Layer"),
            color=alt.Color("pattern:N", title="Pattern", scale=alt.Scale(domain=present, range=colours)),
            tooltip=[alt.Tooltip("layer:O", title="Layer"), alt.Tooltip("head:O", title="Head"),
                     alt.Tooltip("pattern:N", title="Pattern"), alt.Tooltip("score:Q", title="Score", format=".3f"),
                     alt.Tooltip("map_type:N", title="Map type"), alt.Tooltip("key:N", title="Sink key"),
                     alt.Tooltip("previous:Q", title="Previous-token mass", format=".3f"),
                     alt.Tooltip("self:Q", title="Self mass", format=".3f"),
                     alt.Tooltip("first_key:Q", title="First-key importance", format=".3f"),
                     alt.Tooltip("entropy:Q", title="Normalised entropy", format=".3f")],
        )
        .properties(width=alt.Step(28), height=alt.Step(28), usermeta={"renderer": "svg", "cells": len(records)})
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
    step = max(2, min(8, 168 // n))
    base = (
        alt.Chart(alt.NamedData(DATA_NAME))
        .transform_flatten(["v"])
        .transform_window(k="row_number()", groupby=["h", "q"])
        .transform_calculate(k="datum.k - 1", w="datum.v / 1000", query="tok[datum.q]", key="tok[datum.k - 1]")
        .mark_rect()
        .encode(
            x=alt.X("k:O", title="Key", axis=alt.Axis(labels=n <= 32, ticks=False, labelExpr="tok[datum.value]")),
            y=alt.Y("q:O", title="Query", axis=alt.Axis(labels=n <= 32, ticks=False, labelExpr="tok[datum.value]")),
            color=alt.Color("w:Q", title="Weight", scale=alt.Scale(scheme="blues", type="sqrt", domain=[0, 1])),
            tooltip=[alt.Tooltip("query:N", title="Query"), alt.Tooltip("key:N", title="Key"),
                     alt.Tooltip("w:Q", title="Weight" if block == 1 else "Block mean", format=".3f")],
        )
        .properties(width=step * n, height=step * n)
    )
    header = alt.Header(labelExpr="'Head ' + datum.value + ' · ' + pat[datum.value]")
    chart = base.facet(facet=alt.Facet("h:O", title=None, header=header), columns=4).add_params(tok, pat)
    cells = int(permille.size)
    return chart.properties(usermeta={"renderer": "canvas", "cells": cells, "block": block}), records, block


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
