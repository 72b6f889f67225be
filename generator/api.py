"""One call for notebooks and scripts: a dataset in, findings, chart and Markdown out.

>>> from generator import report
>>> r = report("docs/datasets/seed-mlp-att.csv")
>>> r.findings["observations"][0]["text"]
'MLP and ATT are identical: they hold the same level at every one of their 74 positions.'
>>> r.chart  # an altair.Chart: displays in Jupyter, offline
>>> r        # in a notebook: the chart, then the report
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from generator.analyse.levels import level_grid
from generator.analyse.table import analyse
from generator.errors import InputError, Problem
from generator.load.dataset import Dataset, Metadata
from generator.load.table import read_matrix
from generator.kinds import kind_for
from generator.kinds.table import LoadedTable, render_checked
from generator.pipeline import bundle_for, load
from generator.render.notebook import notebook_markdown, offline
from generator.render.text import slugify
from generator.settings import base_settings, deep_merge


@dataclass(frozen=True)
class Report:
    """What :func:`report` returns. In Jupyter, ``r`` shows the chart and the report, ``r.chart`` the chart.

    Both display with no network (:mod:`generator.render.notebook`): the chart is
    an ordinary Altair chart of its class that carries its own display method,
    and the report is shown without its front matter and the site-only parts.
    """

    findings: dict
    chart: alt.TopLevelMixin
    markdown: str
    """The report page, exactly as the site gets it (front matter included)."""
    pages: dict[str, str] = field(default_factory=dict)
    """Every page by file name; for a tensor, the overview and one page per layer."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "chart", offline(self.chart))  # frozen dataclass

    def _repr_mimebundle_(self, include=None, exclude=None):
        """For front ends that take one bundle: the report as Markdown."""
        return {"text/markdown": notebook_markdown(self.markdown),
                "text/plain": f"<Report: {self.findings.get('title', '')}>"}

    def _ipython_display_(self) -> None:
        """In IPython and Jupyter: the chart (interactive or its static image), then the report."""
        from IPython.display import Markdown, display

        display(self.chart)
        display(Markdown(notebook_markdown(self.markdown)))


def report(data: str | Path | pd.DataFrame, *, name: str | None = None, meta: Metadata | None = None,
           settings: dict[str, Any] | None = None, templates_dir: Path | None = None) -> Report:
    """Analyse one dataset and render its report.

    ``data`` is a path (any supported format, with its sidecar if present) or a
    DataFrame in the tidy (``row``, ``column``, ``value``) or wide (first column
    = row labels) shape. ``settings`` overrides defaults as in a sidecar's
    ``settings:`` key. Bad input raises :class:`generator.errors.InputError`.
    """
    if isinstance(data, pd.DataFrame):
        loaded = _from_frame(data, name or "dataframe", meta or Metadata(), settings or {})
        suffix = ".csv"
    else:
        loaded = load(Path(data), settings, overrides_source="settings=")
        if not isinstance(loaded, LoadedTable):  # tensors (any kind but tables): from its bundle
            return _bundle_report(loaded, templates_dir)
        suffix = Path(loaded.dataset.source).suffix.lower()
    analysis = analyse(loaded.grid, loaded.settings.analysis, loaded.dataset.meta.values)
    slug = slugify(loaded.dataset.name)
    rendered = render_checked(loaded, analysis, raw=loaded.raw, suffix=suffix, slug=slug, templates_dir=templates_dir,
                              data_name=f"{slug}.data{suffix}")
    return Report(findings=rendered.findings, chart=rendered.chart, markdown=rendered.markdown)


def _bundle_report(loaded, templates_dir: Path | None) -> Report:
    """A tensor's overview (or any kind's main page): its findings, main chart and every page."""
    import json

    slug = slugify(loaded.name)
    bundle = bundle_for(kind_for(Path(loaded.source)), loaded, slug, templates_dir)
    spec = json.loads(bundle.files[f"{slug}.vl.json"])
    return Report(findings=json.loads(bundle.files[f"{slug}.findings.json"]), chart=alt.Chart.from_dict(spec),
                  markdown=bundle.files[f"{slug}.md"].decode("utf-8"),
                  pages={name: bundle.files[name].decode("utf-8") for name in bundle.pages})


def _from_frame(frame: pd.DataFrame, name: str, meta: Metadata, overrides: dict) -> LoadedTable:
    """Go through the same CSV reader as files do, so a frame gets exactly the same checks."""
    source = f"<DataFrame {name}>"
    settings = base_settings().with_overrides(deep_merge(meta.overrides, overrides), source=source)
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None:
        frame = frame.reset_index()  # row labels kept in the index are row labels, not to be dropped
    csv_bytes = frame.to_csv(index=False).encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{slugify(name)}.csv"
        path.write_bytes(csv_bytes)
        categorical = True if meta.values == "categories" else False if meta.values in ("attention", "effect") else None
        try:
            matrix = read_matrix(path, settings.input, categorical=categorical, categories=meta.categories)
        except InputError as exc:  # name the DataFrame, not a temporary file the user never saw
            raise InputError([Problem(source, p.place.replace("line", "CSV line"), p.message)
                              for p in exc.problems]) from None
    dataset = Dataset(name=name, source=source, sha256=hashlib.sha256(csv_bytes).hexdigest(),
                      matrix=matrix, meta=meta)
    grid = level_grid(matrix, settings.levels, source=dataset.source, categories=meta.categories,
                      values_meaning=meta.values)
    return LoadedTable(dataset, settings, grid, csv_bytes)
