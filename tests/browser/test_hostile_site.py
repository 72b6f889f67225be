"""The hostile-text corpus (tests/corpus/hostile.py) in a built site, in Chromium.

One report per payload, with the payload in every field at once (labels, level
names, title, description, axes, context, categories — not the file name, which
MkDocs itself turns into the page URL). Every page is opened, every hostile
chart drawn and hovered, and search is run for each payload: no dialog may open,
no script error may occur, and no request may leave loopback (the ``recorder``
fixture checks that).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from generator.bench.browser import serve

from .sitekit import build, make_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
from hostile import PAYLOADS  # noqa: E402

FIELDS_IN_SITE = ["row", "column", "title", "description", "axis_rows", "axis_columns", "context"]


def _write(folder: Path, i: int, payload: str) -> None:
    """One numeric dataset carrying ``payload`` in every text field that a site shows."""
    import csv
    import io

    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([
        ["label", payload, "c2", "c3"],
        [payload, "0.1", "0.5", "0.4"],
        [f"r{i}", "0.6", "0.2", "0.2"],
    ])
    (folder / f"p{i}.csv").write_text(out.getvalue(), encoding="utf-8")
    sidecar = {"title": payload, "description": payload, "context": payload,
               "axes": {"rows": payload, "columns": payload}}
    (folder / f"p{i}.yml").write_text(yaml.safe_dump(sidecar), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, chromium_ready):
    root = tmp_path_factory.mktemp("hostile-site")
    for i, payload in enumerate(PAYLOADS):
        _write(root / "docs" / "datasets" / "hostile", i, payload)
    site_dir = root / "site"
    build(make_project(root), site_dir)
    with serve(site_dir) as url:
        yield site_dir, url


def test_no_hostile_payload_runs_anywhere_in_the_site(hostile_site, new_page, recorder):
    site_dir, url = hostile_site
    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html") if p.name != "404.html")
    reports = [p for p in pages if p.startswith("reports/") and not p.endswith("index.html")]
    assert len(reports) == len(PAYLOADS)
    page = new_page()
    for path in pages:
        page.goto(url + path, wait_until="load")
        if path in reports:
            page.wait_for_selector("div.ar-chart[data-ar-rendered=done]")
            for cell in page.locator("div.ar-chart g.mark-rect path").all()[:3]:
                cell.hover(force=True)
            assert page.locator("article script:not([type='application/json'])").count() == 0, path
    page.goto(url + "index.html", wait_until="networkidle")
    box = page.locator("input.md-search__input")
    for payload in [*PAYLOADS, "alert", "onerror", "javascript"]:
        box.click()
        box.fill("")
        box.fill(" ".join(payload.split())[:100])
        page.wait_for_timeout(150)
        for link in page.locator(".md-search-result__item").all()[:2]:
            link.hover()
        page.keyboard.press("Escape")
    assert recorder.dialogs == []
    assert recorder.errors == []
