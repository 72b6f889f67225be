"""Render a corpus of tables: the mean matrix as a heatmap, each cell's consistency across prompts,
the findings, and the per-prompt values as Parquet (one row per prompt × row × column)."""

from __future__ import annotations

import io
from pathlib import Path

import altair as alt
import numpy as np

from generator.analyse.corpus_tables import TableCorpusAnalysis, TableStack, cell_levels
from generator.load.corpus import CorpusSource
from generator.output.bundle import ReportBundle
from generator.render import text, vega
from generator.render.corpus import chart_files, corpus_sha256, printed
from generator.render.environment import macros, page_environment, template_errors, text_environment
from generator.render.findings import FINDINGS_SCHEMA, dump, jsonable
from generator.render.table_charts import DATA_NAME, to_spec
from generator.settings import Settings
from generator.version import __version__


def render_table_corpus(source: CorpusSource, analysis: TableCorpusAnalysis, *, rejected: int, settings: Settings,
                        slug: str, templates_dir: Path | None = None) -> ReportBundle:
    with template_errors(templates_dir):
        return _render(source, analysis, rejected, settings, slug, templates_dir)


def _render(source, analysis, rejected, settings, slug, templates_dir) -> ReportBundle:
    stack = analysis.stack
    limit = settings.input.max_label_chars
    say = macros(text_environment(templates_dir, label_limit=limit), "corpus_observations.j2", ("sentence",))
    penv = page_environment(templates_dir, label_limit=limit)
    meta = source.meta
    title = meta.title or source.name
    observations = printed(analysis.observations, say)
    sha = corpus_sha256(stack.files, stack.sha256)
    chart, records = mean_chart(stack, title=text.label(title, 120))
    spec = to_spec(chart, records)
    image, links = chart_files(spec, slug, settings)
    context = {
        "title": title, "meta": meta, "source_name": Path(source.folder).name, "sha256": sha, "version": __version__,
        "prompts": stack.prompts, "rows": len(stack.rows), "columns": len(stack.columns), "signed": stack.signed,
        "row_labels": [text.label(x, limit) for x in stack.rows[:20]], "rows_more": max(0, len(stack.rows) - 20),
        "column_labels": [text.label(x, limit) for x in stack.columns[:20]],
        "columns_more": max(0, len(stack.columns) - 20),
        "key_observations": observations[:settings.report.max_key_observations],
        "detail_observations": observations[settings.report.max_key_observations:], "files": links,
        "chart": {"id": f"ar-chart-{slug}", "spec_json": vega.page_spec(spec),
                  "alt": f"Heatmap of the mean over {stack.prompts} prompts of a {len(stack.rows)} × "
                         f"{len(stack.columns)} table. The Key Observations section describes it in words."},
    }
    findings = {
        "schema": FINDINGS_SCHEMA,
        "generator": {"name": "attention-report", "version": __version__},
        "dataset": {"name": source.name, "source": str(source.folder), "sha256": sha, "kind": "corpus",
                    "values": meta.values},
        "title": title,
        "corpus": {"prompts": stack.prompts, "tables": {"rows": list(stack.rows), "columns": list(stack.columns)},
                   "files": [{"name": Path(f).name, "sha256": h, "bytes": int(b)}
                             for f, h, b in zip(stack.files, stack.sha256, stack.sizes)],
                   "model": meta.model, "selection": meta.selection, "table": links["table"]},
        "settings": settings.to_dict(),
        "observations": observations,
        "hypotheses": [],
        "rejected": rejected,
    }
    findings = jsonable(findings)
    page = penv.get_template("corpus_table.md.j2").render(r=context).encode("utf-8")
    files = {f"{slug}.md": page, links["spec"]: dump(spec), links["findings"]: dump(findings),
             links["table"]: values_parquet(stack)}
    if image is not None:
        files[links["image"]] = image
    summary = {"shape": f"{stack.prompts} tables × {len(stack.rows)} × {len(stack.columns)}", "levels": [],
               "leading": observations[0]["text"] if observations else "", "title": title}
    return ReportBundle(slug=slug, title=title, source=str(source.folder), files=files, summary=summary)


def values_parquet(stack: TableStack) -> bytes:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    N, R, C = stack.values.shape
    frame = pd.DataFrame({
        "prompt": np.repeat(np.arange(N), R * C),
        "file": np.repeat(np.array([Path(f).name for f in stack.files], dtype=object), R * C),
        "row": np.tile(np.repeat(np.array([str(x) for x in stack.rows], dtype=object), C), N),
        "column": np.tile(np.array([str(x) for x in stack.columns], dtype=object), N * R),
        "value": stack.values.reshape(-1),
    })
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None), buffer,
                   compression="zstd")
    return buffer.getvalue()


def mean_chart(stack: TableStack, *, title: str) -> tuple[alt.Chart, list[dict]]:
    """The mean matrix; the tooltip gives each cell's count of prompts holding each level."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(stack.values, axis=0)
    levels = {name: where.sum(0) for name, where in cell_levels(stack).items()}
    records = []
    for r, row in enumerate(stack.rows):
        for c, column in enumerate(stack.columns):
            record = {"row": str(row), "column": str(column),
                      "mean": None if np.isnan(means[r, c]) else round(float(means[r, c]), 6)}
            for name, counts in levels.items():
                record[name] = int(counts[r, c])
            records.append(record)
    scale = alt.Scale(scheme="redblue", domainMid=0, reverse=True) if stack.signed else alt.Scale(scheme="blues")
    tooltip = [alt.Tooltip("row:N", title="Row"), alt.Tooltip("column:N", title="Column"),
               alt.Tooltip("mean:Q", title="Mean", format=".4g")]
    tooltip += [alt.Tooltip(f"{name}:Q", title=f"Prompts {name} (of {stack.prompts})") for name in levels]
    chart = (
        alt.Chart(alt.NamedData(DATA_NAME), title=alt.Title(title, anchor="start"))
        .mark_rect()
        .encode(x=alt.X("column:O", title="Column", sort=None), y=alt.Y("row:O", title="Row", sort=None),
                color=alt.Color("mean:Q", title="Mean", scale=scale), tooltip=tooltip)
        .properties(width=alt.Step(16), height=alt.Step(16), usermeta={"renderer": "svg", "cells": len(records)})
    )
    return chart, records
