"""No silent drops: after any build, every dataset's page must be in the built site.

Zensical silently ignores plugins it does not know, and any engine may skip a page
(an excluded folder, a clashing name). The generate step publishes a listing,
``<reports_dir>/attention-report.json``, of the pages each dataset made; this module
reads it back from the built site and names every page that did not arrive. The
plugin runs it in ``on_post_build``; ``attention-report check-site`` runs it for
the other engines.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from generator.errors import Problem
from generator.publish.generate import LISTING, LISTING_SCHEMA


class SiteCheckError(Exception):
    """The site cannot be checked at all (no listing): the reports were never generated."""


def html_paths(page: str, directory_urls: bool | None) -> list[str]:
    """Where an engine writes the page ``a/b.md``: ``a/b.html``, ``a/b/index.html``, or either if unknown."""
    path = PurePosixPath(page)
    if path.stem in ("index", "README"):
        return [str(path.with_name("index.html"))]
    flat, nested = str(path.with_suffix(".html")), str(path.with_suffix("") / "index.html")
    if directory_urls is None:
        return [flat, nested]
    return [nested] if directory_urls else [flat]


def missing_pages(site_dir: Path, entries: list[dict], *, directory_urls: bool | None = None,
                  sources: list[str] | None = None) -> list[Problem]:
    """One problem per missing page (``SOURCE: page PATH: is not in SITE``); empty when all are there.

    Every page of every dataset is checked, not only the main one (a tensor has one
    per layer). ``sources``, when given, are datasets that must appear in the
    listing at all (``check-site --datasets``): a dataset the generate step never
    saw is missing too.
    """
    site_dir = Path(site_dir)
    problems = []
    listed = {e["source"] for e in entries}
    for source in sources or []:
        if source not in listed:
            problems.append(Problem(source, "report", f"none was generated for this dataset (it is not in the "
                                                      f"site's {LISTING})"))
    for entry in entries:
        for page in entry.get("pages") or [entry["main"]]:
            if not any((site_dir / p).is_file() for p in html_paths(page, directory_urls)):
                problems.append(Problem(entry["source"], f"page {html_paths(page, directory_urls)[0]}",
                                        f"is not in {site_dir}"))
    return problems


def read_listing(site_dir: Path, reports_dir: str = "reports") -> list[dict]:
    path = Path(site_dir) / reports_dir / LISTING
    if not Path(site_dir).is_dir():
        raise SiteCheckError(f"{site_dir}: no such folder (give the built site, e.g. site/)")
    if not path.is_file():
        raise SiteCheckError(
            f"{path}: missing, so no report pages were generated for this site. Engines that run no "
            "MkDocs plugins (Zensical) need `attention-report site DOCS_DIR --datasets GLOB` before the build")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != LISTING_SCHEMA:
            raise ValueError(data.get("schema"))
        return list(data["reports"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SiteCheckError(f"{path}: not a listing this version of attention-report can read") from None
