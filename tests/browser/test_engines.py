"""The example site under each engine users have — MkDocs 1.6, ProperDocs, Zensical — in Chromium.

Each engine builds the repository's own site (its mkdocs.yml and docs/, datasets
included) and a site of the hostile-text corpus; Zensical, which runs no plugins,
gets its files from ``attention-report site`` first (tests/engines.py). Then every
page is opened: every report's charts draw with one mark per cell, no request
leaves loopback (the ``recorder`` fixture), no payload opens a dialog or leaves a
script in the article, and no script error occurs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from generator.bench.browser import serve

from .conftest import REPO, Site
from .sitekit import make_project
from .test_hostile_site import _write as write_hostile
from .test_site import check_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engines import EngineUnavailable, build_site  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "corpus"))
from hostile import PAYLOADS  # noqa: E402

ENGINES = ["mkdocs", "properdocs", "zensical"]


def _build(engine: str, config: Path, site_dir: Path) -> Path:
    try:
        return build_site(engine, config, site_dir)
    except EngineUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(str(error))
        pytest.skip(str(error))


@pytest.fixture(scope="module", params=ENGINES)
def engine_repo_site(request, tmp_path_factory, chromium_ready):
    """The repository's site built by one engine, from a copy of mkdocs.yml and docs/."""
    root = tmp_path_factory.mktemp(f"repo-{request.param}")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "docs", root / "docs", ignore=shutil.ignore_patterns("reports", "attention-report"))
    site_dir = _build(request.param, root / "mkdocs.yml", root / "site")
    with serve(site_dir) as url:
        yield request.param, Site(site_dir, url, {})


@pytest.fixture(scope="module", params=ENGINES)
def engine_hostile_site(request, tmp_path_factory, chromium_ready):
    root = tmp_path_factory.mktemp(f"hostile-{request.param}")
    for i, payload in enumerate(PAYLOADS):
        write_hostile(root / "docs" / "datasets" / "hostile", i, payload)
    config = make_project(root)
    site_dir = _build(request.param, config, root / "site")
    with serve(site_dir) as url:
        yield request.param, Site(site_dir, url, {})


def test_every_engine_builds_the_example_site_and_every_chart_draws_offline(engine_repo_site, new_page, recorder):
    engine, site = engine_repo_site
    page = new_page()
    reports = site.report_pages()
    assert len(reports) >= 7, f"{engine}: only {reports}"
    for path in reports:
        for drawn, cells in check_report(page, site.url + path):
            assert drawn == cells, f"{engine} {path}: {drawn} marks for {cells} cells"
    for path in sorted(set(site.pages()) - set(reports)):
        page.goto(site.url + path, wait_until="networkidle")
        assert page.locator("div.ar-chart").count() == 0, f"{engine} {path}"
    assert recorder.errors == [], engine
    assert recorder.dialogs == [], engine


def test_no_hostile_payload_runs_under_any_engine(engine_hostile_site, new_page, recorder):
    engine, site = engine_hostile_site
    reports = site.report_pages()
    assert len(reports) == len(PAYLOADS), f"{engine}: {len(reports)} report pages"
    page = new_page()
    for path in site.pages():
        page.goto(site.url + path, wait_until="load")
        if path in reports:
            page.wait_for_selector("div.ar-chart[data-ar-rendered=done]")
            for cell in page.locator("div.ar-chart g.mark-rect path").all()[:3]:
                cell.hover(force=True)
        assert page.locator("article script:not([type='application/json'])").count() == 0, f"{engine} {path}"
    assert recorder.dialogs == [], engine
    assert recorder.errors == [], engine
