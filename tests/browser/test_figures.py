"""Figures in a real browser, on every kind of page of the repository's site, at 1280 px and at
390 px, in Material's light and dark scheme: charts lie inside the content column (no page-level
sideways scroll), no two axis labels overlap, no chart text is under 10 px, the legend is in view
at scroll 0, a chart too wide for its column scrolls in its own box with a visible scrollbar,
the colours follow the scheme, and axe-core finds no serious or critical violation. The head
explorer draws a chosen head and a chosen query, loading the head's file only then.

axe-core comes from the PyPI package axe-playwright-python (its bundled axe.min.js is injected
into the page; no network needed).
"""

from __future__ import annotations

import pytest

from generator.render.colours import DARK_BACKGROUND, LIGHT_BACKGROUND, MIN_CONTRAST, contrast, luminance, rgb

PAGES = {
    "doc page": "reading-a-report.html",
    "reports index": "reports/index.html",
    "categorical report": "reports/examples/seed-mlp-att.html",
    "signed numeric report": "reports/examples/causal-trace.html",
    "unsigned numeric report": "reports/examples/head-scores.html",
    "tensor overview": "reports/minilm/passage-256.html",
    "tensor layer page": "reports/minilm/passage-256-layer-0.html",
    "corpus report": "reports/examples/planted-heads.html",
}
VIEWPORTS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
SCHEMES = ["light", "dark"]

# Everything a layout check needs from one drawn chart, read from its Vega scenegraph (works for
# SVG and canvas alike): label boxes per axis (hidden overlap labels have opacity 0), every text
# item's font size, the legends' right edges, and the fills of Neutral cells.
SCENE = """
(el) => {
  const view = el.arView;
  const out = {axes: [], fonts: [], legendRight: [], legendBottom: [], neutral: [], labelFill: null,
               origin: view.origin(), box: el.getBoundingClientRect().toJSON(),
               scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
               offsetHeight: el.offsetHeight, clientHeight: el.clientHeight,
               scrolls: el.classList.contains('ar-scroll'), tabindex: el.getAttribute('tabindex')};
  (function walk(node, x, y) {
    if (node.marktype === 'text') {
      for (const item of node.items) if (item.text !== '' && item.opacity !== 0) out.fonts.push(item.fontSize ?? 11);
    }
    if (node.role === 'axis-label') {
      out.axes.push(node.items.filter(i => i.opacity !== 0 && i.text !== '')
        .map(i => [i.bounds.x1, i.bounds.y1, i.bounds.x2, i.bounds.y2, String(i.text)]));
      if (!out.labelFill && node.items.length) out.labelFill = node.items[0].fill;
    }
    if (node.role === 'legend' || (node.marktype === 'group' && node.name && /legend/.test(node.name))) {
      for (const item of node.items) { out.legendRight.push(x + item.bounds.x2); out.legendBottom.push(y + item.bounds.y2); }
    }
    if (node.marktype === 'rect' && node.role === 'mark') {
      for (const item of node.items) if (item.datum && item.datum.l === 'Neutral') out.neutral.push(item.fill);
    }
    for (const item of node.items || []) {
      if (item.items) walk(item, x + (item.x || 0), y + (item.y || 0));
    }
  })(view.scenegraph().root, 0, 0);
  return out;
}
"""


def overlaps(boxes, slack=0.5):
    pairs = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            if a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack:
                pairs.append((a[4], b[4]))
    return pairs


def open_in(page, site, width, scheme):
    """A page at ``width`` whose system scheme is ``scheme``. Material remembers the palette it
    last showed (localStorage), which would win over the system setting: forget it first."""
    page.set_viewport_size(VIEWPORTS[width])
    page.emulate_media(color_scheme=scheme)
    page.goto(site.url + "index.html", wait_until="load")
    page.evaluate("localStorage.clear()")
    return page


