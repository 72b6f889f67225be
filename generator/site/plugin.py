"""The MkDocs plugin: datasets in, report pages out, during ``mkdocs build``/``serve``.

Reports are never written into ``docs/``: every file of every
:class:`~generator.output.bundle.ReportBundle` becomes a ``File.generated`` under
``<reports_dir>/<group>/``, so a build leaves the source tree untouched and
``mkdocs serve`` needs no clean-up. Pages are created ``NOT_IN_NAV`` and filed in
the nav by :mod:`generator.site.nav`, which works the same with or without an
explicit ``nav:``.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path, PurePosixPath

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from generator.errors import InputError
from generator.output.bundle import ReportBundle
from generator.output.cache import BundleCache
from generator.publish import index_page
from generator.site import nav as site_nav
from generator.publish.assets import ASSET_URI, CHARTS_CSS, CSS_URI, charts_js
from generator.publish.datasets import Dataset, Discovery, discover

log = get_plugin_logger("attention-report")


class AttentionReportConfig(base.Config):
    datasets = c.ListOfItems(c.Type(str), default=["docs/datasets/**/*.*"])
    """Globs relative to the folder of mkdocs.yml."""
    templates = c.Optional(c.Dir(exists=True))
    settings = c.Type(dict, default={})
    reports_dir = c.Type(str, default="reports")
    cache = c.Type(bool, default=True)
    """Keep each dataset's bundle (and the Vega bundle) between builds, in ``cache_dir``."""
    cache_dir = c.Type(str, default=".cache/attention-report")
    """Relative to the folder of mkdocs.yml; outside the built site."""


class AttentionReportPlugin(BasePlugin[AttentionReportConfig]):
    """Runs the report pipeline inside MkDocs; see docs/site.md for the options."""

    def on_config(self, config):
        self._reports_dir = _check_reports_dir(self.config.reports_dir)
        root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        self._discovery: Discovery = discover(self.config.datasets, root)
        self._cache_dir = (root / self.config.cache_dir).resolve() if self.config.cache else None
        for name, folder in (("the built site", config.site_dir), ("docs_dir", config.docs_dir)):
            if self._cache_dir is not None and self._cache_dir.is_relative_to(Path(folder).resolve()):
                raise PluginError(f"cache_dir {self.config.cache_dir!r} is inside {name} ({folder}): the cache "
                                  "would be published or rebuild the site; choose a folder outside it")
        for pattern in self._discovery.empty_patterns:
            log.info("datasets glob %r matched no dataset", pattern)
        self._built: list[tuple[Dataset, ReportBundle, File]] = []
        self._index: File | None = None
        if self._discovery.datasets and ASSET_URI not in map(str, config.extra_javascript):
            config.extra_javascript.append(ASSET_URI)
        if self._discovery.datasets and CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        return config

    def on_files(self, files: Files, *, config) -> Files:
        _drop_raw_datasets(files, self._discovery.datasets)
        existing = _Occupied(files)
        built = []
        if self._discovery.datasets:
            built = _cached_bundles(
                self._discovery.datasets, self.config.settings, self.config.templates, self._cache_dir
            )
        for dataset, bundle in built:
            folder = f"{self._reports_dir}/{dataset.group}"
            main = None
            for name, data in bundle.files.items():
                inclusion = InclusionLevel.NOT_IN_NAV if name.endswith(".md") else InclusionLevel.UNDEFINED
                new = File.generated(config, f"{folder}/{name}", content=data, inclusion=inclusion)
                existing.claim(new, dataset)
                files.append(new)
                if name == bundle.main_page:
                    main = new
            self._built.append((dataset, bundle, main))
        self._index = File.generated(
            config,
            f"{self._reports_dir}/index.md",
            content=self._index_markdown(),
            inclusion=InclusionLevel.NOT_IN_NAV,
        )
        existing.claim(self._index, None)
        files.append(self._index)
        if built:
            cache = BundleCache(self._cache_dir) if self._cache_dir is not None else None
            for uri, content in ((ASSET_URI, charts_js(cache)), (CSS_URI, CHARTS_CSS)):
                asset = File.generated(config, uri, content=content)
                existing.claim(asset, None)
                files.append(asset)
        log.info("%d report(s) from %d dataset(s)", len(self._built), len(self._discovery.datasets))
        return files

    def on_nav(self, nav, *, config, files):
        if self._index is None:
            return nav
        groups: dict[str, list] = defaultdict(list)
        titles: dict[str, str] = {}
        for dataset, bundle, main in self._built:
            titles[dataset.group] = dataset.group_title
            groups[dataset.group].append((main.page, bundle.title))
        ordered = [
            (titles[g], sorted(entries, key=lambda e: (e[1].casefold(), e[0].file.src_uri)))
            for g, entries in sorted(groups.items())
        ]
        site_nav.add_reports(nav, self._index.page, ordered)
        return nav

    def on_serve(self, server, *, config, builder):
        """Watch dataset folders outside docs/ (docs/ is watched already) and templates."""
        docs = Path(config.docs_dir).resolve()
        folders = list(self._discovery.roots)
        if self.config.templates:
            folders.append(Path(self.config.templates).resolve())
        for folder in dict.fromkeys(folders):
            if folder.is_dir() and not folder.is_relative_to(docs):
                server.watch(str(folder))
        if self._discovery.datasets:
            _warm_up()
        return server

    def _index_markdown(self) -> str:
        by_group: dict[str, list[index_page.Row]] = defaultdict(list)
        titles: dict[str, str] = {}
        for dataset, bundle, _ in self._built:
            titles[dataset.group] = dataset.group_title
            summary = bundle.summary or {}
            by_group[dataset.group].append(
                index_page.Row(
                    title=bundle.title,
                    href=index_page.page_href(dataset.group, bundle.main_page),
                    shape=str(summary.get("shape", "")),
                    levels=[str(x) for x in summary.get("levels", [])],
                    leading=str(summary.get("leading", "")),
                )
            )
        return index_page.render(
            index_page.Group(titles[g], sorted(rows, key=lambda r: r.title.casefold()))
            for g, rows in sorted(by_group.items())
        )


