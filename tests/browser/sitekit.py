"""Make small MkDocs projects with datasets in them, and build them like the CLI does.

Shared by the plugin tests and the browser tests. ``build`` is what ``mkdocs build
--strict`` runs (``load_config(strict=True)`` then ``build``), in-process so tests
can swap the pipeline and read the build's log records.
"""

from __future__ import annotations

from pathlib import Path

import yaml

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "javascript:alert(1)",
]


def write_matrix(
    path: Path, rows: list[str], cols: list[str], title: str | None = None, settings: dict | None = None
) -> Path:
    """A query × key CSV whose rows sum to 1, plus a ``.yml`` sidecar naming it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["," + ",".join(cols)]
    for i, row in enumerate(rows):
        weights = [1.0 + ((i * 7 + j * 3) % 5) for j in range(len(cols))]
        total = sum(weights)
        lines.append(row + "," + ",".join(f"{w / total:.6f}" for w in weights))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sidecar = {k: v for k, v in {"title": title, "settings": settings}.items() if v is not None}
    if sidecar:
        path.with_suffix(".yml").write_text(yaml.safe_dump(sidecar), encoding="utf-8")
    return path


def tokens(n: int, prefix: str = "t") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def make_project(
    root: Path,
    *,
    nav: list | None = None,
    plugin: dict | None = None,
    docs: dict[str, str] | None = None,
    theme_features: list[str] | None = None,
    site_url: str | None = None,
) -> Path:
    """A minimal Material project under ``root``; returns the mkdocs.yml path."""
    docs = {"index.md": "# Home\n\n[Reports](reports/index.md)\n", **(docs or {})}
    for name, text in docs.items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    config = {
        "site_name": "test site",
        "docs_dir": "docs",
        "use_directory_urls": False,
        "theme": {
            "name": "material",
            "font": False,
            "features": theme_features
            if theme_features is not None
            else ["navigation.indexes", "navigation.prune", "navigation.footer"],
        },
        "plugins": ["search", {"attention-report": plugin or {}}],
        "validation": {
            "nav": {"omitted_files": "warn", "not_found": "warn", "absolute_links": "warn"},
            "links": {
                "not_found": "warn",
                "anchors": "warn",
                "absolute_links": "warn",
                "unrecognized_links": "warn",
            },
        },
    }
    if nav is not None:
        config["nav"] = nav
    if site_url is not None:
        config["site_url"] = site_url
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def build(config_file: Path, site_dir: Path | None = None) -> Path:
    """``mkdocs build --strict`` in-process; returns the site folder."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    site_dir = site_dir or config_file.parent / "site"
    config = load_config(str(config_file), strict=True, site_dir=str(site_dir))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        mkdocs_build(config)
    finally:
        config.plugins.on_shutdown()
    return site_dir
