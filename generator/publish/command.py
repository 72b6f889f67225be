"""What ``attention-report site`` and ``check-site`` do, below the command line.

``site`` takes its options from the command line or from the ``attention-report``
entry of an ``mkdocs.yml`` (``--config``), so a site built by Zensical from files on
disk gets exactly the reports the plugin would make under MkDocs or ProperDocs.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from generator.errors import InputError
from generator.publish.assets import ASSET_URI, CSS_URI
from generator.publish.check import SiteCheckError, missing_pages, read_listing
from generator.publish.datasets import discover
from generator.publish.generate import NAV_FRAGMENT, check_reports_dir, generate
from generator.publish.write import WriteError, write_site

PLUGIN = "attention-report"


def run_site(docs_dir: Path | None, patterns: list[str], *, config_file: Path | None = None,
             reports_dir: str | None = None, templates_dir: Path | None = None,
             assignments: list[str] | None = None) -> list[str]:
    """Generate and write; returns the lines to print. Raises InputError for bad input or an unsafe write."""
    from generator.settings import deep_merge, parse_assignment

    options, config = _plugin_options(config_file) if config_file else ({}, {})
    base = Path(config_file).resolve().parent if config_file else Path.cwd()
    if docs_dir is None:
        if not config_file:
            raise InputError.at("DOCS_DIR", "argument", "give the docs folder (e.g. docs/) or --config mkdocs.yml")
        docs_dir = base / str(config.get("docs_dir", "docs"))
    if patterns:
        base = Path.cwd()
    else:
        patterns = list(options.get("datasets") or []) or [
            (Path(os.path.relpath(docs_dir, base)) / "datasets/**/*.*").as_posix()]
    settings = dict(options.get("settings") or {})
    source = f"{config_file}: plugins.{PLUGIN}.settings" if options.get("settings") else "--set"
    for text in assignments or []:
        settings = deep_merge(settings, parse_assignment(text))
        source = "--set"
    templates = templates_dir or (base / options["templates"] if options.get("templates") else None)
    if templates is not None and not Path(templates).is_dir():
        raise InputError.at(str(templates), "--templates", "no such folder")
    try:
        reports = check_reports_dir(reports_dir or options.get("reports_dir") or "reports")
    except ValueError as error:
        raise InputError.at("--reports-dir", "", str(error)) from None
    found = discover(patterns, base)
    if not found.datasets:
        raise InputError.at(", ".join(patterns), "--datasets", "matched no dataset file")
    site = generate(found.datasets, settings=settings, settings_source=source, templates=templates,
                    reports_dir=reports, root=base)
    try:
        result = write_site(Path(docs_dir), site)
    except WriteError as error:
        raise InputError.at(str(docs_dir), "writing", str(error)) from None
    lines = [f"{len(site.reports)} report(s) in {Path(docs_dir) / reports}: {len(result.written)} file(s) written, "
             f"{len(result.unchanged)} unchanged, {len(result.removed)} removed"]
    lines += [f"kept {rel}: written by an earlier run and edited since" for rel in result.kept]
    missing_js = ASSET_URI not in map(str, config.get("extra_javascript") or [])
    missing_css = CSS_URI not in map(str, config.get("extra_css") or [])
    if not config_file or missing_js or missing_css:
        lines += ["the site's config must load the chart script and stylesheet:",
                  "  extra_javascript:", f"    - {ASSET_URI}", "  extra_css:", f"    - {CSS_URI}"]
    lines.append(f"nav: an explicit nav: lists the reports with {Path(docs_dir) / reports / NAV_FRAGMENT}")
    return lines


def run_check(site_dir: Path, reports_dir: str, patterns: list[str]) -> tuple[list, int]:
    """(problems, pages checked) for ``check-site``."""
    try:
        entries = read_listing(site_dir, check_reports_dir(reports_dir))
    except (SiteCheckError, ValueError) as error:
        raise InputError.at(str(site_dir), "site", str(error)) from None
    sources = None
    if patterns:
        base = Path.cwd()
        sources = [Path(os.path.relpath(d.path, base)).as_posix() for d in discover(patterns, base).datasets]
    problems = missing_pages(site_dir, entries, sources=sources)
    return problems, sum(len(e.get("pages") or [1]) for e in entries)


class _Loader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose ``!!python/name:`` and ``!ENV`` tags a safe loader refuses: they become None."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def _plugin_options(config_file: Path) -> tuple[dict, dict]:
    try:
        config = yaml.load(Path(config_file).read_text(encoding="utf-8"), Loader=_Loader) or {}
    except (OSError, yaml.YAMLError) as error:
        raise InputError.at(str(config_file), "config", f"cannot be read: {error}") from None
    for entry in config.get("plugins") or []:
        if entry == PLUGIN:
            return {}, config
        if isinstance(entry, dict) and PLUGIN in entry:
            return dict(entry[PLUGIN] or {}), config
    return {}, config
