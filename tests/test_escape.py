"""Values from data never become Markdown or HTML structure in a page."""

from __future__ import annotations

import json

import markdown
import pytest

from generator.render import text

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "# heading",
    "a | b | c",
    "<!-- comment",
    "**bold** _em_ `code`",
    "{{ 7 * 7 }} {% if x %}",
    ":smile: ==mark== ~~del~~ ^^ins^^ $x$",
    "- list item",
    "1. ordered",
    "line\nbreak\n\n## injected",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_an_escaped_value_renders_as_its_own_text_and_nothing_else(payload):
    html = markdown.markdown(f"Label: {text.md(payload)}", extensions=["tables", "attr_list"])
    assert html.startswith("<p>") and html.count("<") == 2  # only <p> and </p>


def test_bidi_controls_are_made_visible():
    assert text.plain("abc\u202edef") == "abcU+202Edef"


def test_json_script_cannot_close_its_element():
    body = text.json_script({"label": "</script><script>alert(1)</script>"})
    assert "<" not in body and json.loads(body)["label"].startswith("</script>")


def test_yaml_titles_are_html_escaped_and_quoted():
    import yaml

    title = text.yaml_string('</title><script>alert("x")</script>')
    assert yaml.safe_load(f"title: {title}")["title"] == '&lt;/title&gt;&lt;script&gt;alert("x")&lt;/script&gt;'
