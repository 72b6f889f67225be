"""Key Observations of a corpus report hold at most report.max_key_observations items (issue 10's cap);
nothing left out of Key is lost from the page: it is printed under Detailed Analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.pipeline import build_bundles

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "datasets"


def section(page: str, title: str) -> str:
    return page.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("name", ["planted-heads", "patching-per-prompt"])
def test_key_observations_are_capped_and_the_rest_are_in_detailed_analysis(name):
    overrides = {"chart": {"static_image": False}, "report": {"max_key_observations": 3}}
    [bundle] = build_bundles([EXAMPLES / name], settings_overrides=overrides)
    page = bundle.files[f"{bundle.slug}.md"].decode("utf-8")
    findings = json.loads(bundle.files[f"{bundle.slug}.findings.json"])
    key, detail = section(page, "Key Observations"), section(page, "Detailed Analysis")
    texts = [o["text"] for o in findings["observations"]
             if o["kind"] != "corpus_head_role" or o["pattern"] != "broad"]
    assert len(texts) > 3
    printed_key = [t for t in texts if t in key]
    assert printed_key == texts[:3]  # the first three, in the findings' order
    assert all(t in detail for t in texts[3:])


def test_prompt_dependent_heads_come_before_the_first_lines_restatements():
    [bundle] = build_bundles([EXAMPLES / "planted-heads"], settings_overrides={"chart": {"static_image": False}})
    kinds = [o["kind"] for o in json.loads(bundle.files[f"{bundle.slug}.findings.json"])["observations"]]
    assert kinds[:5] == ["corpus_consistent_heads", "corpus_prompt_dependent", "corpus_prompt_dependent",
                         "corpus_head_role", "corpus_head_role"]
