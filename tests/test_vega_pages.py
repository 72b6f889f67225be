"""Pages carry Vega compiled from the report's Vega-Lite at build time (generator/render/vega.py),
so the site ships the Vega runtime alone. Checked here without a browser: the compiled spec holds
the same data, drops Vega-Lite's white background, and exposes what the init script refits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.pipeline import build_bundles
from generator.render.vega import COLUMNS_SIGNAL, CompileError, compiled

REPO = Path(__file__).resolve().parent.parent
SPEC = re.compile(r'<script type="application/json" class="ar-spec" data-target="([^"]+)">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    bundles = build_bundles([REPO / "docs/datasets/seed-mlp-att.csv", REPO / "docs/datasets/causal-trace.csv",
                             REPO / "docs/datasets/induction/repeat-12.npz"],
                            settings_defaults=({"chart": {"static_image": False}}, "test"))
    return {name: data.decode() for b in bundles for name, data in b.files.items() if name.endswith(".md")}


def specs(page: str) -> dict[str, dict]:
    return {target: json.loads(body)[0] for target, body in SPEC.findall(page)}


def test_every_page_spec_is_vega_with_its_data_inline_and_no_background(pages):
    found = [spec for page in pages.values() for spec in specs(page).values()]
    assert len(found) >= 4
    for spec in found:
        assert "/schema/vega/" in spec["$schema"] and "background" not in spec
        assert all("values" in d or "source" in d or "transform" in d or d["name"] in ("head", "query_store")
                   for d in spec["data"]), [d["name"] for d in spec["data"]]


def test_the_page_spec_is_the_spec_file_compiled_with_the_same_cells(pages):
    bundle = build_bundles([REPO / "docs/datasets/causal-trace.csv"],
                           settings_defaults=({"chart": {"static_image": False}}, "test"))[0]
    source = json.loads(bundle.files[f"{bundle.slug}.vl.json"])
    [page_spec] = specs(bundle.files[f"{bundle.slug}.md"].decode()).values()
    [cells] = [d["values"] for d in page_spec["data"] if d["name"] == "cells"]
    assert cells == source["datasets"]["cells"] and page_spec["usermeta"] == source["usermeta"]
    assert {"x_step", "y_step"} <= {s["name"] for s in page_spec["signals"]}  # what refit sets


def test_small_multiples_read_their_column_count_from_one_signal(pages):
    layer = specs(pages["repeat-12-layer-0.md"])
    [grid] = [s for target, s in layer.items() if target.startswith("ar-chart-")]
    [signal] = [s for s in grid["signals"] if s["name"] == COLUMNS_SIGNAL]
    assert grid["layout"]["columns"] == signal["value"] == 4
    stops = [t["stop"]["signal"] for d in grid["data"] if d["name"].startswith("facet_domain_")
             for t in d.get("transform", []) if "stop" in t]
    assert len(stops) == 2 and all(COLUMNS_SIGNAL in s and not re.search(r"\b4\b", s) for s in stops)


def test_the_explorer_names_the_vega_signals_it_fills_in(pages):
    layer = specs(pages["repeat-12-layer-0.md"])
    [explorer] = [s for target, s in layer.items() if target.startswith("ar-explorer-")]
    names = explorer["usermeta"]["explorer"]["vega"]
    signals = {s["name"]: s for s in explorer["signals"]}
    assert "bind" in signals[names["query"]] and names["tokens"] in signals and names["height"] in signals
    assert any(d["name"] == names["data"] for d in explorer["data"]) and "width" in explorer


def test_a_dataset_the_compiled_spec_does_not_use_is_an_error():
    spec = {"data": {"name": "cells"}, "mark": "rect", "encoding": {"x": {"field": "a", "type": "ordinal"}},
            "datasets": {"cells": [{"a": 1}], "other": [{"a": 2}]}}
    with pytest.raises(CompileError, match="other"):
        compiled(spec)
