"""The MkDocs (and ProperDocs) plugin: datasets in, report pages out, during ``build``/``serve``.

It runs the same generate step as ``attention-report site``
(:func:`generator.publish.generate.generate`), in memory: every file becomes a
``File.generated``, so a build leaves the source tree untouched and ``mkdocs
serve`` needs no clean-up. Files that ``attention-report site`` wrote into ``docs/``
earlier (the hidden manifest vouches for them) are replaced by their in-memory
versions, not reported as clashes. Pages are created ``NOT_IN_NAV`` and filed in
the nav by :mod:`generator.site.nav`, which works the same with or without an
explicit ``nav:``. After the build, every dataset's page must exist in the site.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from generator.errors import InputError
from generator.publish import check as site_check
from generator.publish.assets import ASSET_URI, CSS_URI
from generator.publish.datasets import Dataset, Discovery, discover
from generator.publish.generate import SiteFiles, check_reports_dir, generate
from generator.publish.write import owned
from generator.site import nav as site_nav

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


class AttentionReportPlugin(BasePlugin[AttentionReportConfig]):
    """Runs the generate step inside MkDocs; see docs/site.md for the options."""

    def on_config(self, config):
        try:
            self._reports_dir = check_reports_dir(self.config.reports_dir)
        except ValueError as error:
            raise PluginError(str(error)) from None
        self._root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
        self._discovery: Discovery = discover(self.config.datasets, self._root)
        self._cache_dir = (self._root / self.config.cache_dir).resolve() if self.config.cache else None
        for name, folder in (("the built site", config.site_dir), ("docs_dir", config.docs_dir)):
            if self._cache_dir is not None and self._cache_dir.is_relative_to(Path(folder).resolve()):
                raise PluginError(f"cache_dir {self.config.cache_dir!r} is inside {name} ({folder}): the cache "
                                  "would be published or rebuild the site; choose a folder outside it")
        for pattern in self._discovery.empty_patterns:
            log.info("datasets glob %r matched no dataset", pattern)
        self._site: SiteFiles | None = None
        self._files: dict[str, File] = {}
        if self._discovery.datasets and ASSET_URI not in map(str, config.extra_javascript):
            config.extra_javascript.append(ASSET_URI)
        if self._discovery.datasets and CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        return config

    def on_files(self, files: Files, *, config) -> Files:
        _drop_raw_datasets(files, self._discovery.datasets)
        try:
            site = generate(self._discovery.datasets, settings=self.config.settings,
                            settings_source="mkdocs.yml: plugins.attention-report.settings",
                            templates=Path(self.config.templates) if self.config.templates else None,
                            reports_dir=self._reports_dir, root=self._root, cache_dir=self._cache_dir)
        except InputError as error:
            raise PluginError("\n".join(str(p) for p in error.problems)) from None
        _drop_our_earlier_files(files, owned(Path(config.docs_dir), self._reports_dir))
        existing = _Occupied(files)
        owner = {rel: report.dataset for report in site.reports for rel in _bundle_paths(report)}
        pages = {rel for report in site.reports for rel in report.pages} | {site.index}
        for rel, data in site.files.items():
            inclusion = InclusionLevel.NOT_IN_NAV if rel in pages else InclusionLevel.UNDEFINED
            new = File.generated(config, rel, content=data, inclusion=inclusion)
            existing.claim(new, owner.get(rel))
            files.append(new)
            self._files[rel] = new
        self._site = site
        log.info("%d report(s) from %d dataset(s)", len(site.reports), len(self._discovery.datasets))
        return files

    def on_nav(self, nav, *, config, files):
        if self._site is None:
            return nav
        ordered = [(title, [(self._files[r.main].page, r.bundle.title) for r in reports])
                   for title, reports in self._site.groups()]
        site_nav.add_reports(nav, self._files[self._site.index].page, ordered)
        return nav

    def on_post_build(self, *, config):
        """No silent drops: every dataset's page must be in the built site."""
        if self._site is None:
            return
        missing = site_check.missing_pages(Path(config.site_dir), self._site.listing_entries(),
                                           directory_urls=config.use_directory_urls)
        if missing:
            raise PluginError("\n".join(str(p) for p in missing))

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


def _bundle_paths(report) -> list[str]:
    return [f"{report.folder}/{name}" for name in report.bundle.files]


def _drop_our_earlier_files(files: Files, ours: set[str]) -> None:
    """Files ``attention-report site`` wrote into docs/ before: the in-memory ones replace them."""
    for file in list(files):
        if file.src_uri in ours:
            files.remove(file)


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