def _warm_up() -> None:
    """Load what rendering needs once, when the server starts, not on the first edit.

    A build whose every dataset came from the cache never imports Altair nor starts
    vl-convert's JavaScript runtime (together ~1-3 s); under ``mkdocs serve`` the first
    edited dataset would pay for both, in the rebuild the user is waiting for.
    """
    import vl_convert

    import generator.render.table  # noqa: F401 - Altair and the chart code
    import generator.render.tensor  # noqa: F401

    vl_convert.vegalite_to_svg({"data": {"values": [{"x": 0}]}, "mark": "point",
                                "encoding": {"x": {"field": "x", "type": "quantitative"}}}, allowed_base_urls=[])


def _drop_raw_datasets(files: Files, datasets: list[Dataset]) -> None:
    """Keep data files under docs/ out of the site: each report ships its own copy.

    Without this a dataset inside docs/ is published twice (MkDocs copies every
    non-Markdown file), which for tensor archives is most of the site's size. A doc
    linking to the raw file then fails ``--strict``, which is the visible outcome.
    """
    raw = {d.path for d in datasets}
    corpora = [d.path for d in datasets if d.path.is_dir()]  # a corpus: every file in its folder
    for file in list(files):
        if not file.abs_src_path:
            continue
        path = Path(file.abs_src_path).resolve()
        if path in raw or any(path.is_relative_to(folder) for folder in corpora):
            files.remove(file)


class _Occupied:
    """Refuses a generated file that would silently replace a real doc or another report.

    MkDocs only logs (INFO) when two files share a source path, and not at all when
    two share an output path (``a/b.md`` and ``a/b/index.md`` with directory URLs),
    so a dataset named like an existing page would quietly overwrite it.
    """

    def __init__(self, files: Files):
        self._src = {f.src_uri: f for f in files}
        self._dest = {f.dest_uri: f for f in files}
        self._owner: dict[str, Dataset | None] = {}

    def claim(self, new: File, dataset: Dataset | None) -> None:
        clash = self._src.get(new.src_uri) or self._dest.get(new.dest_uri)
        if clash is not None:
            what = f"dataset {dataset.path}" if dataset else "the attention-report plugin"
            if clash.src_uri in self._owner or clash.dest_uri in self._owner:
                other = self._owner.get(clash.src_uri)
                raise PluginError(
                    f"{what} and {other.path if other else 'another report'} would both "
                    f"write {new.dest_uri}: rename one of them"
                )
            raise PluginError(
                f"{what} would write {new.dest_uri}, replacing the existing doc "
                f"{clash.src_uri}: rename it, move the dataset, or set reports_dir"
            )
        self._src[new.src_uri] = self._dest[new.dest_uri] = new
        self._owner[new.src_uri] = self._owner[new.dest_uri] = dataset


