"""A stand-in for ``generator.pipeline.build_bundles`` with the contract's shape.

Used only while the real pipeline is not on the branch, so the plugin and the
browser tests can be written against the agreed ``ReportBundle`` contract. It reads
a square-ish CSV (first row: key labels, first column: query labels) and an
optional ``<stem>.yml`` sidecar with ``title:``.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import yaml

from generator.bundle import ReportBundle
from generator.errors import InputError, Problem
from generator.site.index_page import front_matter_title, md_text


def build_bundles(paths, *, settings_overrides=None, templates_dir=None):
    problems, bundles = [], []
    for path in map(Path, paths):
        try:
            bundles.append(_bundle(path))
        except ValueError as error:
            problems.append(Problem(str(path), "", str(error)))
    if problems:
        raise InputError(problems)
    return bundles


def _bundle(path: Path) -> ReportBundle:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    if len(rows) < 2 or len(rows[0]) < 2:
        raise ValueError("needs a header row and at least one data row")
    keys = rows[0][1:]
    queries = [r[0] for r in rows[1:]]
    values = []
    for i, row in enumerate(rows[1:]):
        if len(row) != len(keys) + 1:
            raise ValueError(f"row {i + 2} has {len(row) - 1} values, expected {len(keys)}")
        for j, cell in enumerate(row[1:]):
            values.append({"q": i, "k": j, "query": queries[i], "key": keys[j], "w": float(cell)})
    sidecar = path.with_suffix(".yml")
    meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    title = str((meta or {}).get("title") or path.stem)
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "report"
    spec = _spec(title, values, len(queries), len(keys))
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    best = max(values, key=lambda v: v["w"])
    leading = f"The strongest weight, {best['w']:.2f}, is from {best['query']} to {best['key']}."
    spec_json = json.dumps(spec).replace("<", "\\u003c")
    page = "\n".join(
        [
            "---",
            f"title: {front_matter_title(title)}",
            "---",
            "",
            f"# {md_text(title)}",
            "",
            f'<div class="ar-chart" id="ar-chart-{slug}" role="img" '
            f'aria-label="Attention heatmap: {html.escape(title, quote=True)}"></div>',
            f'<script type="application/json" class="ar-spec" data-target="ar-chart-{slug}">'
            f"{spec_json}</script>",
            "",
            f"![Static image of the heatmap]({slug}.svg)",
            "",
            md_text(leading),
            "",
            f"[Download the data]({path.name})",
            "",
        ]
    )
    return ReportBundle(
        slug=slug,
        title=title,
        source=str(path),
        files={
            f"{slug}.md": page.encode(),
            f"{slug}.vl.json": json.dumps(spec).encode(),
            f"{slug}.findings.json": json.dumps({"leading": leading}).encode(),
            f"{slug}.svg": svg.encode(),
            path.name: path.read_bytes(),
        },
        summary={
            "shape": f"{len(queries)} × {len(keys)}",
            "levels": [],
            "leading": leading,
        },
    )


def _spec(title, values, n_rows, n_cols):
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": title,
        "data": {"values": values},
        "mark": "rect",
        "width": max(120, 14 * n_cols),
        "height": max(60, 14 * n_rows),
        "encoding": {
            "x": {"field": "key", "type": "ordinal", "sort": None},
            "y": {"field": "query", "type": "ordinal", "sort": None},
            "color": {"field": "w", "type": "quantitative"},
            "tooltip": [{"field": "query"}, {"field": "key"}, {"field": "w"}],
        },
        "usermeta": {"renderer": "svg"},
    }
