"""Fixtures: a built site with example and hostile datasets, served on loopback, and
Debian's Chromium driven by Playwright with every request recorded.

Any request to a host other than 127.0.0.1 fails the test that made it: the site
must work with no network at all, and a stray CDN or font link would break it there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.bench.browser import chromium_available, launch, serve

from .sitekit import PAYLOADS, build, make_project, tokens, write_matrix

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Example:
    path: str
    rows: list[str]
    cols: list[str]
    title: str
    settings: dict | None = None


EXAMPLES = [
    Example("docs/datasets/small.csv", tokens(6, "q"), tokens(6, "k"), "Small example"),
    Example("docs/datasets/bert/layer-1.csv", tokens(4), tokens(9), "BERT layer 1, head 0"),
    Example("docs/datasets/bert/wide.csv", tokens(12), tokens(40), "Wide: 12 × 40"),
    Example("docs/datasets/bert/canvas.csv", tokens(10), tokens(20), "Drawn on a canvas",
            {"chart": {"canvas_above_cells": 100}}),
    *(
        Example(f"docs/datasets/hostile/p{i}.csv", PAYLOADS + [f"r{i}"], PAYLOADS + ["k"], payload)
        for i, payload in enumerate(PAYLOADS)
    ),
]


@dataclass
class Site:
    root: Path
    url: str
    reports: dict[str, Example]
    """Report page path in the site -> the dataset it shows."""

    def report_pages(self) -> list[str]:
        return [p for p in self.pages() if p.startswith("reports/") and not p.endswith("/index.html")]

    def pages(self) -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*.html")
            if p.name != "404.html"
        )


@pytest.fixture(scope="session")
def chromium_ready():
    if not chromium_available():
        message = "Debian chromium is not installed at /usr/bin/chromium (tests/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def example_site(tmp_path_factory, chromium_ready):
    root = tmp_path_factory.mktemp("example-site")
    for example in EXAMPLES:
        write_matrix(root / example.path, example.rows, example.cols, example.title, example.settings)
    # Instant loading on, so drawing charts on Material's document$ is exercised too. It
    # needs site_url to match the served origin, port included (Material maps the
    # sitemap's URLs onto the current host but keeps their port): serve, then build.
    features = ["navigation.indexes", "navigation.prune", "navigation.footer", "navigation.instant"]
    site_dir = root / "site"
    site_dir.mkdir()
    reports = {}
    for example in EXAMPLES:
        rel = Path(example.path).relative_to("docs/datasets")
        group = rel.parent.as_posix() if rel.parent.parts else "examples"
        reports[f"reports/{group}/{rel.stem}.html"] = example
    with serve(site_dir) as url:
        build(make_project(root, theme_features=features, site_url=url), site_dir)
        yield Site(site_dir, url, reports)


@pytest.fixture(scope="session")
def repo_site(tmp_path_factory, chromium_ready):
    """The repository's own site, built by the real command line."""
    site_dir = tmp_path_factory.mktemp("repo-site") / "site"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(REPO / "mkdocs.yml"),
         "-d", str(site_dir)],
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    with serve(site_dir) as url:
        yield Site(site_dir, url, {})


@pytest.fixture(scope="session")
def browser(chromium_ready):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, launch(pw) as context:
        yield context


@dataclass
class Recorder:
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob")
                and urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture
def recorder(browser):
    """Records every request, console error, page error and dialog while a test runs."""
    rec = Recorder()

    def on_request(request):
        rec.requests.append(request.url)

    def on_console(message):
        if message.type == "error":
            rec.errors.append(f"console: {message.text}")

    def on_dialog(dialog):
        rec.dialogs.append(f"{dialog.type}: {dialog.message} on {dialog.page.url if dialog.page else '?'}")
        dialog.dismiss()

    attached: set[int] = set()

    def attach(page):
        if id(page) in attached:
            return
        attached.add(id(page))
        page.on("console", on_console)
        page.on("pageerror", lambda error: rec.errors.append(f"pageerror: {error}"))
        page.on("dialog", on_dialog)

    browser.on("request", on_request)
    browser.on("page", attach)
    rec.attach = attach
    yield rec
    browser.remove_listener("request", on_request)
    browser.remove_listener("page", attach)
    assert rec.foreign() == [], "requests left loopback"


@pytest.fixture
def new_page(browser, recorder):
    pages = []

    def make():
        page = browser.new_page()
        recorder.attach(page)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()

