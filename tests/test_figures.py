"""The charts' promises, checked from the specs themselves (no browser): colour agrees with the
words, level colours stand out from the page in both schemes, no text under 10 px, labels that
cannot overlap, cells fitted to the column, and the head explorer's compact files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.analyse.levels import level_grid
from generator.load.dataset import Matrix
from generator.pipeline import build_bundles
from generator.render.colours import (
    DARK_BACKGROUND,
    LIGHT_BACKGROUND,
    MIN_CONTRAST,
    contrast,
    interpolate,
    rgb,
)
from generator.render.explorer import SCALE, dequantise, head_file
from generator.render.figure import MAX_STEP, MIN_STEP, STATIC_WIDTH, Fit
from generator.render.table_charts import chart_view, heatmap, to_spec
from generator.settings import ChartSettings, LevelRule, Settings

REPO = Path(__file__).resolve().parent.parent
TABLES = ["causal-trace.csv", "head-scores.tsv", "role-pattern.jsonl", "seed-mlp-att.csv"]
SALIENT = {"High", "Positive", "Negative"}
"""Levels the text singles out; Low of unsigned data is the quiet end of its scale."""


@pytest.fixture(scope="module")
def example_specs() -> dict[str, dict]:
    bundles = build_bundles([REPO / "docs" / "datasets" / name for name in TABLES],
                            settings_defaults=({"chart": {"static_image": False}}, "test"))
    return {b.slug: json.loads(b.files[f"{b.slug}.vl.json"]) for b in bundles}


def cells(spec: dict) -> list[tuple[str, float | None]]:
    """(level, value) of every cell, unpacked like the spec's flatten transform does."""
    out = []
    for record in spec["datasets"]["cells"]:
        values = record.get("v", [None] * len(record["l"]))
        out += list(zip(record["l"], values))
    return out


def dark(colour: str, spec: dict) -> str:
    return spec["usermeta"]["dark"].get(colour.lower(), colour)


def check_colours_agree_with_levels(spec: dict) -> None:
    """Every drawn cell: Neutral is pale (under 3:1 on the page), a salient level stands out (3:1 or more)."""
    colour = spec["encoding"]["color"]
    if "scale" in colour and colour["type"] == "quantitative":
        scale = colour["scale"]
        assert scale["interpolate"] == "rgb" and scale["clamp"] is True  # what interpolate() computes
        for level, value in cells(spec):
            if value is None:
                continue
            light = interpolate(scale["domain"], scale["range"], value)
            night = interpolate(scale["domain"], [dark(c, spec) for c in scale["range"]], value)
            for drawn, page in ((light, LIGHT_BACKGROUND), (night, DARK_BACKGROUND)):
                if level == "Neutral":
                    assert contrast(drawn, page) < MIN_CONTRAST, (value, drawn, page)
                elif level in SALIENT:
                    assert contrast(drawn, page) >= MIN_CONTRAST, (level, value, drawn, page)
    else:
        names, colours = colour["scale"]["domain"], colour["scale"]["range"]
        for name, c in zip(names, colours):
            if name in ("Neutral", "(missing)"):
                continue
            assert contrast(c, LIGHT_BACKGROUND) >= MIN_CONTRAST, (name, c)
            assert contrast(dark(c, spec), DARK_BACKGROUND) >= MIN_CONTRAST, (name, dark(c, spec))


@pytest.mark.parametrize("slug", [Path(n).stem for n in TABLES])
def test_example_charts_colour_agrees_with_the_levels_in_both_schemes(example_specs, slug):
    check_colours_agree_with_levels(example_specs[slug])


def test_the_causal_trace_cell_the_text_calls_neutral_is_pale(example_specs):
    # The case: a −0.206 cell, Neutral in the text, used to be drawn in the darkest red.
    spec = example_specs["causal-trace"]
    [(level, value)] = [(lv, v) for lv, v in cells(spec) if v is not None and abs(v + 0.206) < 1e-9]
    scale = spec["encoding"]["color"]["scale"]
    assert level == "Neutral"
    assert contrast(interpolate(scale["domain"], scale["range"], value), LIGHT_BACKGROUND) < 2


