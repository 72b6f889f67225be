"""The spec a page carries: the chart's Vega-Lite compiled to Vega when the page is built.

Pages then need the Vega runtime alone, not Vega-Lite's compiler and vega-embed
beside it (about a third of the chart script; see docs/site.md). vl-convert does
the compiling, as it does for the static images, so the page draws what the
image shows. The Vega-Lite spec stays the report's portable form
(``<slug>.vl.json``).

Three things the page's init script changes before drawing (it fits the chart
to the reader's column, see ``generator/publish/static/init.js``) are made easy
to find here:

* a grid's cell size: Vega-Lite's step signals ``x_step`` and ``y_step``;
* the number of small multiples per row: a wrapped facet bakes its column count
  into two data expressions and the layout; the expressions are rewritten to
  read the signal :data:`COLUMNS_SIGNAL`, so the script sets that signal and
  ``layout.columns`` together;
* the head explorer's size, tokens and query menu: their Vega names are written
  into ``usermeta.explorer.vega``.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from generator.render import text

COLUMNS_SIGNAL = "ar_columns"
"""The signal a wrapped facet's column count is read from."""


class CompileError(RuntimeError):
    """vl-convert compiled a spec into something the init script cannot fit (a vl-convert change)."""


def page_spec(spec: dict) -> Markup:
    """The ``<script type="application/json" class="ar-spec">`` body for ``spec`` (Vega-Lite)."""
    return text.json_script([compiled(spec)])


def compiled(spec: dict) -> dict:
    """``spec`` as Vega, its inline datasets attached to the Vega data of the same names.

    The datasets are left out of the compile and put back after it: vl-convert
    would otherwise carry every cell through its JavaScript engine and back.
    """
    import vl_convert

    datasets = spec.get("datasets") or {}
    bare = {key: value for key, value in spec.items() if key != "datasets"}
    vega = vl_convert.vegalite_to_vega(bare)
    if "background" not in spec and "background" not in (spec.get("config") or {}):
        vega.pop("background", None)  # Vega-Lite's default white: the page's own background shows instead
    _attach(vega, datasets)
    if isinstance(spec.get("columns"), int) and "facet" in spec:
        _columns_as_signal(vega, spec["columns"])
    explorer = (spec.get("usermeta") or {}).get("explorer")
    if explorer is not None:
        vega["usermeta"]["explorer"] = {**explorer, "vega": _explorer_names(vega, explorer)}
    return vega


def _attach(vega: dict, datasets: dict) -> None:
    named = {d["name"]: d for d in vega.get("data", []) if "source" not in d and "values" not in d}
    for name, values in datasets.items():
        if name not in named:
            raise CompileError(f"the compiled spec has no data set named {name!r}")
        named[name]["values"] = values


def _columns_as_signal(vega: dict, columns: int) -> None:
    """Make a wrapped facet's column count the signal :data:`COLUMNS_SIGNAL`."""
    patterns = {"facet_domain_row": (rf"/ {columns}\)$", f"/ {COLUMNS_SIGNAL})"),
                "facet_domain_column": (rf", {columns}\)$", f", {COLUMNS_SIGNAL})")}
    rewritten = 0
    for data in vega.get("data", []):
        if data["name"] not in patterns:
            continue
        pattern, replacement = patterns[data["name"]]
        for transform in data.get("transform", []):
            stop = transform.get("stop")
            if isinstance(stop, dict) and re.search(pattern, stop.get("signal", "")):
                stop["signal"] = re.sub(pattern, replacement, stop["signal"])
                rewritten += 1
    if rewritten != 2 or (vega.get("layout") or {}).get("columns") != columns:
        raise CompileError("a wrapped facet compiled into a form whose column count cannot be refitted")
    vega.setdefault("signals", []).insert(0, {"name": COLUMNS_SIGNAL, "value": columns})


def _explorer_names(vega: dict, explorer: dict) -> dict:
    """The signals the explorer's init code sets: the query menu, the tokens, the map's height."""
    signals = {s["name"]: s for s in vega.get("signals", [])}
    bound = [name for name, s in signals.items() if "bind" in s and name.startswith(explorer["query"])]
    names = {"query": bound[0] if len(bound) == 1 else None, "tokens": explorer["tokens"],
             "height": "concat_0_height", "data": explorer["data"]}
    if (names["query"] is None or names["tokens"] not in signals or names["height"] not in signals
            or "width" not in vega or not any(d["name"] == names["data"] for d in vega.get("data", []))):
        raise CompileError("the head explorer compiled into a form the init script cannot fill in")
    return names