def wait_for_charts(page):
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.ar-chart')]"
        ".every(c => c.getAttribute('data-ar-rendered') === 'done')",
        timeout=30_000,
    )


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_every_kind_of_page_lays_out_its_charts_in_the_column_and_passes_axe(
    repo_site, new_page, recorder, axe, width, scheme
):
    page = open_in(new_page(), repo_site, width, scheme)
    problems = []
    for kind, path in PAGES.items():
        page.goto(repo_site.url + path, wait_until="networkidle")
        wait_for_charts(page)
        where = f"{kind} at {width} px, {scheme}"
        body_scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert body_scheme == ("slate" if scheme == "dark" else "default"), where
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.append(f"{where}: the page scrolls sideways by {overflow} px")
        column = page.locator("article.md-content__inner").bounding_box()
        for chart in page.locator("div.ar-chart").all():
            scene = chart.evaluate(SCENE)
            box = scene["box"]
            if box["x"] < column["x"] - 1 or box["x"] + box["width"] > column["x"] + column["width"] + 1:
                problems.append(f"{where}: chart box {box} outside the column {column}")
            for axis in scene["axes"]:
                for a, b in overlaps(axis):
                    problems.append(f"{where}: axis labels {a!r} and {b!r} overlap")
            small = [f for f in scene["fonts"] if f < 10]
            if small:
                problems.append(f"{where}: chart text at {sorted(set(small))} px")
            # The legend is in view at scroll 0: inside the box's visible width.
            right = max(scene["legendRight"], default=0) + scene["origin"][0]
            if right > scene["clientWidth"] + 1:
                problems.append(f"{where}: legend ends at {right:.0f} px, box shows {scene['clientWidth']} px")
            if scene["scrollWidth"] > scene["clientWidth"] + 1:
                # Too wide to fit at a legible size: it scrolls in its box, reachable by keyboard,
                # with a scrollbar that takes space (so it shows).
                if not (scene["scrolls"] and scene["tabindex"] == "0"
                        and scene["offsetHeight"] > scene["clientHeight"]):
                    problems.append(f"{where}: chart wider than its box without a visible scrollbar")
            # Colours follow the scheme: labels light on the dark page, Neutral cells pale on either.
            page_colour = DARK_BACKGROUND if scheme == "dark" else LIGHT_BACKGROUND
            if scene["labelFill"] and (luminance(_hex(scene["labelFill"])) < 0.4) == (scheme == "dark"):
                problems.append(f"{where}: axis labels {scene['labelFill']} do not follow the scheme")
            loud = {f for f in scene["neutral"] if contrast(_hex(f), page_colour) >= MIN_CONTRAST}
            if loud:
                problems.append(f"{where}: Neutral cells drawn in {sorted(loud)}, not pale on the page")
        # The text alternative and the data table stay.
        for chart in page.locator("div.ar-chart").all():
            assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label"), where
        if "numeric" in kind or "categorical" in kind:
            assert page.locator("details.ar-table table").count() == 1, where
        results = axe.run(page)
        bad = [(v["id"], v["impact"], len(v["nodes"])) for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
        if bad:
            problems.append(f"{where}: axe-core: {bad}")
    assert problems == [], "\n".join(problems)
    assert recorder.errors == []


def _hex(css: str) -> str:
    """Vega hands back CSS colours as given: rgb()/rgba() from the theme, or #hex."""
    if css.startswith("#"):
        return css
    parts = css[css.index("(") + 1:css.index(")")].split(",")
    return "#" + "".join(f"{round(float(p)):02x}" for p in parts[:3])


def test_the_toggle_redraws_the_charts_in_the_other_scheme(repo_site, new_page, recorder):
    page = open_in(new_page(), repo_site, "1280", "light")
    page.goto(repo_site.url + PAGES["categorical report"], wait_until="networkidle")
    wait_for_charts(page)
    try:
        page.locator("label.md-header__button[for^='__palette']:visible").first.click()
        page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
        page.wait_for_selector("div.ar-chart[data-ar-scheme=slate][data-ar-rendered=done]", timeout=15_000)
        fills = page.locator("div.ar-chart").first.evaluate(SCENE)["neutral"]
        assert fills and {f.lower() for f in fills} == {DARK_BACKGROUND}
        assert rgb(DARK_BACKGROUND) != rgb("#ffffff")
    finally:
        page.evaluate("localStorage.clear()")  # the choice is remembered; other tests want the default
    assert recorder.errors == []


def test_pages_run_on_the_vega_runtime_alone_and_a_cell_shows_its_tooltip(repo_site, new_page, recorder):
    """The page's specs are Vega compiled at build time: the script defines no Vega-Lite or
    vega-embed, and hovering a cell gives Vega's own (the browser's native) tooltip."""
    page = open_in(new_page(), repo_site, "1280", "light")
    page.goto(repo_site.url + PAGES["categorical report"], wait_until="networkidle")
    wait_for_charts(page)
    assert page.evaluate("() => [typeof window.vega.View, typeof window.vegaLite, typeof window.vegaEmbed]") == [
        "function", "undefined", "undefined"]
    centre = page.evaluate("""() => {
        const b = document.querySelector('div.ar-chart svg .mark-rect path').getBoundingClientRect();
        return [b.x + b.width / 2, b.y + b.height / 2]; }""")
    page.mouse.move(*centre)
    page.wait_for_function("() => document.querySelector('div.ar-chart [title]') !== null", timeout=5_000)
    tip = page.locator("div.ar-chart [title]").first.get_attribute("title")
    assert "Component: MLP" in tip and "Level: " in tip
    assert recorder.errors == []


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_chart_scrolled_sideways_keeps_its_row_labels_in_view(repo_site, new_page, recorder, scheme):
    """At 390 px the seed chart (74 columns) scrolls in its box; scrolled to the end, a copy of its
    row axis is pinned over the box's left edge, covering every row label, and hidden at scroll 0."""
    page = open_in(new_page(), repo_site, "390", scheme)
    page.goto(repo_site.url + PAGES["categorical report"], wait_until="networkidle")
    wait_for_charts(page)
    chart = page.locator("div.ar-chart").first
    page.wait_for_function("() => document.querySelector('div.ar-chart canvas.ar-row-labels') !== null")
    assert chart.evaluate("el => el.classList.contains('ar-scroll')")
    assert chart.evaluate("el => el.querySelector('.ar-row-labels').style.visibility") == "hidden"
    chart.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    page.wait_for_function("() => document.querySelector('div.ar-chart .ar-row-labels').style.visibility === 'visible'")
    seen = chart.evaluate("""el => {
        const pin = el.querySelector('.ar-row-labels'), box = el.getBoundingClientRect(), r = pin.getBoundingClientRect();
        const view = el.arView, host = el.firstElementChild.getBoundingClientRect(), labels = [];
        (function walk(node, x, y) {
          if (node.role === 'axis-label') for (const i of node.items) labels.push([x + i.bounds.x2, y + i.bounds.y1, y + i.bounds.y2]);
          for (const item of node.items || []) if (item.items) walk(item, x + (item.x || 0), y + (item.y || 0));
        })(view.scenegraph().root, 0, 0);
        const o = view.origin(), rows = labels.filter(l => l[0] < 0).map(l => [host.top + o[1] + l[1], host.top + o[1] + l[2]]);
        const pixels = pin.getContext('2d').getImageData(0, 0, pin.width, pin.height).data;
        let ink = 0; for (let k = 3; k < pixels.length; k += 4) if (pixels[k] > 0) ink++;
        return {box: [box.left, box.right], pin: [r.left, r.right, r.top, r.bottom], rows, ink, origin: o[0]};
    }""")
    left, right, top, bottom = seen["pin"]
    assert seen["box"][0] - 1 <= left and right <= seen["box"][1] + 1
    assert abs((right - left) - seen["origin"]) <= 1
    assert len(seen["rows"]) == 2 and all(top - 1 <= a and b <= bottom + 1 for a, b in seen["rows"])
    assert seen["ink"] > 50
    assert recorder.errors == []


def test_a_table_too_wide_for_the_column_scrolls_by_keyboard_and_keeps_its_row_labels_in_view(
    repo_site, new_page, recorder
):
    page = open_in(new_page(), repo_site, "390", "dark")
    page.goto(repo_site.url + PAGES["tensor overview"], wait_until="networkidle")
    wait_for_charts(page)
    box = page.locator(".md-typeset__scrollwrap", has=page.locator("th", has_text="11")).first
    page.wait_for_function("b => b.hasAttribute('data-ar-scroll')", arg=box.element_handle(), timeout=5_000)
    assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label") == "Every head (table, scrolls sideways)"
    label = box.locator("tbody tr").first.locator("td").first
    left = box.bounding_box()["x"]
    box.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")  # the focused region scrolls by keyboard
    # Far enough that an unstuck label (17 px into the box) would be out of view.
    page.wait_for_function("b => b.scrollLeft >= 100", arg=box.element_handle(), timeout=10_000)
    assert abs(label.bounding_box()["x"] - left) <= 1, "the row label scrolled away"
    assert recorder.errors == []


@pytest.mark.parametrize("width,scheme", [("1280", "light"), ("390", "dark")])
def test_the_head_explorer_loads_a_chosen_head_on_demand_and_draws_it_and_a_chosen_query(
    repo_site, new_page, recorder, width, scheme
):
    page = open_in(new_page(), repo_site, width, scheme)
    heads_fetched = []
    page.on("request", lambda r: heads_fetched.append(r.url) if "-head-" in r.url else None)
    page.goto(repo_site.url + PAGES["tensor layer page"], wait_until="networkidle")
    wait_for_charts(page)
    assert heads_fetched == [], "a head's data was loaded before anyone chose it"
    page.locator("select.ar-explorer-head").select_option(label="Head 2 · previous_token")
    chart = page.locator(".ar-explorer-chart")
    page.wait_for_selector(".ar-explorer-chart[data-ar-rendered=done]", timeout=30_000)
    assert [u.rsplit("/", 1)[-1] for u in heads_fetched] == ["passage-256-layer-0-head-2.js"]
    drawn = chart.evaluate("""(el) => {
      const counts = {};
      (function walk(node) {
        if (node.role === 'mark') counts[node.marktype] = (counts[node.marktype] || 0) + node.items.length;
        for (const item of node.items || []) if (item.items) walk(item);
      })(el.arView.scenegraph().root);
      return {counts, head: el.getAttribute('data-ar-head'), ms: el.arDrawMs,
              labels: el.arView.signal('tok').length};
    }""")
    assert drawn["head"] == "2" and drawn["labels"] == 256
    assert drawn["counts"]["rect"] >= 256 * 256  # one cell per query and key (plus the row outline)
    # Choosing a query token: its weights over the keys as bars, and its row outlined.
    page.locator(".ar-explorer-chart .vega-bindings select").select_option(index=17)
    page.wait_for_function("() => { const v = document.querySelector('.ar-explorer-chart').arView;"
                           " const s = v.signal('query'); return s && s.q && s.q[0] === 17; }")
    bars = chart.evaluate("""(el) => {
      const data = el.arView.data('data_2') || [];
      let n = 0, ws = [];
      (function walk(node) {
        if (node.role === 'mark' && node.marktype === 'rect' && node.items.length === 256 && node.items[0].datum.w !== undefined
            && node.items[0].datum.q === 17) { n = node.items.length; ws = node.items.map(i => i.datum.w); }
        for (const item of node.items || []) if (item.items) walk(item);
      })(el.arView.scenegraph().root);
      return {n, total: ws.reduce((a, b) => a + b, 0)};
    }""")
    assert bars["n"] == 256
    assert abs(bars["total"] - 1) < 256 * 0.5 / 255  # a row of attention sums to 1, within rounding
    box = chart.bounding_box()
    column = page.locator("article.md-content__inner").bounding_box()
    assert box["x"] >= column["x"] - 1 and box["x"] + box["width"] <= column["x"] + column["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    print(f"explorer draw at {width} px ({scheme}): {drawn['ms']:.0f} ms after the head's data arrived")
    assert recorder.errors == []