def _check_reports_dir(value: str) -> str:
    path = PurePosixPath(value.strip().strip("/"))
    if not path.parts or path.is_absolute() or ".." in path.parts or "\\" in value:
        raise PluginError(f"reports_dir must be a relative folder inside the site, got {value!r}")
    return str(path)


_cache: dict[str, list[tuple[Dataset, ReportBundle]]] = {}


def _cached_bundles(datasets, settings, templates, cache_dir=None) -> list[tuple[Dataset, ReportBundle]]:
    """Bundles for ``datasets``, reused while no input file changed.

    ``mkdocs serve`` rebuilds the whole site on any edit, docs included, and reloads
    the config (a new plugin object) each time, so this first, in-memory cache lives
    in the module: the key covers every file in each dataset's folder (sidecars
    included) and the templates folder; only the latest result is kept. Below it,
    the on-disk :class:`~generator.output.cache.BundleCache` in ``cache_dir`` keeps
    every unchanged dataset from being built again, in this process or the next.
    """
    key = json.dumps(
        [
            [(d.group, str(d.path)) for d in datasets],
            _signature({d.path.parent for d in datasets} | {d.path for d in datasets if d.path.is_dir()}, templates),
            settings,
            templates,
            cache_dir,
        ],
        sort_keys=True,
        default=str,
    )
    if key not in _cache:
        _cache.clear()
        _cache[key] = _build(datasets, settings, templates, cache_dir)
    return _cache[key]


def _signature(folders, templates) -> list:
    out = []
    for folder in sorted(folders):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_file():
                st = entry.stat()
                out.append((entry.path, st.st_mtime_ns, st.st_size))
    if templates:
        for dirpath, _, names in sorted(os.walk(templates)):
            for name in sorted(names):
                st = os.stat(os.path.join(dirpath, name))
                out.append((dirpath, name, st.st_mtime_ns, st.st_size))
    return out


def _pair(members: list[Dataset], bundles: list[ReportBundle]):
    """Match bundles to datasets by ``bundle.source`` when it names them, else by order."""
    by_path = {str(d.path): d for d in members}
    sources = [str(Path(b.source).resolve()) if b.source else "" for b in bundles]
    if sorted(sources) == sorted(by_path):
        return [(by_path[s], b) for s, b in zip(sources, bundles)]
    return list(zip(members, bundles))


def _build(datasets, settings, templates, cache_dir=None) -> list[tuple[Dataset, ReportBundle]]:
    """Run the pipeline once per group, so each bundle's group is known for certain.

    Problems from every group are gathered before stopping, so one build shows them all.
    After a whole build the disk cache keeps only this site's entries.
    """
    from generator.pipeline import (
        build_bundles,  # the pipeline imports pandas/altair: late
    )

    by_group: dict[str, list[Dataset]] = defaultdict(list)
    for dataset in datasets:
        by_group[dataset.group].append(dataset)
    out: list[tuple[Dataset, ReportBundle]] = []
    problems: list[str] = []
    cache = BundleCache(cache_dir) if cache_dir is not None else None
    for group, members in by_group.items():
        try:
            bundles = build_bundles(
                [d.path for d in members],
                settings_defaults=(dict(settings), "mkdocs.yml: plugins.attention-report.settings") if settings else None,
                templates_dir=Path(templates) if templates else None,
                cache=cache,
            )
        except InputError as error:
            problems += [str(p) for p in error.problems]
            continue
        if len(bundles) != len(members):
            raise PluginError(
                f"pipeline returned {len(bundles)} report(s) for {len(members)} dataset(s) in {group}"
            )
        out += _pair(members, bundles)
    if problems:
        raise PluginError("\n".join(problems))
    if cache is not None:
        cache.prune(cache.used)
        log.info("bundle cache: %d reused, %d built (%s)", cache.hits, cache.misses, cache_dir)
    return out
