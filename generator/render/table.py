"""Render one analysed dataset into its bundle: page, spec, findings and static image.

This stage only lays out and formats; every number it prints was computed by
:mod:`generator.analyse.table`. Sentences are rendered once, in the text environment,
and the very same strings go into the page and into the findings JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from generator.version import __version__
from generator.analyse.levels import LevelGrid
from generator.analyse.numeric_kinds import axis_unit, numeric_axis
from generator.analyse.table import (
    Analysis,
    column_unit,
    find_level_runs,
    identical_groups,
)
from generator.load.dataset import Dataset
from generator.output.bundle import ReportBundle
from generator.render import text, vega
from generator.render.environment import (
    macros,
    page_environment,
    render_page,
    template_errors,
    text_environment,
)
from generator.render.findings import FINDINGS_SCHEMA, dump, jsonable, one_line, placed, readings
from generator.render.table_charts import (
    chart_view,
    heatmap,
    image_width,
    level_colour,
    static_image,
    to_spec,
    with_values,
)
from generator.settings import Settings

TABLE_MAX_CELLS = 2_000
VALUES_NOUN = {
    "attention": "attention weights",
    "effect": "signed effects",
    "categories": "category labels",
    "other": "values",
}


@dataclass(frozen=True)
class Axes:
    """How the axes are named in sentences."""

    row_title: str
    column_title: str
    row_noun: str
    column_noun: str
    row_count: int
    numeric_rows: bool
    numeric_columns: bool
    column_unit: float
    row_unit: float
    numeric_values: bool
    max_listed: int


@dataclass(frozen=True)
class Rendered:
    """Everything the render stage made for one dataset, before it becomes files."""

    markdown: str
    spec: dict
    findings: dict
    chart: object  # the Altair chart, for notebooks
    image: bytes | None
    image_ext: str


def render_dataset(dataset: Dataset, grid: LevelGrid, analysis: Analysis, settings: Settings, *,
                   slug: str, templates_dir: Path | None = None, data_name: str | None = None) -> Rendered:
    with template_errors(templates_dir):
        return _render_dataset(dataset, grid, analysis, settings, slug=slug, templates_dir=templates_dir,
                               data_name=data_name)


def _render_dataset(dataset: Dataset, grid: LevelGrid, analysis: Analysis, settings: Settings, *,
                    slug: str, templates_dir: Path | None, data_name: str | None) -> Rendered:
    limit = settings.input.max_label_chars
    names = text.distinct_cuts([*grid.rows, *grid.columns], limit)  # one cut per text, unique on both axes
    tenv = text_environment(templates_dir, label_limit=limit, label_names=names)
    penv = page_environment(templates_dir, label_limit=limit, label_names=names)
    ax = _axes(dataset, grid, settings)
    title = dataset.meta.title or dataset.name
    view = chart_view(grid, settings.chart)
    chart, records = heatmap(grid, view, settings.chart, title=text.label(title, 120), row_title=ax.row_title,
                             column_title=ax.column_title)
    spec = to_spec(chart, records)
    sentences = macros(tenv, "observations.j2", ("sentence", "ranges_phrase"))
    readings_macros = macros(tenv, "hypotheses.j2", ("interpretation", "implication"))
    observations = []
    for o in analysis.observations:
        fields = jsonable(o.fields())
        observations.append({**fields, "text": one_line(sentences.sentence(fields, ax))})
    observations = placed(observations, analysis.ranks, settings.report)
    interpretations, implications = readings(
        observations, lambda o: readings_macros.interpretation(o, ax, dataset.meta),
        lambda o: readings_macros.implication(o, ax, dataset.meta))
    image_view, image_spec = view, spec
    if view.cells > settings.chart.static_max_cells:  # a huge image: coarser blocks, said on the page
        image_view = chart_view(grid, replace(settings.chart, max_chart_cells=settings.chart.static_max_cells))
        image_spec = to_spec(*heatmap(grid, image_view, settings.chart, title=text.label(title, 120),
                                      row_title=ax.row_title, column_title=ax.column_title))
    png = image_view.cells > settings.chart.canvas_above_cells
    image_ext = "png" if png else "svg"
    image = static_image(image_spec, png=png) if settings.chart.static_image else None
    files = {
        "data": data_name or f"{slug}.data",
        "spec": f"{slug}.vl.json",
        "findings": f"{slug}.findings.json",
        "image": f"{slug}.{image_ext}" if image is not None else None,
    }
    findings = {
        "schema": FINDINGS_SCHEMA,
        "generator": {"name": "attention-report", "version": __version__},
        "dataset": {"name": dataset.name, "source": dataset.source, "sha256": dataset.sha256,
                    "kind": grid_kind(grid), "values": dataset.meta.values},
        "title": title,
        "rows": jsonable(list(grid.rows)),
        "columns": jsonable(list(grid.columns)),
        "levels": jsonable(asdict(grid.scheme)),
        "facts": jsonable(asdict(analysis.facts)),
        "settings": settings.to_dict(),
        "observations": observations,
        "hypotheses": [{**h, "section": "interpretation"} for h in interpretations]
        + [{**h, "section": "implications"} for h in implications],
        "rejected": len(analysis.rejected),
    }
    context = {
        "title": title,
        "meta": dataset.meta,
        "facts": analysis.facts,
        "scheme": grid.scheme,
        "ax": ax,
        "source_name": Path(dataset.source).name,
        "sha256": dataset.sha256,
        "version": __version__,
        "values_noun": VALUES_NOUN.get(dataset.meta.values or "", "category labels" if grid.values is None else "values"),
        "row_labels": list(grid.rows),
        "column_labels": list(grid.columns),
        "legend": _legend(grid, analysis, settings),
        "missing_count": analysis.facts.cells - analysis.facts.present,
        "missing_colour": settings.chart.missing_colour,
        "row_groups": _row_groups(grid, sentences, ax)
        if len(identical_groups(grid)) <= settings.analysis.level_runs_max_rows else [],
        "row_groups_limit": settings.analysis.level_runs_max_rows,
        "table": _table(grid),
        "observations": observations,
        "key_observations": [o for o in observations if o["section"] == "key"],
        "detail_observations": [o for o in observations if o["section"] == "detail"],
        "interpretations": interpretations,
        "implications": implications,
        "files": files,
        "chart": {"id": f"ar-chart-{slug}", "spec_json": vega.page_spec(spec), "block": view.block,
                  "image_block": image_view.block, "cells": view.cells, "alt": _alt(title, analysis, ax),
                  "image_width": image_width(image) if image is not None else None},
    }
    markdown = render_page(penv, "report.md.j2", context)
    return Rendered(markdown, spec, findings, with_values(chart, records), image, image_ext)


def to_bundle(dataset: Dataset, rendered: Rendered, *, slug: str, data_bytes: bytes, data_name: str) -> ReportBundle:
    files = {
        f"{slug}.md": rendered.markdown.encode("utf-8"),
        f"{slug}.vl.json": dump(rendered.spec),
        f"{slug}.findings.json": dump(rendered.findings),
        data_name: data_bytes,
    }
    if rendered.image is not None:
        files[f"{slug}.{rendered.image_ext}"] = rendered.image
    obs = rendered.findings["observations"]
    summary = {
        "shape": f"{len(rendered.findings['rows'])} × {len(rendered.findings['columns'])}",
        "levels": list(rendered.findings["levels"]["names"]),
        "leading": obs[0]["text"] if obs else "",
        "title": rendered.findings["title"],
    }
    return ReportBundle(slug=slug, title=rendered.findings["title"], source=dataset.source, files=files,
                        summary=summary)


def grid_kind(grid: LevelGrid) -> str:
    return "categorical" if grid.values is None else "numeric"


def _axes(dataset: Dataset, grid: LevelGrid, settings: Settings) -> Axes:
    meta = dataset.meta
    mapped = dataset.matrix.axis_names or (None, None)  # a tidy file's renamed columns, e.g. layer, token
    row_axis, column_axis = meta.row_axis or mapped[0], meta.column_axis or mapped[1]
    row_title = row_axis or "Row"
    column_title = column_axis or "Column"
    return Axes(row_title=text.plain(row_title), column_title=text.plain(column_title),
                row_noun=_noun(row_axis, "row"), column_noun=_noun(column_axis, "column"),
                row_count=len(grid.rows), numeric_columns=grid.numeric_columns, column_unit=column_unit(grid),
                row_unit=axis_unit(grid.rows) if numeric_axis(grid.rows) else 1,
                numeric_rows=all(isinstance(x, (int, float)) for x in grid.rows),
                numeric_values=grid.values is not None, max_listed=settings.analysis.max_listed_cells)


def _noun(title: str | None, default: str) -> str:
    """'Position' -> 'position', so sentences read 'every odd-numbered position'."""
    if not title:
        return default
    word = text.plain(title)
    return word.lower() if word.isalpha() and len(word) <= 20 else default


def _legend(grid: LevelGrid, analysis: Analysis, settings: Settings) -> list[dict]:
    return [{"name": text.distinguishable(name), "colour": level_colour(name, i, settings.chart),
             "count": analysis.facts.level_counts.get(name, 0)} for i, name in enumerate(grid.scheme.names)]


def _row_groups(grid: LevelGrid, sentences, ax: Axes) -> list[dict]:
    """Per group of identical rows: each level's count and ranges (the observations' own runs)."""
    groups = []
    for group in identical_groups(grid):
        runs = find_level_runs(grid, [group])
        levels = [{"name": run.level, "count": len(run.columns),
                   "text": one_line(sentences.ranges_phrase(jsonable(run.ranges), ax))} for run in runs]
        entry = {"rows": [grid.rows[i] for i in group], "levels": levels, "minimum": None}
        if grid.values is not None:
            row = grid.values[group[0]]
            finite = row[~np.isnan(row)]
            if finite.size:
                entry.update(minimum=float(finite.min()), maximum=float(finite.max()), mean=float(finite.mean()))
        groups.append(entry)
    return groups


def _table(grid: LevelGrid) -> dict | None:
    if grid.levels.size > TABLE_MAX_CELLS:
        return None
    rows = []
    for r, label in enumerate(grid.rows):
        if grid.values is not None:
            cells = [text.number(v) if not np.isnan(v) else "" for v in grid.values[r]]
        else:
            cells = ["" if v is None else v for v in grid.levels[r]]
        rows.append({"label": label, "cells": cells})
    return {"columns": list(grid.columns), "rows": rows}


def _alt(title: str, analysis: Analysis, ax: Axes) -> str:
    return (f"Heatmap of {text.label(title, 120)}: {analysis.facts.rows} {ax.row_noun}s by {analysis.facts.columns} "
            f"{ax.column_noun}s. The Key Observations section describes it in words.")

