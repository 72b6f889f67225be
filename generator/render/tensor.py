"""Render an analysed attention tensor into its bundle: an overview page and one page per layer.

Like :mod:`generator.render.table`, this stage only lays out: sentences come from the
text environment once and the same strings land in the pages and the findings.
"""

from __future__ import annotations

from pathlib import Path

from generator.version import __version__
from generator.analyse.heads import PATTERNS
from generator.analyse.tensor import TensorAnalysis
from generator.load.dataset import Metadata
from generator.load.tensor import TensorData
from generator.output.bundle import ReportBundle
from generator.render import text, vega
from generator.render.environment import (
    macros,
    page_environment,
    render_page,
    template_errors,
    text_environment,
)
from generator.render.explorer import explorer_spec, head_file, head_file_name
from generator.render.findings import FINDINGS_SCHEMA, dump, jsonable, one_line, placed, readings
from generator.render.table_charts import static_image, to_spec
from generator.render.tensor_charts import layer_chart, layer_png, overview_chart
from generator.settings import Settings


def render_tensor(*, name: str, source: str, sha256: str, raw: bytes, data: TensorData, meta: Metadata,
                  analysis: TensorAnalysis, settings: Settings, slug: str,
                  templates_dir: Path | None = None) -> ReportBundle:
    with template_errors(templates_dir):
        return _render_tensor(name=name, source=source, sha256=sha256, raw=raw, data=data, meta=meta,
                              analysis=analysis, settings=settings, slug=slug, templates_dir=templates_dir)


