"""Labels and titles from data never become markup or script.

Every payload of tests/corpus/hostile.py goes into every text field through the
real CLI; the page must render (Python-Markdown, the extensions of the repo's
mkdocs.yml, and separately the pymdownx set Material sites commonly enable) to
exactly the element structure of a page built from a neutral word in the same
place; its front-matter title must parse to the HTML-escaped title; the embedded
spec must hold no ``<``; the static SVG must stay inert XML.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from conftest import REPO
from mkdocs.utils.meta import get_data

from generator.render import text

sys.path.insert(0, str(Path(__file__).resolve().parent / "corpus"))
from hostile import FIELDS, NEUTRAL, PAYLOADS, write_dataset  # noqa: E402

MATERIAL_COMMON = [
    "tables", "attr_list", "md_in_html", "admonition", "footnotes", "def_list", "abbr", "toc",
    "pymdownx.details", "pymdownx.superfences", "pymdownx.highlight", "pymdownx.inlinehilite",
    "pymdownx.tabbed", "pymdownx.emoji", "pymdownx.mark", "pymdownx.tilde", "pymdownx.caret",
    "pymdownx.keys", "pymdownx.magiclink", "pymdownx.betterem", "pymdownx.smartsymbols", "pymdownx.tasklist",
    "pymdownx.arithmatex", "pymdownx.critic", "pymdownx.snippets", "pymdownx.blocks.admonition",
    "pymdownx.blocks.details", "pymdownx.blocks.html",
]


def _repo_extensions() -> tuple[list, dict]:
    config = REPO / "mkdocs.yml"
    if not config.is_file():
        return MATERIAL_COMMON, {}
    names, configs = [], {}
    for entry in yaml.load(config.read_text(), Loader=yaml.BaseLoader).get("markdown_extensions", []):
        name, options = (next(iter(entry.items())) if isinstance(entry, dict) else (entry, {}))
        names.append(name)
        if options:
            configs[name] = {k: (v == "true" if v in ("true", "false") else v) for k, v in options.items()}
    return names, configs


CONFIGS = {"mkdocs.yml": _repo_extensions(), "material-common": (MATERIAL_COMMON, {})}


class _Structure(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: Counter = Counter()
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for name, value in attrs:
            self.tags[f"{tag}[{name}]"] += 1
            if name.startswith("on"):
                self.bad.append(f"<{tag} {name}>")
            if name in ("href", "src") and (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                self.bad.append(f"<{tag} {name}={value}>")


def _structure(page: str, config: str) -> tuple[Counter, list[str], dict, str]:
    body, meta = get_data(page)  # front matter off, as MkDocs does
    names, options = CONFIGS[config]
    html = markdown.markdown(body, extensions=names, extension_configs=options)
    parser = _Structure()
    parser.feed(html)
    return parser.tags, parser.bad, meta, body


def _build(run_cli, folder: Path, out: Path, paths: list[Path], static: bool) -> None:
    args = ["build", *paths, "--out", out]
    if not static:
        args += ["--set", "chart.static_image=false"]
    result = run_cli(*args)
    assert result.code == 0, result.err


def _page(out: Path, source: Path) -> str:
    manifest = json.loads((out / ".attention-report.json").read_text())
    [report] = [r for r in manifest["reports"] if r["source"] == str(source)]
    return (out / f"{report['slug']}.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every (field, payload) dataset and each field's baseline, in one build per field."""
    from generator.cli import main

    root = tmp_path_factory.mktemp("hostile")
    pages: dict[tuple[str, int], str] = {}
    for field in FIELDS:
        paths = {-1: write_dataset(root / field / "baseline", field, NEUTRAL)}
        for i, payload in enumerate(PAYLOADS):
            paths[i] = write_dataset(root / field / f"p{i}", field, payload)
        out = root / "out" / field
        assert main(["build", *map(str, paths.values()), "--out", str(out), "--set", "chart.static_image=false"]) == 0
        for i, path in paths.items():
            pages[(field, i)] = _page(out, path)
    return pages


def test_the_corpus_is_big_enough():
    assert len(PAYLOADS) >= 30 and len(FIELDS) >= 10


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("field", FIELDS)
def test_no_payload_changes_the_page_structure(built, field, config):
    baseline, bad, _, _ = _structure(built[(field, -1)], config)
    assert bad == []
    failures = []
    for i, payload in enumerate(PAYLOADS):
        tags, bad, _, _ = _structure(built[(field, i)], config)
        if tags != baseline or bad:
            diff = {k: (baseline.get(k, 0), tags.get(k, 0)) for k in set(tags) | set(baseline) if tags[k] != baseline[k]}
            failures.append(f"{payload[:60]!r}: {diff} {bad}")
    assert failures == []


@pytest.mark.parametrize("field", FIELDS)
def test_front_matter_title_is_the_html_escaped_title(built, field):
    for i, payload in enumerate(PAYLOADS):
        _, _, meta, _ = _structure(built[(field, i)], "mkdocs.yml")
        title = meta["title"]
        if field == "title":
            expected = text.plain(payload).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            assert title == expected, payload
        assert "<" not in title and ">" not in title


@pytest.mark.parametrize("field", FIELDS)
def test_the_embedded_spec_holds_no_angle_bracket_and_parses(built, field):
    for i, payload in enumerate(PAYLOADS):
        page = built[(field, i)]
        bodies = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, flags=re.S)
        assert len(bodies) == 1, payload
        assert "<" not in bodies[0]
        json.loads(bodies[0])
        assert page.count("<script") == 1 and page.count("</script>") == 1, payload


def test_payloads_reach_the_page_as_text(built):
    """Escaping must not swallow the text: the rendered words are the payload's words."""
    for i, payload in enumerate(PAYLOADS):
        _, _, _, body = _structure(built[("description", i)], "mkdocs.yml")
        html = markdown.markdown(body, extensions=["tables"])
        shown = re.sub(r"\s+", " ", _text_of(html))
        assert " ".join(text.plain(payload).split()) in shown, payload


def _text_of(html: str) -> str:
    parts: list[str] = []

    class P(HTMLParser):
        def handle_data(self, data):
            parts.append(data)

    P(convert_charrefs=True).feed(html)
    return "".join(parts)


def test_static_images_stay_inert_svg(run_cli, tmp_path):
    """All fields at once per payload, with the static SVG: well-formed, no script, no handlers, no links."""
    for i, payload in enumerate(PAYLOADS):
        paths = [write_dataset(tmp_path / f"p{i}" / field, field, payload) for field in FIELDS]
        out = tmp_path / f"out{i}"
        result = run_cli("build", *paths, "--out", out)
        assert result.code == 0, (payload, result.err)
        for svg in out.glob("*.svg"):
            root = ET.fromstring(svg.read_bytes())
            for element in root.iter():
                tag = element.tag.rsplit("}", 1)[-1]
                assert tag not in ("script", "foreignObject", "a", "iframe", "image"), (payload, tag)
                for name, value in element.attrib.items():
                    assert not name.rsplit("}", 1)[-1].startswith("on"), (payload, name)
                    assert "javascript:" not in value.lower() or name in ("aria-label",), (payload, name, value)
