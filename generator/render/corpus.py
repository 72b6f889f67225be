"""Render an analysed corpus into its bundle: one report page, the chart, the findings and the
per-prompt metric table (Parquet) that every figure on the page can be recomputed from.

Like the other renderers this only lays out: sentences come from the text
environment once, and the same strings land in the page and the findings.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import altair as alt
import numpy as np

from generator.analyse.corpus import FOCUSED, METRICS, RULES, CorpusAnalysis, CorpusTable
from generator.analyse.heads import PATTERNS
from generator.load.corpus import CorpusSource
from generator.output.bundle import ReportBundle
from generator.render import text, vega
from generator.render.environment import macros, page_environment, template_errors, text_environment
from generator.render.figure import CONFIG, STATIC_WIDTH, STROKE, Fit, scheme_colours
from generator.render.findings import FINDINGS_SCHEMA, dump, jsonable, one_line
from generator.render.table_charts import DATA_NAME, static_image, to_spec
from generator.settings import Settings
from generator.version import __version__


def corpus_sha256(files, sha256) -> str:
    """One hash for a corpus (of tensors or of tables): of every prompt's file name and SHA-256, in file order."""
    lines = "".join(f"{Path(f).name}\t{h}\n" for f, h in zip(files, sha256))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def printed(observations, say) -> list[dict]:
    """Each observation's fields with the sentence the templates print for it."""
    out = []
    for o in observations:
        fields = jsonable(o.fields())
        out.append({**fields, "text": one_line(say.sentence(fields))})
    return out


def chart_files(spec: dict, slug: str, settings: Settings) -> tuple[bytes | None, dict]:
    """A corpus report's static image (if the settings want one) and the links to its files."""
    image = static_image(spec, png=False) if settings.chart.static_image else None
    return image, {"table": f"{slug}.prompts.parquet", "spec": f"{slug}.vl.json",
                   "findings": f"{slug}.findings.json", "image": f"{slug}.svg" if image is not None else None}


def render_corpus(source: CorpusSource, analysis: CorpusAnalysis, *, rejected: int, settings: Settings, slug: str,
                  templates_dir: Path | None = None) -> ReportBundle:
    with template_errors(templates_dir):
        return _render(source, analysis, rejected, settings, slug, templates_dir)


def _render(source, analysis, rejected, settings, slug, templates_dir) -> ReportBundle:
    table = analysis.table
    limit = settings.input.max_label_chars
    say = macros(text_environment(templates_dir, label_limit=limit), "corpus_observations.j2",
                 ("sentence", "interpretation", "implication"))
    penv = page_environment(templates_dir, label_limit=limit)
    meta = source.meta
    title = meta.title or source.name
    observations = printed(analysis.observations, say)
    listed = [o for o in observations if o["kind"] != "corpus_head_role" or o["pattern"] in FOCUSED]
    key = listed[:settings.report.max_key_observations]
    shown = {id(o) for o in key}
    numbers = {id(o): i for i, o in enumerate(key, start=1)}
    interpretations, implications = [], []
    for o in key:
        for section, macro, prefix in ((interpretations, say.interpretation, "H"), (implications, say.implication, "I")):
            said = one_line(macro(o, meta))
            if said:
                section.append({"id": f"{prefix}{len(section) + 1}", "reads": numbers[id(o)], "text": said})
    chart, records = overview_chart(table, settings, title=text.label(title, 120))
    spec = to_spec(chart, records)
    sha = corpus_sha256(table.files, table.sha256)
    repeated = int((table.repeat_shares >= settings.corpus.repeated_min_share).sum())
    image, links = chart_files(spec, slug, settings)
    # A layer's section lists all its heads' claims; its summary only when Key Observations did not print it.
    by_layer = [{"layer": layer, "observations": [o for o in observations if o.get("layer") == layer
                                                   and (o["kind"] != "corpus_layer_summary" or id(o) not in shown)]}
                for layer in range(table.layers)]
    context = {
        "title": title, "meta": meta, "source_name": Path(source.folder).name, "sha256": sha, "version": __version__,
        "prompts": table.prompts, "layers": table.layers, "heads": table.heads,
        "min_length": int(table.lengths.min()), "max_length": int(table.lengths.max()), "repeated": repeated,
        "by_layer": by_layer, "key_observations": key, "interpretations": interpretations,
        "detail_observations": [o for o in listed if id(o) not in shown and "layer" not in o],
        "implications": implications, "files": links,
        "chart": {"id": f"ar-chart-{slug}", "spec_json": vega.page_spec(spec),
                  "alt": f"Heatmap of {table.layers} layers by {table.heads} heads coloured by the pattern each head "
                         f"shows on the most of the {table.prompts} prompts. The Key Observations section describes "
                         f"it in words."},
    }
    findings = {
        "schema": FINDINGS_SCHEMA,
        "generator": {"name": "attention-report", "version": __version__},
        "dataset": {"name": source.name, "source": str(source.folder), "sha256": sha, "kind": "corpus",
                    "values": "attention"},
        "title": title,
        "corpus": {"prompts": table.prompts, "layers": table.layers, "heads": table.heads,
                   "lengths": [int(x) for x in table.lengths], "repeated": repeated,
                   "files": [{"name": Path(f).name, "sha256": h, "bytes": int(b)}
                             for f, h, b in zip(table.files, table.sha256, table.sizes)],
                   "model": meta.model, "selection": meta.selection, "table": links["table"]},
        "settings": settings.to_dict(),
        "observations": observations,
        "hypotheses": [{**h, "section": "interpretation"} for h in interpretations]
        + [{**h, "section": "implications"} for h in implications],
        "rejected": rejected,
    }
    page = penv.get_template("corpus.md.j2").render(r=context).encode("utf-8")
    files = {f"{slug}.md": page, links["spec"]: dump(spec), links["findings"]: dump(findings),
             links["table"]: prompt_table_parquet(table)}
    if image is not None:
        files[links["image"]] = image
    summary = {"shape": f"{table.prompts} prompts × {table.layers} × {table.heads}",
               "levels": [p for p in RULES if any(o.get("pattern") == p for o in key)],
               "leading": key[0]["text"] if key else "", "title": title}
    return ReportBundle(slug=slug, title=title, source=str(source.folder), files=files, summary=summary)


