"""The ``reports/index.md`` page: one table row per report.

Every value in it (titles, level names, observations) comes from user data and
may be a script payload, so each cell goes through :func:`md_text`, which makes it
inert for both Markdown and HTML at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_MD_SPECIAL = "\\`*_{}[]()#+-.!|~^=:"
_ESCAPES = {c: f"&#{ord(c)};" for c in _MD_SPECIAL} | _ENTITIES


def md_text(value: object, limit: int = 300) -> str:
    """Plain text that Markdown (tables included) and HTML both show literally.

    Characters Markdown could act on become numeric entities rather than
    backslash escapes, because Python-Markdown drops backslashes before some
    characters only, and the table extension splits cells on ``|`` before any
    escaping is seen. Newlines collapse so a value cannot end a table row.
    """
    text = " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(_ESCAPES.get(c, c) for c in text)


def front_matter_title(title: str) -> str:
    """A YAML ``title:`` value that Material can print raw into ``<title>`` and the nav."""
    return json.dumps(md_text(title, limit=200))


@dataclass(frozen=True)
class Row:
    title: str
    href: str
    """Link relative to the index page, to the report's ``.md`` source."""
    shape: str
    levels: list[str]
    leading: str


@dataclass(frozen=True)
class Group:
    title: str
    rows: list[Row]


def page_href(group: str, name: str) -> str:
    return "/".join(quote(part) for part in [*group.split("/"), name])


def render(groups: Iterable[Group]) -> str:
    """The Markdown source of the index: a heading and a table per group."""
    groups = list(groups)
    total = sum(len(g.rows) for g in groups)
    out = [
        "---",
        "title: Reports",
        "---",
        "",
        "# Reports",
        "",
        f"{total} report{'s' if total != 1 else ''} in {len(groups)} "
        f"group{'s' if len(groups) != 1 else ''}. Each report page has the interactive "
        "chart, a static image, the observations and the data it was made from.",
        "",
    ]
    if not groups:
        out += [
            "No datasets were found. Put data files under `docs/datasets/` (or set the "
            "plugin's `datasets` globs in `mkdocs.yml`) and build again.",
            "",
        ]
    for group in groups:
        out += [f"## {md_text(group.title)}", "", _table(group.rows), ""]
    return "\n".join(out)


def _table(rows: list[Row]) -> str:
    lines = [
        "| Report | Shape | Levels | Leading observation |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        levels = ", ".join(md_text(level, limit=60) for level in row.levels) or "–"
        lines.append(
            f"| [{md_text(row.title)}]({row.href}) | {md_text(row.shape)} "
            f"| {levels} | {md_text(row.leading) or '–'} |"
        )
    return "\n".join(lines)