def test_the_legend_of_a_value_scale_marks_the_cut_points_the_text_uses(example_specs):
    for slug in ("causal-trace", "head-scores"):
        spec = example_specs[slug]
        findings_rule = spec["encoding"]["color"]["legend"]["values"]
        scale = spec["encoding"]["color"]["scale"]["domain"]
        # The level colour starts exactly at each cut: the domain holds it, the legend labels it.
        title = spec["encoding"]["color"]["legend"]["title"]
        assert title.startswith("Value (levels cut at ")
        assert len(findings_rule) >= 3 and all(v in scale or any(abs(v - d) < 1e-12 for d in scale)
                                               for v in findings_rule)


@st.composite
def numeric_grids(draw):
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 12))
    signed = draw(st.booleans())
    low = -1.0 if signed else 0.0
    values = draw(st.lists(st.one_of(st.floats(low, 1.0, allow_nan=False), st.none()),
                           min_size=rows * cols, max_size=rows * cols))
    if all(v is None for v in values):
        values[0] = 0.5
    matrix = np.array([math.nan if v is None else v for v in values], dtype=float).reshape(rows, cols)
    rule = draw(st.sampled_from([LevelRule(), LevelRule("thresholds", 0.5, 0.1), LevelRule("thresholds", 0.3, -0.3),
                                 LevelRule("quantiles", 0.8, 0.2), LevelRule("thresholds", 0.2, 0.2)]))
    return Matrix(tuple(f"r{i}" for i in range(rows)), tuple(range(cols)), matrix, "numeric"), rule


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(numeric_grids())
def test_numeric_colour_never_contradicts_the_level_the_text_gives(data):
    matrix, rule = data
    grid = level_grid(matrix, rule, source="test")
    chart_settings = ChartSettings()
    view = chart_view(grid, chart_settings)
    chart, records = heatmap(grid, view, chart_settings, title="t", row_title="Row", column_title="Column")
    spec = to_spec(chart, records)
    check_colours_agree_with_levels(spec)
    # Domain strictly increasing: a piecewise scale with a repeated stop would draw nothing sensible.
    domain = spec["encoding"]["color"]["scale"]["domain"]
    assert all(a < b for a, b in zip(domain, domain[1:]))


def test_missing_cells_are_a_grey_unlike_every_level_colour_and_tint(example_specs):
    missing = ChartSettings().missing_colour
    for page in (LIGHT_BACKGROUND, DARK_BACKGROUND):
        assert contrast(missing, page) >= MIN_CONTRAST
    r, g, b = rgb(missing)
    assert r == g == b  # no hue: it cannot be read as a level
    for spec in example_specs.values():
        scale = spec["encoding"]["color"]["scale"]
        for c in scale["range"]:
            if c == missing:
                continue
            cr, cg, cb = rgb(c)
            assert max(abs(cr - r), abs(cg - g), abs(cb - b)) >= 40, (c, missing)


def test_default_level_and_fallback_colours_clear_3_to_1_on_both_pages_and_avoid_red_against_green():
    from generator.render.table_charts import FALLBACK

    for name, c in {**Settings().chart.colours, **{f"fallback {i}": c for i, c in enumerate(FALLBACK)}}.items():
        if name == "Neutral":
            continue
        assert contrast(c, LIGHT_BACKGROUND) >= MIN_CONTRAST, name
        assert contrast(c, DARK_BACKGROUND) >= MIN_CONTRAST, name
    high, low = rgb(Settings().chart.colours["High"]), rgb(Settings().chart.colours["Low"])
    assert high[2] > high[0] and low[0] > low[2]  # blue against vermilion


