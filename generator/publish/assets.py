"""The one script every site page loads to draw its charts, built offline.

The Vega runtime comes from ``vl_convert.javascript_bundle()`` at build time rather
than from a CDN or a vendored copy: the site must work with no network, and taking
it from the same vl-convert that compiled the pages' specs keeps the versions in
step without anyone updating a file by hand. Pages carry Vega, compiled from
Vega-Lite when they were built (:mod:`generator.render.vega`), so the bundle holds
Vega alone: no Vega-Lite compiler, no vega-embed (about a third less script).

Pages carry their specs as ``<script type="application/json" class="ar-spec">``
(never as code, so a ``</script>`` in a label cannot break out); the init script
(static/init.js) parses them, fits them to their column and draws them with a
``vega.View``.
"""

from __future__ import annotations

import functools
from importlib import metadata

from generator.output.cache import BundleCache

ASSET_URI = "assets/attention-report/charts.js"
"""Where the script lands in the site, relative to the site root."""

CSS_URI = "assets/attention-report/charts.css"
"""The plugin's stylesheet: chart boxes, the explorer's controls, and fixes to the theme's chrome."""


def _static(name: str) -> str:
    from importlib.resources import files

    return files("generator.publish").joinpath("static", name).read_text(encoding="utf-8")


def init_js() -> str:
    """The init script (``generator/publish/static/init.js``): fitting, schemes, the head explorer."""
    return _static("init.js")


@functools.lru_cache(maxsize=1)
def charts_css() -> bytes:
    return _static("charts.css").encode("utf-8")


def vega_only_snippet() -> str:
    """The bundle's snippet: it imports Vega alone, so the bundler leaves Vega-Lite and vega-embed out.

    vl-convert resolves the jsDelivr address to the copy of Vega it ships (the one it
    compiles and draws with): nothing is fetched, and the address is not in the output.
    Its ready-made names for snippets do not help here: ``vega`` is bound to Vega's
    (absent) default export, and ``vegaEmbed.vega`` would pull vega-embed and Vega-Lite in.
    """
    import vl_convert

    return (f"import * as runtime from 'https://cdn.jsdelivr.net/npm/vega@{vl_convert.get_vega_version()}/+esm';\n"
            "window.vega = runtime;\n")


def vega_bundle(cache: BundleCache | None = None) -> str:
    """vl-convert's self-contained Vega bundle: ~1 s to make, so once per process, and once per
    vl-convert version in the build cache (checked by length and hash before it is used)."""
    if cache is None:
        return _fresh_vega_bundle()
    # vl-convert's version fixes the Vega it ships, so it keys the bundle without importing vl-convert
    # (an all-cached build otherwise never loads it).
    key = f"vl-convert-python {metadata.version('vl-convert-python')} vega only"
    stored = cache.get_bytes("vega-runtime", key)
    if stored is not None:
        return stored.decode("utf-8")
    text = _fresh_vega_bundle()
    cache.put_bytes("vega-runtime", key, text.encode("utf-8"))
    return text


@functools.lru_cache(maxsize=1)
def _fresh_vega_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle(vega_only_snippet())


def charts_js(cache: BundleCache | None = None) -> bytes:
    """The bundle and the init script in one IIFE, loaded as a classic script.

    The IIFE keeps the bundle's hundreds of minified top-level ``const``s out of the
    page's globals (where they would clash with anything else, or with a second copy);
    only the ``window.vega*`` names the bundle assigns on purpose remain. A guard makes
    a second inclusion harmless. No ``type="module"``: modules do not load from
    ``file://``, and the site should still open that way.
    """
    return (
        "/* attention-report charts: the Vega runtime from vl-convert + init. */\n"
        "(function () {\n"
        "if (window.__attentionReportCharts) return;\n"
        "window.__attentionReportCharts = true;\n"
        + vega_bundle(cache)
        + "\n;\n"
        + init_js()
        + "})();\n"
    ).encode("utf-8")