def _render_tensor(*, name: str, source: str, sha256: str, raw: bytes, data: TensorData, meta: Metadata,
                   analysis: TensorAnalysis, settings: Settings, slug: str,
                   templates_dir: Path | None) -> ReportBundle:
    limit = settings.input.max_label_chars
    tenv = text_environment(templates_dir, label_limit=limit)
    penv = page_environment(templates_dir, label_limit=limit)
    sentences = macros(tenv, "observations.j2", ("sentence", "ranges_phrase"))
    readings_macros = macros(tenv, "hypotheses.j2", ("interpretation", "implication"))
    layers, heads, length = data.attention.shape[0], data.attention.shape[1], data.attention.shape[-1]
    title = meta.title or name
    data_name = f"{slug}.data{Path(source).suffix.lower()}"

    observations = []
    for o in analysis.observations:
        fields = jsonable(o.fields())
        observations.append({**fields, "text": one_line(sentences.sentence(fields, None))})
    observations = placed(observations, analysis.ranks, settings.report, layer_kinds=frozenset({"head_pattern"}))
    key = [o for o in observations if o["section"] == "key"]
    whole = {"induction_layers": sorted({p.layer for p in analysis.patterns if p.pattern == "induction"})}
    interpretations, implications = readings(observations, lambda o: readings_macros.interpretation(o, whole, meta),
                                             lambda o: readings_macros.implication(o, whole, meta))

    overview, records = overview_chart(analysis.patterns, layers, heads, settings.tensor, tokens=data.tokens,
                                       title=text.label(title, 120))
    spec = to_spec(overview, records)
    files: dict[str, bytes] = {}
    layer_pages = [{"layer": layer, "file": f"{slug}-layer-{layer}.md"} for layer in range(layers)]
    per_layer = {layer: [o for o in observations if o["kind"] == "head_pattern" and o["layer"] == layer]
                 for layer in range(layers)}
    image = static_image(spec, png=False) if settings.chart.static_image else None
    links = {"data": data_name, "spec": f"{slug}.vl.json", "findings": f"{slug}.findings.json",
             "image": f"{slug}.svg" if image is not None else None}
    counts = {p: sum(1 for x in analysis.patterns if x.pattern == p) for p in PATTERNS}
    context = {
        "title": title, "meta": meta, "source_name": Path(source).name, "sha256": sha256, "version": __version__,
        "layers": layers, "heads": heads, "length": length, "has_tokens": data.tokens is not None,
        "tokens_preview": list(data.tokens[:40]) if data.tokens else None,
        "tokens_more": max(0, length - 40) if data.tokens else 0,
        "legend": [{"name": p, "count": c} for p, c in counts.items() if c],
        "block": 1, "by_layer": [{"layer": layer, "heads": per_layer[layer]} for layer in range(layers)],
        "key_observations": key, "detail_observations": [o for o in observations if o["section"] == "detail"],
        "pattern_table": _pattern_table(analysis.patterns, layers, heads),
        "pattern_counts": _pattern_counts(analysis.patterns, layers), "interpretations": interpretations, "implications": implications,
        "files": links, "layer_pages": layer_pages,
        "chart": {"id": f"ar-chart-{slug}", "spec_json": vega.page_spec(spec),
                  "alt": f"Heatmap of {layers} layers by {heads} heads coloured by each head's attention pattern. "
                         f"The Key Observations section describes it in words."},
    }
    for page in layer_pages:
        layer = page["layer"]
        chart, cells, block = layer_chart(data.attention[layer], layer, analysis.patterns, settings.tensor,
                                   tokens=data.tokens)
        context["block"] = block
        png_name = f"{slug}-layer-{layer}.png" if settings.tensor.full_image else None
        if png_name:
            files[png_name] = layer_png(data.attention[layer])
        explorer = None
        if settings.tensor.explorer:
            pattern_of = {p.head: p.pattern for p in analysis.patterns if p.layer == layer}
            tokens = [str(t) for t in data.tokens] if data.tokens else [str(i) for i in range(length)]
            entries = []
            for h in range(heads):
                name = head_file_name(slug, layer, h)
                head_key = name.removesuffix(".js")
                files[name] = head_file(head_key, data.attention[layer, h], tokens, layer=layer, head=h)
                entries.append({"head": h, "pattern": pattern_of.get(h, ""), "src": name, "key": head_key})
            explorer = {"id": f"ar-explorer-{slug}-layer-{layer}",
                        "spec_json": vega.page_spec(explorer_spec(slug=slug, layer=layer, heads=entries,
                                                                title=f"Layer {layer}: one head, every token")),
                        "kb": max(1, round(max(len(files[e["src"]]) for e in entries) / 1024)),
                        "alt": f"One head of layer {layer} at full resolution: queries down, keys across, "
                               f"and the chosen query's weights over the keys as bars."}
        layer_context = {
            "title": f"{text.label(title, 100)} · layer {layer}", "layer": layer, "overview": f"{slug}.md",
            "block": block, "image": png_name, "heads": per_layer[layer], "explorer": explorer,
            "chart": {"id": f"ar-chart-{slug}-layer-{layer}", "spec_json": vega.page_spec(to_spec(chart, cells)),
                      "alt": f"Attention maps of the {heads} heads of layer {layer}, queries down, keys across. "
                             f"The list below describes each head in words."},
        }
        files[page["file"]] = render_page(penv, "tensor_layer.md.j2", layer_context).encode("utf-8")
    findings = {
        "schema": FINDINGS_SCHEMA,
        "generator": {"name": "attention-report", "version": __version__},
        "dataset": {"name": name, "source": source, "sha256": sha256, "kind": "tensor", "values": meta.values},
        "title": title,
        "shape": {"layers": layers, "heads": heads, "queries": length, "keys": length},
        "tokens": list(data.tokens) if data.tokens else None,
        "settings": settings.to_dict(),
        "observations": observations,
        "hypotheses": [{**h, "section": "interpretation"} for h in interpretations]
        + [{**h, "section": "implications"} for h in implications],
        "rejected": len(analysis.rejected),
    }
    main = render_page(penv, "tensor.md.j2", context).encode("utf-8")
    bundle_files = {f"{slug}.md": main, **{k: v for k, v in files.items() if k.endswith(".md")},
                    f"{slug}.vl.json": dump(spec), f"{slug}.findings.json": dump(findings), data_name: raw}
    if image is not None:
        bundle_files[f"{slug}.svg"] = image
    bundle_files.update({k: v for k, v in files.items() if not k.endswith(".md")})
    leading = key[0]["text"] if key else ""
    summary = {"shape": f"{layers} × {heads} × {length} × {length}", "levels": [p for p, c in counts.items() if c],
               "leading": leading, "title": title}
    return ReportBundle(slug=slug, title=title, source=source, files=bundle_files, summary=summary)



def _pattern_table(patterns, layers: int, heads: int) -> list[dict]:
    """Layers × heads of pattern names, for the compact table of Detailed Analysis."""
    cells = {(p.layer, p.head): p.pattern for p in patterns}
    return [{"layer": layer, "patterns": [cells.get((layer, h)) for h in range(heads)]} for layer in range(layers)]


def _pattern_counts(patterns, layers: int) -> dict:
    """Per layer, how many heads have each pattern that occurs anywhere (in PATTERNS order)."""
    names = [name for name in PATTERNS if any(p.pattern == name for p in patterns)]
    return {"patterns": names,
            "rows": [{"layer": layer, "counts": [sum(1 for p in patterns if p.layer == layer and p.pattern == name)
                                                 for name in names]} for layer in range(layers)]}