def font_sizes(node) -> list[float]:
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k.lower().endswith("fontsize") and isinstance(v, (int, float)):
                found.append(v)
            found += font_sizes(v)
    elif isinstance(node, list):
        for v in node:
            found += font_sizes(v)
    return found


def test_no_chart_text_is_set_under_10px_and_text_axes_thin_and_cut_their_labels(example_specs):
    for spec in example_specs.values():
        sizes = font_sizes({k: v for k, v in spec.items() if k != "datasets"})
        assert sizes and min(sizes) >= 10
        for channel in ("x", "y"):
            axis = spec["encoding"][channel]["axis"]
            assert axis["labelOverlap"] is True and axis["labelLimit"] <= 120
            assert axis.get("ticks", True) is True  # numeric axes (positions, layers) keep their ticks
            assert axis["labelAngle"] in (0, -90)  # upright or vertical: label boxes are exact
        assert spec["encoding"]["color"]["legend"]["orient"] == "top"  # in view at scroll 0


@pytest.mark.parametrize("columns", [2, 12, 74, 300])
def test_cells_fill_the_column_between_the_legible_and_the_largest_step(columns):
    fit = Fit(columns=columns, rows=3, gutter=60)
    for width in (STATIC_WIDTH, 358):
        x, y = fit.steps(width)
        assert MIN_STEP <= x <= MAX_STEP and y >= x
        fits = fit.gutter + columns * MIN_STEP <= width
        assert (fit.gutter + columns * x <= width) == fits or not fits
        if fits and x < MAX_STEP:
            assert fit.gutter + columns * (x + 1) > width  # the largest step that fits


def test_static_images_fit_the_content_column_at_1280px():
    from generator.render.table_charts import image_width

    bundles = build_bundles([REPO / "docs" / "datasets" / name for name in TABLES])
    for b in bundles:
        [image] = [v for k, v in b.files.items() if k.endswith((".svg", ".png"))]
        spec = json.loads(b.files[f"{b.slug}.vl.json"])
        fit = Fit(**{k: v for k, v in spec["usermeta"]["fit"].items()})
        if fit.gutter + fit.columns * fit.min_step <= STATIC_WIDTH:
            assert image_width(image) <= STATIC_WIDTH, b.slug
        assert f'width="{image_width(image)}"' in b.files[f"{b.slug}.md"].decode()


def test_a_head_file_is_compact_exact_to_half_a_step_and_carries_its_tokens():
    rng = np.random.default_rng(0)
    weights = rng.random((256, 256))
    weights /= weights.sum(axis=1, keepdims=True)
    tokens = [f"tok{i}</script>\u2028" for i in range(256)]
    data = head_file("x-layer-0-head-0", weights, tokens, layer=0, head=0)
    assert len(data) <= 300_000
    text = data.decode("ascii")  # every token escaped: nothing in it can end the string or the script
    assert text.startswith("window.attentionReportHead && window.attentionReportHead(") and text.endswith(");\n")
    payload = json.loads(text[text.index("(", 40) + 1:-3])
    assert payload["tokens"] == tokens and payload["n"] == 256 and payload["scale"] == SCALE
    assert np.abs(dequantise(payload["weights"], 256) - weights).max() <= 0.5 / SCALE + 1e-12


def test_a_layer_page_links_its_heads_files_but_carries_none_of_their_data(tmp_path):
    [bundle] = build_bundles([REPO / "docs" / "datasets" / "minilm" / "two-sentences.npz"],
                             settings_defaults=({"chart": {"static_image": False}}, "test"))
    page = bundle.files[f"{bundle.slug}-layer-0.md"].decode()
    heads = [name for name in bundle.files if name.startswith(f"{bundle.slug}-layer-0-head-")]
    assert len(heads) == 12
    for name in heads:
        assert f'"src":"{name}"'.replace(":", ": ") in page or f'"{name}"' in page
        assert bundle.files[name].decode("ascii").split('"weights":"')[1][:40] not in page
