"""The head explorer of a tensor layer page: one head at full token resolution, on demand.

The layer page carries only the explorer's chart (no data) and the list of its
heads' files. Choosing a head loads that head's file: one small script per head,
``window.attentionReportHead({...})``, holding the weights quantised to uint8
(``round(w * 255)``, so each weight is known to ±0.002) as base64, and the
tokens. A script rather than JSON because ``fetch()`` does not work when the site
is opened from disk, and a script tag does. 256 tokens make a file of about 90 KB.

Choosing (or hovering) a query token shows its weights over the keys as bars
and outlines its row in the map.
"""

from __future__ import annotations

import base64
import json

import altair as alt
import numpy as np

from generator.render.figure import CONFIG, LABEL_LIMIT
from generator.render.tensor_charts import WEIGHT_DARK, weight_scale

DATA = "head"
TOKENS = "tok"
QUERY = "query"
SCALE = 255
PRECISION = 0.5 / SCALE


def head_file_name(slug: str, layer: int, head: int) -> str:
    return f"{slug}-layer-{layer}-head-{head}.js"


def head_file(key: str, weights: np.ndarray, tokens: list[str], *, layer: int, head: int) -> bytes:
    """The script that hands one head's weights to the page (see the module docstring).

    ``json.dumps`` with ``ensure_ascii`` writes every token as a JS string literal that
    nothing in it can end (quotes, backslashes, U+2028 are all escaped).
    """
    quantised = np.rint(np.clip(np.nan_to_num(weights.astype(np.float64)), 0, 1) * SCALE).astype(np.uint8)
    payload = {"key": key, "layer": layer, "head": head, "n": int(weights.shape[-1]), "scale": SCALE,
               "tokens": tokens, "weights": base64.b64encode(quantised.tobytes()).decode("ascii")}
    return ("window.attentionReportHead && window.attentionReportHead("
            + json.dumps(payload, ensure_ascii=True, separators=(",", ":")) + ");\n").encode("ascii")


def dequantise(data: bytes, n: int) -> np.ndarray:
    """The weights as the page decodes them (for tests and notebooks)."""
    return np.frombuffer(base64.b64decode(data), dtype=np.uint8).reshape(n, n) / SCALE


def explorer_chart(*, layer: int, title: str) -> alt.VConcatChart:
    """The map of one head (query × key) over the bars of the chosen query's weights.

    Data, tokens and the query menu's options are filled in by the page's init script
    when a head's file arrives; its sizes are set there to the column's width.
    """
    tok = alt.param(name=TOKENS, value=[])
    query = alt.selection_point(name=QUERY, fields=["q"], on="pointerover", clear=False, nearest=False,
                                value=[{"q": 0}],
                                bind=alt.binding_select(options=[0], labels=["0"], name="Query token "))
    weight = f"Weight (±{PRECISION:.3f})"
    label = alt.Axis(labelExpr=f"{TOKENS}[datum.value]", labelOverlap=True, labelLimit=LABEL_LIMIT)
    key_axis = alt.Axis(labelExpr=f"{TOKENS}[datum.value]", labelOverlap=True, labelLimit=LABEL_LIMIT, labelAngle=-90)
    tooltip = [alt.Tooltip("query:N", title="Query"), alt.Tooltip("key:N", title="Key"),
               alt.Tooltip("w:Q", title=weight, format=".3f")]
    base = alt.Chart(alt.NamedData(DATA))
    # Labels and weights are computed per drawn item; the row and the bars filter first,
    # so a hover touches 256 rows, not 65,536.
    cells = base.transform_calculate(
        w=f"datum.v / {SCALE}", query=f"datum.q + ': ' + {TOKENS}[datum.q]", key=f"datum.k + ': ' + {TOKENS}[datum.k]",
    ).mark_rect().encode(
        x=alt.X("k:O", title="Key", axis=key_axis),
        y=alt.Y("q:O", title="Query", axis=label),
        color=alt.Color("w:Q", title=weight, scale=weight_scale(),
                        legend=alt.Legend(orient="top", direction="horizontal", gradientLength=200)),
        tooltip=tooltip,
    ).add_params(query).properties(name="cells")
    row = base.transform_filter(query).transform_aggregate(count="count()", groupby=["q"]).mark_rect(
        fill=None, stroke="#d55e00", strokeWidth=1.5).encode(y=alt.Y("q:O"))
    bars = base.transform_filter(query).transform_calculate(
        w=f"datum.v / {SCALE}", query=f"datum.q + ': ' + {TOKENS}[datum.q]", key=f"datum.k + ': ' + {TOKENS}[datum.k]",
    ).mark_bar(color="#3b82c4").encode(
        x=alt.X("k:O", title="Key", axis=key_axis),
        y=alt.Y("w:Q", title="Weight", scale=alt.Scale(domain=[0, 1])),
        tooltip=tooltip,
    ).properties(height=140, title=alt.Title("Attention of the chosen query over the keys", anchor="start"))
    chart = alt.vconcat(alt.layer(cells, row).properties(width=480, height=480), bars.properties(width=480),
                        title=alt.Title(title, anchor="start"))
    return chart.add_params(tok).configure(**CONFIG)


def explorer_spec(*, slug: str, layer: int, heads: list[dict], title: str) -> dict:
    """The explorer's spec; ``usermeta.explorer`` tells the init script where the heads are."""
    spec = explorer_chart(layer=layer, title=title).to_dict()
    spec["usermeta"] = {"renderer": "canvas", "dark": WEIGHT_DARK, "explorer": {
        "data": DATA, "tokens": TOKENS, "query": QUERY, "scale": SCALE, "heads": heads, "gutter": 110,
        "max": 640}}
    return spec
