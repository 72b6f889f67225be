"""What one dataset becomes: a set of sibling files, the same for the CLI and the site.

The CLI writes ``files`` into its output folder; the MkDocs plugin turns each into
a generated file under ``reports/<group>/``. Because every link inside a page is
relative to its siblings, the two never disagree about where anything lives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath


@dataclass(frozen=True)
class ReportBundle:
    """The rendered output of one dataset.

    ``files`` maps a plain file name (no folders) to its bytes. Names ending in
    ``.md`` are report pages; the first page listed is the main one.
    """

    slug: str
    title: str
    source: str
    files: dict[str, bytes] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    @property
    def pages(self) -> list[str]:
        return [name for name in self.files if name.endswith(".md")]

    @property
    def main_page(self) -> str:
        return self.pages[0]

    def __post_init__(self) -> None:
        for name in self.files:
            if PurePosixPath(name).name != name or name in {"", ".", ".."}:
                raise ValueError(f"bundle file name must be a plain name: {name!r}")
