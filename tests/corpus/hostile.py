"""Hostile text, and how to put it into every text field a dataset has.

``PAYLOADS`` are strings that would become markup, script, links, template code or
reordered text if any stage forgot to escape them. ``FIELDS`` are the places text
from a user's files reaches a page: labels, level names, every sidecar text key
and the file name. :func:`write_dataset` writes one dataset with one payload in
one field (or the neutral word, for the baseline page of the same shape).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

NEUTRAL = "Neutralword"

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "<svg/onload=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "' autofocus onfocus='alert(1)",
    "[click](javascript:alert(1))",
    "javascript:alert(1)",
    "<a href='javascript:alert(1)'>x</a>",
    "![img](x.png)",
    "# heading",
    "## injected\n\n<script>alert(1)</script>",
    "a | b | c",
    "|---|---|",
    "<!-- comment",
    "-->",
    "**bold** _em_ `code` ~~del~~ ==mark== ^^ins^^ ++ctrl+alt++",
    "{{ 7 * 7 }} {% if x %}{% endif %} {# c #}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "- list item",
    "1. ordered",
    "> quote",
    "    indented code",
    "```\nfence\n```",
    "/// details | injected\nbody\n///",
    "!!! warning \"x\"",
    "{: .cls onclick=alert(1) }",
    "www.example.com and http://example.com",
    "--8<-- \"/etc/passwd\"",
    "$x^2$ :smile: [^1] *[HTML]: x",
    "&lt;script&gt; &#60;b&#62;",
    "\u202eevil\u202c txt.exe \u2066rtl\u2069 \u200f",
    "ctrl\x01\x07\x1b chars",
    "line\nbreak\r\n\ttab",
    "x" * 3000,
    "<" * 200 + ">" * 200,
]

FIELDS = ["row", "column", "level", "categories", "title", "description", "axis_rows", "axis_columns", "context",
          "filename"]


def file_stem(payload: str) -> str:
    """A payload as a Linux file name: no slash, no NUL, at most 120 bytes."""
    stem = payload.replace("/", "%2F").replace("\0", "")
    while len(stem.encode("utf-8")) > 120:
        stem = stem[:-1]
    return stem.strip() or "blank"


def write_dataset(folder: Path, field: str, text: str) -> Path:
    """One 2 × 3 dataset with ``text`` in ``field``; returns the data file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = file_stem(text) if field == "filename" else "data"
    path = folder / f"{stem}.csv"
    sidecar: dict = {}
    header = ["label", "c1", "c2", "c3"]
    rows = [["alpha", "0.1", "0.5", "0.9"], ["beta", "0.8", "0.2", "0.4"]]
    if field == "row":
        rows[0][0] = text
    elif field == "column":
        header[1] = text
    elif field in ("level", "categories"):
        rows = [["alpha", text, "Low", text], ["beta", "Low", text, "Low"]]
        sidecar["values"] = "categories"
        if field == "categories":
            sidecar["categories"] = [text, "Low"]
    elif field in ("axis_rows", "axis_columns"):
        sidecar["axes"] = {field.split("_")[1]: text}
    elif field in ("title", "description", "context"):
        sidecar[field] = text
    elif field != "filename":
        raise ValueError(field)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    if sidecar:
        path.with_suffix(".yml").write_text(yaml.safe_dump(sidecar, allow_unicode=False), encoding="utf-8")
    return path
