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


def _report_ids():
    return [e.path.split("/", 2)[2] for e in EXAMPLES]


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=_report_ids())
def test_report_page_draws_one_mark_per_cell_offline_without_errors(example_site, new_page, recorder, index):
    path, example = list(example_site.reports.items())[index]
    page = new_page()
    page.goto(example_site.url + path, wait_until="networkidle")
    chart = page.locator("div.ar-chart")
    assert chart.count() == 1
    page.wait_for_selector("div.ar-chart[data-ar-rendered=done]", timeout=15_000)
    chart_id = chart.get_attribute("id")
    cells = len(example.rows) * len(example.cols)
    assert page.evaluate(COUNT_CELLS, chart_id) == cells
    if page.evaluate("(id) => document.getElementById(id).querySelector('svg') !== null", chart_id):
        assert chart.locator("g.mark-rect.role-mark path").count() == cells
    image = page.locator("img[src$='.svg']").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") > 0
    assert recorder.errors == []
    assert recorder.dialogs == []


def test_every_page_of_the_example_site_loads_cleanly(example_site, new_page, recorder):
    page = new_page()
    for path in example_site.pages():
        page.goto(example_site.url + path, wait_until="load")
    page.wait_for_timeout(300)
    assert recorder.errors == []
    assert recorder.dialogs == []


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
    for query in [*PAYLOADS, "alert", "script", "strongest"]:
        box.click()
        box.fill("")
        box.press_sequentially(query, delay=5)
        page.wait_for_timeout(400)
        for link in results.all()[:3]:
            link.hover()
        page.keyboard.press("Escape")
    box.click()
    box.fill("")
    box.press_sequentially("strongest")  # in every report's text, hostile ones included
    page.wait_for_timeout(400)
    assert results.count() >= len(hostile), "search did not list the hostile reports"
    assert recorder.dialogs == []
    assert recorder.errors == []


def test_the_repository_site_loads_offline_without_errors(repo_site, new_page, recorder):
    page = new_page()
    for path in repo_site.pages():
        page.goto(repo_site.url + path, wait_until="networkidle")
        for chart in page.locator("div.ar-chart").all():
            assert chart.get_attribute("data-ar-rendered") == "done"
    assert recorder.errors == []
    assert recorder.dialogs == []
