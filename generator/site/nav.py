"""Put the report pages into the nav under "Reports", in sections small enough to prune.

MkDocs builds an explicit ``nav:`` before any plugin sees the generated pages, so
the pages are created ``NOT_IN_NAV`` and added here instead; the same code then
serves an auto-generated nav too. Material prints the whole visible nav into every
page, so a flat list of hundreds of reports would be most of every page's bytes;
with ``navigation.prune`` only the open section's items are printed, which is why
big groups are split into chunks of :data:`CHUNK` pages.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page

CHUNK = 40
"""Most report links one section holds: bounds the nav printed into a report page."""

SECTION_TITLE = "Reports"


def add_reports(
    nav: Navigation,
    index: Page | None,
    groups: Sequence[tuple[str, list[tuple[Page, str]]]],
) -> None:
    """Append a Reports section (index first, then one section per group) to ``nav``.

    ``groups`` holds (group title, [(page, report title), ...] in display order),
    titles unescaped: they are escaped here, since Material prints nav titles raw.
    Pages the user already placed in an explicit ``nav:`` are left where they are.
    """
    placed = set(map(id, nav.pages))
    children: list = []
    if index is not None and id(index) not in placed:
        children.append(index)
    elif index is not None and index in nav.items:
        # ``- Reports: reports/index.md`` in an explicit nav (what engines without the plugin
        # see): that entry becomes the Reports section, the index its first page.
        position = nav.items.index(index)
        nav.items[position] = Section(SECTION_TITLE, [index])
    for title, entries in groups:
        pages = [(p, t) for p, t in entries if id(p) not in placed]
        if pages:
            children.append(Section(html.escape(title), _chunks(pages)))
    if not children:
        relink(nav)
        return
    existing = next(
        (i for i in nav.items if isinstance(i, Section) and i.title == SECTION_TITLE), None
    )
    if existing is not None:
        existing.children.extend(children)
    else:
        nav.items.append(Section(SECTION_TITLE, children))
    relink(nav)


def _chunks(entries: list[tuple[Page, str]]) -> list:
    if len(entries) <= CHUNK:
        return [page for page, _ in entries]
    return [
        Section(_range_title(part), [page for page, _ in part])
        for part in (entries[i : i + CHUNK] for i in range(0, len(entries), CHUNK))
    ]


def _range_title(entries: list[tuple[Page, str]]) -> str:
    """"first … last" report title, so a reader can tell which chunk to open."""
    first, last = (_short(title) for _, title in (entries[0], entries[-1]))
    return html.escape(f"{first} … {last}")


def _short(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= 24 else title[:23] + "…"


def relink(nav: Navigation) -> None:
    """Recompute what MkDocs derived from the nav: page order, previous/next, parents."""
    nav.pages = list(_pages(nav.items))
    for i, page in enumerate(nav.pages):
        page.previous_page = nav.pages[i - 1] if i > 0 else None
        page.next_page = nav.pages[i + 1] if i + 1 < len(nav.pages) else None
    _parents(nav.items, None)


def _pages(items):
    for item in items:
        if isinstance(item, Page):
            yield item
        if item.children:
            yield from _pages(item.children)


def _parents(items, parent) -> None:
    for item in items:
        item.parent = parent
        if item.children:
            _parents(item.children, item)
