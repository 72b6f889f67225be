"""How big the site is, and how many bytes a browser fetches to show one page.

    python -m generator.bench.measure SITE_DIR [PAGE ...]

prints JSON: the site's total size, and for each page (a path inside the site,
default the first report page) the body bytes of every response Chromium
received with a cold cache, plus what gzip would make of them, since a real host
usually compresses while the test server does not. Meant to be wired into a
benchmark command; the numbers are also quoted in docs/site.md.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.bench.browser import launch, serve


def site_size(site_dir: Path) -> dict:
    files = [p for p in Path(site_dir).rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


def page_downloads(site_dir: Path, pages: list[str]) -> list[dict]:
    """Load each page in a fresh browser profile and add up the response bodies."""
    from playwright.sync_api import sync_playwright

    site_dir = Path(site_dir)
    results = []
    with serve(site_dir) as base, sync_playwright() as pw:
        for page_path in pages:
            with launch(pw) as context:
                page = context.new_page()
                seen: list = []
                page.on("requestfinished", lambda request: seen.append(request))
                page.goto(base + page_path.lstrip("/"), wait_until="networkidle")
                page.wait_for_timeout(200)
                results.append(_tally(page_path, seen, site_dir))
    return results


def _tally(page_path: str, requests: list, site_dir: Path) -> dict:
    items = []
    for request in requests:
        body = request.sizes()["responseBodySize"]
        local = site_dir / unquote(urlsplit(request.url).path).lstrip("/")
        if local.is_dir():
            local = local / "index.html"
        if body == 0 and local.is_file():
            # Chromium reports no body size for a dedicated worker's script (the
            # search worker); the file on disk is what was sent.
            body = local.stat().st_size
        gz = len(gzip.compress(local.read_bytes(), 6)) if local.is_file() else body
        items.append({"url": urlsplit(request.url).path, "bytes": body, "gzip_bytes": gz})
    items.sort(key=lambda i: -i["bytes"])
    return {
        "page": page_path,
        "requests": len(items),
        "bytes": sum(i["bytes"] for i in items),
        "gzip_bytes": sum(i["gzip_bytes"] for i in items),
        "largest": items[:8],
    }


def first_report(site_dir: Path) -> str:
    reports = sorted(
        p for p in (Path(site_dir) / "reports").rglob("*.html") if p.name != "index.html"
    )
    if not reports:
        raise SystemExit(f"no report page under {site_dir}/reports")
    return reports[0].relative_to(site_dir).as_posix()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[0].strip(), file=sys.stderr)
        return 2
    site_dir = Path(argv[0])
    pages = argv[1:] or [first_report(site_dir)]
    print(json.dumps({"site": site_size(site_dir), "pages": page_downloads(site_dir, pages)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
