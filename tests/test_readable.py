"""The Markdown a person reads in git: few entities, short lines, a spec a diff can follow.

Targets from the issue: the seed report's page holds no character reference for
``:``, ``(`` or ``)`` and no line over 300 characters outside its data table; the
docs pages show no references as text. Wrapping and pretty-printing change the
source only: the rendered page must be the same.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import report
from generator.render import text

REPO = Path(__file__).resolve().parent.parent
EXTENSIONS = ["tables", "admonition", "attr_list", "fenced_code", "toc"]


def test_the_seed_report_reads_plainly():
    page = report(REPO / "docs/datasets/seed-mlp-att.csv").markdown
    for char in ":()":
        assert f"&#{ord(char)};" not in page and f"&#x{ord(char):x};" not in page.lower(), char
    table = re.search(r"<details class=\"ar-table\">.*?</details>", page, re.S)
    spec = re.search(r"<script type=\"application/json\".*?</script>", page, re.S)
    outside = page.replace(table.group(0), "").replace(spec.group(0), "")
    long = [line[:80] for line in outside.splitlines() if len(line) > 300]
    assert long == []
    # The compiled Vega keeps each expression (a tooltip, a mark's description) on one line.
    assert max(len(line) for line in spec.group(0).splitlines()) < 600
    assert "MLP and ATT are identical: they hold the same level" in page


def test_the_spec_in_the_page_is_pretty_printed_and_is_the_spec_file_compiled_to_vega():
    from generator.kinds import kind_for
    from generator.pipeline import bundle_for, load
    from generator.render.vega import compiled

    path = REPO / "docs/datasets/seed-mlp-att.csv"
    bundle = bundle_for(kind_for(path), load(path), "seed", None)
    page = bundle.files["seed.md"].decode()
    body = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S).group(1)
    assert body.count("\n") > 10 and "\n\n" not in body
    [page_spec] = json.loads(body)
    spec = json.loads(bundle.files["seed.vl.json"])
    assert "/schema/vega-lite/" in spec["$schema"] and "/schema/vega/" in page_spec["$schema"]
    assert page_spec == compiled(spec)
    [cells] = [d for d in page_spec["data"] if d["name"] == "cells"]
    assert cells["values"] == spec["datasets"]["cells"] and page_spec["usermeta"] == spec["usermeta"]


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                    | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=40) | st.dictionaries(st.text(max_size=10), inner,
                                                                                    max_size=8),
                    max_leaves=200))
def test_pretty_json_round_trips_and_never_has_a_blank_line(data):
    body = text.json_script([data])
    assert json.loads(body) == [data]
    assert "\n\n" not in body and "<" not in body


_WORDS = st.sampled_from(["alpha", "Beta", "1.", "-", "2)", "(x)", "`a b`", "gamma:", "delta,", "x" * 40, "&#42;",
                          "[link](x.md)", "**bold**", "> q", "#", "–", "“q”", "Ünï", "=", "+", "<b>", "</b>"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_WORDS, min_size=3, max_size=70).map(" ".join))
def test_wrapping_long_lines_leaves_the_rendered_page_unchanged(line):
    page = f"---\ntitle: x\n---\n\nIntro {line}\n\n- item {line}\n- two {line}\n\n1. first {line}\n2. second\n"
    wrapped = text.readable_lines(page, 60)
    squash = lambda html: re.sub(r"\s+", " ", html)  # noqa: E731
    assert squash(markdown.markdown(wrapped, extensions=EXTENSIONS)) == squash(markdown.markdown(page,
                                                                                                 extensions=EXTENSIONS))


class _VisibleText(HTMLParser):
    """Text a reader sees, outside code (where a page may quote a reference on purpose)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.code = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.code += tag in ("code", "pre")

    def handle_endtag(self, tag):
        self.code -= tag in ("code", "pre")

    def handle_data(self, data):
        if not self.code:
            self.parts.append(data)


def test_the_docs_pages_show_no_character_references_as_text():
    for path in sorted((REPO / "docs").glob("*.md")):
        html = markdown.markdown(path.read_text(encoding="utf-8"), extensions=EXTENSIONS)
        parser = _VisibleText()
        parser.feed(html)
        shown = "".join(parser.parts)
        assert not re.search(r"&#\d+;|&[a-z]+;", shown), (path.name, re.findall(r".{20}&#?\w+;.{20}", shown)[:3])
        for block in re.findall(r"<pre><code class=\"language-text\">(.*?)</code></pre>", html, re.S):
            # excerpts of report pages are shown as the site shows them
            assert not re.search(r"&amp;#\d+;", block), (path.name, block[:200])
