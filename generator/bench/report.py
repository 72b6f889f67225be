"""Benchmark one dataset's report the way a reader meets it: build time, bytes, time to draw.

Used by ``attention-report benchmark report DATA``. It prints figures; it asserts
nothing, because times on a shared 2-core machine vary and belong in a note, not
in a test. Three measurements:

* build: the pipeline on this dataset in this process (imports already paid), and
  a whole ``attention-report build`` command in a fresh process, both best of N;
* bytes: a site with only this dataset is built with MkDocs and served on
  127.0.0.1; one Chromium session (cold cache at the start, as a first visit) opens
  every page of the report and adds up the response bodies it receives;
* draw: for each page, the time from navigation to every chart reporting drawn.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SITE_CONFIG = """site_name: benchmark
docs_dir: docs
use_directory_urls: false
theme:
  name: material
  font: false
plugins:
  - search
  - attention-report:
      datasets: [docs/datasets/*.*]
"""


def bench_report(data: Path, *, repeat: int = 3, browser: bool = True) -> dict:
    from generator.errors import InputError
    from generator.pipeline import build_bundles, find_datasets

    data = Path(data)
    found = find_datasets([data])
    if len(found) != 1:
        raise InputError.at(str(data), "file", f"name one dataset file to benchmark (found {len(found)})")
    [path] = found
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        [bundle] = build_bundles([path])
        runs.append(time.perf_counter() - start)
    figures: dict = {
        "dataset": str(path),
        "build_in_process_s": round(min(runs), 3),
        "build_command_s": round(_command_time(path, repeat), 3),
        "pages": bundle.pages,
        "page_markdown_bytes": sum(len(bundle.files[p]) for p in bundle.pages),
    }
    if browser:
        figures.update(_browser_figures(path, bundle))
    return figures


def _command_time(path: Path, repeat: int) -> float:
    best = float("inf")
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "generator.cli", "build", str(path), "--out", f"{out}/o"],
                           check=True, capture_output=True)
            best = min(best, time.perf_counter() - start)
    return best


def _browser_figures(path: Path, bundle) -> dict:
    from playwright.sync_api import sync_playwright

    from generator.bench.browser import launch, serve

    with tempfile.TemporaryDirectory() as root:
        site = Path(root)
        (site / "docs" / "datasets").mkdir(parents=True)
        (site / "docs" / "index.md").write_text("# Benchmark\n", encoding="utf-8")
        (site / "mkdocs.yml").write_text(SITE_CONFIG, encoding="utf-8")
        shutil.copy(path, site / "docs" / "datasets" / path.name)
        for sidecar in (path.with_suffix(".yml"), path.with_suffix(".yaml")):
            if sidecar.is_file():
                shutil.copy(sidecar, site / "docs" / "datasets" / sidecar.name)
        start = time.perf_counter()
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=site, check=True, env=env)
        site_build = time.perf_counter() - start
        built = site / "site"
        pages = [p.relative_to(built).as_posix() for name in bundle.pages
                 for p in built.rglob(name.removesuffix(".md") + ".html")]
        downloaded, draws, requests = 0, [], 0
        with serve(built) as base, sync_playwright() as pw, launch(pw) as context:
            page = context.new_page()
            sizes: list[int] = []
            page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]))
            for page_path in pages:
                start = time.perf_counter()
                page.goto(base + page_path, wait_until="domcontentloaded")
                page.wait_for_function(
                    "() => [...document.querySelectorAll('div.ar-chart')]"
                    ".every(c => c.getAttribute('data-ar-rendered') === 'done')", timeout=120_000)
                draws.append(round(time.perf_counter() - start, 3))
            page.wait_for_timeout(300)
            downloaded, requests = sum(sizes), len(sizes)
        return {
            "site_build_s": round(site_build, 3),
            "site_bytes": sum(p.stat().st_size for p in built.rglob("*") if p.is_file()),
            "browser_pages": pages,
            "browser_requests": requests,
            "browser_downloaded_bytes": downloaded,
            "draw_s_per_page": draws,
            "draw_s_total": round(sum(draws), 3),
        }
