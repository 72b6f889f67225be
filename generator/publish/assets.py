"""The one script every site page loads to draw its charts, built offline.

The Vega, Vega-Lite and vega-embed code comes from ``vl_convert.javascript_bundle()``
at build time rather than from a CDN or a vendored copy: the site must work with no
network, and taking the bundle from the same vl-convert that Altair's specs were
checked against keeps the versions in step without anyone updating a file by hand.

Pages carry their specs as ``<script type="application/json" class="ar-spec">``
(never as code, so a ``</script>`` in a label cannot break out); the init script
below parses them and hands them to vegaEmbed.
"""

from __future__ import annotations

import functools
from importlib import metadata

from generator.output.cache import BundleCache

ASSET_URI = "assets/attention-report/charts.js"
"""Where the script lands in the site, relative to the site root."""

CSS_URI = "assets/attention-report/charts.css"
CHARTS_CSS = b"""/* attention-report: charts keep their own size (cells stay legible) and scroll sideways
   when wider than the page, instead of being shrunk to fit by the theme's max-width rules. */
.md-typeset .ar-chart { overflow-x: auto; max-width: 100%; }
.md-typeset .ar-chart svg, .md-typeset .ar-chart canvas { max-width: none; height: auto; }
.md-typeset .ar-chart .vega-embed { display: inline-block; }
"""

INIT_JS = r"""
var embed = window.vegaEmbed;
function specFor(target) {
  if (target.hasAttribute("data-spec")) return JSON.parse(target.getAttribute("data-spec"));
  var node = null, specs = document.querySelectorAll("script.ar-spec");
  for (var i = 0; i < specs.length; i++) {
    if (specs[i].getAttribute("data-target") === target.id) { node = specs[i]; break; }
  }
  if (!node) {
    // Material's instant navigation re-creates inline scripts without their
    // attributes; the spec script still follows its chart.
    var next = target.nextElementSibling;
    if (next && next.tagName === "SCRIPT" && !next.src) node = next;
  }
  if (!node) throw new Error("no spec found");
  var spec = JSON.parse(node.textContent);
  return Array.isArray(spec) ? spec[0] : spec;
}
function renderCharts() {
  var charts = document.querySelectorAll("div.ar-chart");
  for (var i = 0; i < charts.length; i++) {
    var target = charts[i];
    if (target.getAttribute("data-ar-rendered")) continue;
    target.setAttribute("data-ar-rendered", "pending");
    try {
      var spec = specFor(target);
      var renderer = (spec.usermeta && spec.usermeta.renderer) || "svg";
      embed(target, spec, {actions: false, renderer: renderer}).then(
        function (t) { return function (result) {
          t.setAttribute("data-ar-rendered", "done");
          t.arView = result.view;
        }; }(target),
        function (t) { return function (err) { chartFailed(t, err); }; }(target));
    } catch (err) {
      chartFailed(target, err);
    }
  }
}
function chartFailed(target, err) {
  target.setAttribute("data-ar-rendered", "failed");
  console.error("attention-report: chart " + target.id + " could not be drawn:", err);
}
if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(renderCharts);
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", renderCharts);
} else {
  renderCharts();
}
"""
"""Draw every ``div.ar-chart`` once, from its spec.

The spec is the ``script.ar-spec`` whose ``data-target`` names the chart (the
contract), a ``data-spec`` attribute, or, after Material's instant navigation has
re-created the page's inline scripts without their attributes, the script right
after the chart; a JSON array holding the spec is accepted too (see docs/site.md
on why). Material announces each page on ``document$``, also under instant
navigation; without Material only DOMContentLoaded is there. ``data-ar-rendered``
keeps a chart from being drawn twice. Failures go to ``console.error`` so the
browser tests, which fail on any console error, notice a chart that did not draw.
"""


def vega_bundle(cache: BundleCache | None = None) -> str:
    """vl-convert's self-contained Vega bundle: ~1.3 s to make, so once per process, and once per
    vl-convert version in the build cache (checked by length and hash before it is used)."""
    if cache is None:
        return _fresh_vega_bundle()
    key = f"vl-convert-python {metadata.version('vl-convert-python')}"
    stored = cache.get_bytes("vega-bundle", key)
    if stored is not None:
        return stored.decode("utf-8")
    text = _fresh_vega_bundle()
    cache.put_bytes("vega-bundle", key, text.encode("utf-8"))
    return text


@functools.lru_cache(maxsize=1)
def _fresh_vega_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle()


def charts_js(cache: BundleCache | None = None) -> bytes:
    """The bundle and the init script in one IIFE, loaded as a classic script.

    The IIFE keeps the bundle's hundreds of minified top-level ``const``s out of the
    page's globals (where they would clash with anything else, or with a second copy);
    only the ``window.vega*`` names the bundle assigns on purpose remain. A guard makes
    a second inclusion harmless. No ``type="module"``: modules do not load from
    ``file://``, and the site should still open that way.
    """
    return (
        "/* attention-report charts: vega bundle from vl-convert + init. */\n"
        "(function () {\n"
        "if (window.__attentionReportCharts) return;\n"
        "window.__attentionReportCharts = true;\n"
        + vega_bundle(cache)
        + "\n;\n"
        + INIT_JS
        + "})();\n"
    ).encode("utf-8")