def prompt_table_parquet(table: CorpusTable) -> bytes:
    """One row per prompt × layer × head: the file, its hash and length, the head's pattern, every metric
    and whether it meets each rule — enough to redo any figure in the report."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    N, L, H = table.roles.shape
    columns = {
        "prompt": np.repeat(np.arange(N), L * H),
        "file": np.repeat(np.array([Path(f).name for f in table.files], dtype=object), L * H),
        "sha256": np.repeat(np.array(table.sha256, dtype=object), L * H),
        "length": np.repeat(table.lengths, L * H),
        "repeat_share": np.repeat(table.repeat_shares, L * H),
        "layer": np.tile(np.repeat(np.arange(L), H), N),
        "head": np.tile(np.arange(H), N * L),
        "pattern": np.array(PATTERNS, dtype=object)[table.roles.reshape(-1)],
    }
    for k, name in enumerate(METRICS):
        columns[name] = table.metrics[..., k].reshape(-1)
    for k, name in enumerate(RULES):
        columns[f"meets_{name}"] = table.rules[..., k].reshape(-1)
    arrow = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(arrow.replace_schema_metadata(None), buffer, compression="zstd")
    return buffer.getvalue()


def overview_chart(table: CorpusTable, settings: Settings, *, title: str) -> tuple[alt.Chart, list[dict]]:
    """One cell per head coloured by the rule it meets on the most prompts (focused rules first on ties)."""
    counts = table.rules.sum(0)  # [L, H, R]
    order = sorted(range(len(RULES)), key=lambda r: RULES[r] not in FOCUSED)
    records = []
    for layer in range(table.layers):
        for head in range(table.heads):
            best = max(order, key=lambda r: counts[layer, head, r])  # max keeps the first of equals
            met = int(counts[layer, head, best])
            records.append({"layer": layer, "head": head, "pattern": RULES[best] if met else "heterogeneous",
                            "met": met, "prompts": table.prompts, "share": round(met / table.prompts, 4)})
    present = [p for p in PATTERNS if any(r["pattern"] == p for r in records)]
    colours = [settings.tensor.pattern_colours.get(p, "#808080") for p in present]
    # Sized, coloured and themed like the tensor overview (generator/render/figure.py).
    fit = Fit(columns=table.heads, rows=table.layers, gutter=60, min_step=14, legend_entry=130)
    x_step, y_step = fit.steps(STATIC_WIDTH)
    meta = {"renderer": "svg", "cells": len(records), "fit": fit.meta(), "dark": scheme_colours(*colours, STROKE)}
    top = {"orient": "top", "direction": "horizontal"}
    chart = (
        alt.Chart(alt.NamedData(DATA_NAME), title=alt.Title(title, anchor="start"))
        .mark_rect(stroke=STROKE, strokeWidth=1)
        .encode(
            x=alt.X("head:O", title="Head", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("layer:O", title="Layer"),
            color=alt.Color("pattern:N", title="Most frequent pattern", scale=alt.Scale(domain=present, range=colours),
                            legend=alt.Legend(**top)),
            opacity=alt.Opacity("share:Q", title="Share of prompts", scale=alt.Scale(domain=[0, 1], range=[0.25, 1]),
                                legend=alt.Legend(orient="bottom", direction="horizontal")),
            tooltip=[alt.Tooltip("layer:O", title="Layer"), alt.Tooltip("head:O", title="Head"),
                     alt.Tooltip("pattern:N", title="Pattern"), alt.Tooltip("met:Q", title="Prompts meeting it"),
                     alt.Tooltip("prompts:Q", title="Prompts"), alt.Tooltip("share:Q", title="Share", format=".0%")],
        )
        .properties(width=alt.Step(x_step), height=alt.Step(y_step), usermeta=meta)
        .configure(**CONFIG)
    )
    return chart, records
