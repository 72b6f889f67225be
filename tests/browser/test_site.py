"""The built site in a real browser: charts draw, nothing leaves loopback, no payload runs."""

from __future__ import annotations

import pytest

from .conftest import EXAMPLES
from .sitekit import PAYLOADS

# Counts the items of every rect mark the chart's author drew (role "mark"), via the
# Vega view the init script keeps on the chart's element; axes and legends have
# other roles. Works for the SVG and the canvas renderer alike.
COUNT_CELLS = """
(id) => {
  const el = document.getElementById(id);
  if (!el || !el.arView) return null;
  let n = 0;
  (function walk(node) {
    if (node.marktype === "rect" && node.role === "mark") n += node.items.length;
    for (const item of node.items || []) if (item.items) walk(item);
  })(el.arView.scenegraph().root);
  return n;
}
"""


LOAD_IMAGE = """
(src) => new Promise((resolve) => {
  const img = new Image();
  img.onload = () => resolve(img.naturalWidth);
  img.onerror = () => resolve(0);
  img.src = src;
})
"""


def check_report(page, url: str) -> list[tuple[int, int]]:
    """Load one report page, check its static image and charts; returns (drawn, cells) per chart.

    ``cells`` is what a spec says its chart shows (``usermeta.cells``: the matrix's
    cells, or its blocks when the pipeline averaged a big matrix down); ``drawn``
    counts rect marks in the scenegraph, and for SVG the DOM must agree. The static
    image is either shown on the page or, on per-layer pages, linked from it.
    """
    page.goto(url, wait_until="networkidle")
    charts = page.locator("div.ar-chart")
    assert charts.count() >= 1, f"{url}: no chart"
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.ar-chart')]"
        ".every(c => c.getAttribute('data-ar-rendered') === 'done')",
        timeout=20_000,
    )
    counts = []
    for chart in charts.all():
        chart_id = chart.get_attribute("id")
        spec = page.evaluate(
            "(id) => JSON.parse(document.querySelector(`script.ar-spec[data-target='${id}']`).textContent)[0]",
            chart_id,
        )
        drawn = page.evaluate(COUNT_CELLS, chart_id)
        if spec["usermeta"].get("renderer", "svg") == "svg":
            assert chart.locator("g.mark-rect.role-mark path").count() == drawn
        counts.append((drawn, spec["usermeta"]["cells"]))
    images = page.locator("article img[src$='.svg'], article img[src$='.png']")
    if images.count():
        image = images.first
        # The static image is lazy and folded away: a reader opens it, then it loads.
        page.evaluate("document.querySelectorAll('details.ar-static').forEach(d => { d.open = true; })")
        image.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") > 0, f"{url}: static image did not load"
    else:
        links = page.locator("article a[href$='.png'], article a[href$='.svg']")
        assert links.count() >= 1, f"{url}: no static image shown or linked"
        href = links.first.evaluate("a => a.href")
        assert page.evaluate(LOAD_IMAGE, href) > 0, f"{url}: linked static image did not load"
    return counts


def _report_ids():
    return [e.path.split("/", 2)[2] for e in EXAMPLES]


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=_report_ids())
def test_report_page_draws_one_mark_per_cell_offline_without_errors(example_site, new_page, recorder, index):
    path, example = list(example_site.reports.items())[index]
    page = new_page()
    [(drawn, cells)] = check_report(page, example_site.url + path)
    assert drawn == cells == len(example.rows) * len(example.cols)
    expected = "canvas" if example.settings else "svg"
    assert page.locator(f"div.ar-chart {expected}").count() == 1
    assert recorder.errors == []
    assert recorder.dialogs == []


def test_every_page_of_the_example_site_loads_cleanly(example_site, new_page, recorder):
    page = new_page()
    for path in example_site.pages():
        page.goto(example_site.url + path, wait_until="load")
    page.wait_for_timeout(300)
    assert recorder.errors == []
    assert recorder.dialogs == []


def test_charts_draw_after_instant_navigation_from_the_index(example_site, new_page, recorder):
    page = new_page()
    page.goto(example_site.url + "reports/index.html", wait_until="networkidle")
    page.evaluate("window.__sameDocument = true")
    for i in range(len(example_site.reports)):
        page.locator("article table a").nth(i).click()
        page.wait_for_selector("div.ar-chart[data-ar-rendered=done]", timeout=15_000)
        assert page.evaluate("window.__sameDocument === true"), "instant loading did not happen"
        page.go_back()
        page.wait_for_selector("article table a")
    assert recorder.dialogs == []
    # Material re-creates inline scripts without their type on instant navigation, so the
    # spec is embedded as a one-element JSON array: run as code it is a harmless literal.
    assert recorder.errors == []


def test_reports_index_lists_every_report_with_a_working_link(example_site, new_page, recorder):
    page = new_page()
    page.goto(example_site.url + "reports/index.html", wait_until="load")
    links = page.locator("article table a")
    hrefs = {links.nth(i).evaluate("a => a.href") for i in range(links.count())}
    assert hrefs == {example_site.url + p for p in example_site.reports}
    text = page.locator("article").inner_text()
    for payload in PAYLOADS:
        assert payload in text  # shown as text, not swallowed as markup


def test_script_payloads_run_nowhere_including_search_results_and_tooltips(
    example_site, new_page, recorder
):
    page = new_page()
    for path in example_site.pages():
        page.goto(example_site.url + path, wait_until="load")
    hostile = [p for p, e in example_site.reports.items() if e.title in PAYLOADS]
    for path in hostile:
        page.goto(example_site.url + path, wait_until="load")
        page.wait_for_selector("div.ar-chart[data-ar-rendered=done]")
        for cell in page.locator("div.ar-chart g.mark-rect path").all()[:6]:
            cell.hover(force=True)
            page.wait_for_timeout(50)
    page.goto(example_site.url + "index.html", wait_until="networkidle")
    box = page.locator("input.md-search__input")
    results = page.locator(".md-search-result__item")
    for query in [*PAYLOADS, "alert", "script", "overview"]:
        box.click()
        box.fill("")
        box.press_sequentially(query, delay=5)
        page.wait_for_timeout(400)
        for link in results.all()[:3]:
            link.hover()
        page.keyboard.press("Escape")
    box.click()
    box.fill("")
    box.press_sequentially("overview")  # a heading of every report, hostile ones included
    page.wait_for_timeout(400)
    assert results.count() >= len(hostile), "search did not list the hostile reports"
    assert recorder.dialogs == []
    assert recorder.errors == []


def test_the_repository_site_loads_offline_and_every_report_draws(repo_site, new_page, recorder):
    page = new_page()
    reports = repo_site.report_pages()
    assert reports, "the repository site has no report pages"
    for path in reports:
        for drawn, cells in check_report(page, repo_site.url + path):
            assert drawn == cells, f"{path}: {drawn} marks for {cells} cells (missing cells must be drawn too)"
    for path in set(repo_site.pages()) - set(reports):
        page.goto(repo_site.url + path, wait_until="networkidle")
        assert page.locator("div.ar-chart").count() == 0
    assert recorder.errors == []
    assert recorder.dialogs == []
