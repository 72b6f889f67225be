"""Screenshots of each kind of page of a built site, at 1280 and 390 px, in light and dark.

    python -m generator.bench.screenshots SITE_DIR OUT_DIR [--docs]

writes ``KIND-WIDTH-SCHEME.png`` for every kind of page (a report of categorical data, of
signed and of unsigned numeric data, a tensor's overview, a layer page with its head
explorer showing one head and one query) and prints what it wrote, with the explorer's
draw time. ``--docs`` writes only the few shots that docs/reading-a-report.md shows, under
the names it uses. Uses Debian's Chromium like the browser tests, fully offline.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.bench.browser import launch, serve

KINDS = {
    "categorical": "reports/examples/seed-mlp-att.html",
    "signed": "reports/examples/causal-trace.html",
    "unsigned": "reports/examples/head-scores.html",
    "tensor-overview": "reports/minilm/passage-256.html",
    "tensor-layer": "reports/minilm/passage-256-layer-0.html",
}
WIDTHS = {1280: 900, 390: 844}
DOCS = {
    ("categorical", 1280, "light"): "report-categorical.png",
    ("signed", 1280, "dark"): "report-signed-dark.png",
    ("categorical", 390, "light"): "report-phone.png",
    ("tensor-layer", 1280, "light"): "head-explorer.png",
}


def shoot(site_dir: Path, out_dir: Path, *, docs_only: bool = False) -> list[str]:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    with serve(site_dir) as base, sync_playwright() as pw, launch(pw) as context:
        for width, height in WIDTHS.items():
            for scheme in ("light", "dark"):
                page = context.new_page()
                page.set_viewport_size({"width": width, "height": height})
                page.emulate_media(color_scheme=scheme)
                page.goto(base + "index.html", wait_until="load")
                page.evaluate("localStorage.clear()")  # Material remembers the last palette
                for kind, path in KINDS.items():
                    name = DOCS.get((kind, width, scheme)) if docs_only else f"{kind}-{width}-{scheme}.png"
                    if not name:
                        continue
                    page.goto(base + path, wait_until="networkidle")
                    page.wait_for_function("() => [...document.querySelectorAll('div.ar-chart')]"
                                           ".every(c => c.getAttribute('data-ar-rendered') === 'done')",
                                           timeout=60_000)
                    target = page.locator("h1").first
                    if kind == "tensor-layer":
                        lines.append(_explore(page))
                        target = page.locator("div.ar-explorer")
                    target.scroll_into_view_if_needed()
                    page.evaluate("window.scrollBy(0, -60)")
                    page.wait_for_timeout(200)
                    page.screenshot(path=str(out_dir / name))
                    lines.append(f"{out_dir / name}")
                page.close()
    return lines


def _explore(page) -> str:
    """Choose head 2 and query 17 in the explorer; return its draw time."""
    page.locator("select.ar-explorer-head").select_option(index=3)
    page.wait_for_selector(".ar-explorer-chart[data-ar-rendered=done]", timeout=60_000)
    page.locator(".ar-explorer-chart .vega-bindings select").select_option(index=17)
    page.wait_for_timeout(300)
    ms = page.evaluate("document.querySelector('.ar-explorer-chart').arDrawMs")
    return f"explorer drew head 2 in {ms:.0f} ms after its data arrived"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.bench.screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("site_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--docs", action="store_true", help="only the shots docs/reading-a-report.md shows")
    args = parser.parse_args(argv)
    for line in shoot(args.site_dir, args.out_dir, docs_only=args.docs):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
