"""A corpus of prompts (a folder with corpus.yml): Dask analysis → independent re-check → one report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.load.corpus import CorpusMeta, CorpusSource, read_corpus, read_corpus_file
from generator.output.bundle import ReportBundle
from generator.settings import Settings

if TYPE_CHECKING:  # analysis, verification and charts load Dask and Altair: only when a corpus is built
    from generator.analyse.corpus import CorpusAnalysis
    from generator.analyse.corpus_tables import TableCorpusAnalysis
    from generator.verify.corpus import Reference

SUFFIXES: frozenset[str] = frozenset()
"""A corpus is a folder, recognised by its corpus.yml (see :func:`generator.load.corpus.is_corpus`)."""


@dataclass(frozen=True)
class LoadedCorpus:
    name: str
    source: CorpusSource
    settings: Settings


@dataclass(frozen=True)
class CheckedCorpus:
    analysis: CorpusAnalysis | TableCorpusAnalysis
    rejected: int
    reference: Reference | None = None
    """The verify stage's recomputation, kept to check the sentences once they are printed."""


def sidecar(path: Path):
    """corpus.yml is the corpus's sidecar: metadata and settings, applied under the CLI's --set."""
    return read_corpus_file(path)


def load(path: Path, meta: CorpusMeta, settings: Settings) -> LoadedCorpus:
    source = read_corpus(path, meta)
    return LoadedCorpus(name=source.name, source=source, settings=settings)


def analyse(loaded: LoadedCorpus) -> CheckedCorpus:
    """Analyse on Dask, then keep the observations the verify stage re-derives from the files (a tensor
    corpus's files are read once for both, see :mod:`generator.kinds.corpus_pass`)."""
    from generator.analyse.corpus import CorpusAnalysis
    from generator.analyse.corpus_tables import TableCorpusAnalysis, analyse_tables
    from generator.kinds.corpus_pass import analyse_and_recompute
    from generator.verify.corpus import check
    from generator.verify.corpus_tables import check_table, recompute_tables

    if loaded.source.kind == "table":
        tables = analyse_tables(loaded.source, loaded.settings)
        ref = recompute_tables(loaded.source, loaded.settings)
        kept = [o for o in tables.observations if check_table(o.fields(), ref)]
        _strict(loaded, [o for o in tables.observations if o not in kept])
        return CheckedCorpus(TableCorpusAnalysis(tables.stack, kept), len(tables.observations) - len(kept))
    analysis, reference = analyse_and_recompute(loaded.source, loaded.settings)
    kept = [o for o in analysis.observations if check(o.fields(), reference)]
    _strict(loaded, [o for o in analysis.observations if o not in kept])
    return CheckedCorpus(CorpusAnalysis(analysis.table, kept), len(analysis.observations) - len(kept), reference)


def render(loaded: LoadedCorpus, checked: CheckedCorpus, *, slug: str, templates_dir: Path | None) -> ReportBundle:
    from generator.analyse.corpus import CorpusAnalysis
    from generator.render.corpus import render_corpus
    from generator.render.corpus_tables import render_table_corpus
    from generator.verify.corpus import check_printed

    if loaded.source.kind == "table":
        return render_table_corpus(loaded.source, checked.analysis, rejected=checked.rejected,
                                   settings=loaded.settings, slug=slug, templates_dir=templates_dir)
    bundle = render_corpus(loaded.source, checked.analysis, rejected=checked.rejected, settings=loaded.settings,
                           slug=slug, templates_dir=templates_dir)
    printed = json.loads(bundle.files[f"{slug}.findings.json"])["observations"]
    holds = [check_printed(o, checked.reference) for o in printed]
    if all(holds):
        return bundle
    _strict(loaded, [o for o, ok in zip(printed, holds) if not ok])
    # a sentence that does not say what the files say is left out, and the page made again without it
    kept = [o for o, ok in zip(checked.analysis.observations, holds) if ok]
    return render_corpus(loaded.source, CorpusAnalysis(checked.analysis.table, kept),
                         rejected=checked.rejected + holds.count(False), settings=loaded.settings, slug=slug,
                         templates_dir=templates_dir)


def _strict(loaded: LoadedCorpus, refuted: list) -> None:
    """Under ``verify.strict`` a corpus claim the verify stage does not confirm stops the build, naming it."""
    if refuted and loaded.settings.verify.strict:
        from generator.errors import InputError, Problem

        def text(o) -> str:
            return o["text"] if isinstance(o, dict) else f"{o.kind} {o.fields()}"

        raise InputError([Problem(str(loaded.source.folder), "verify", f"not confirmed: {text(o)!r}") for o in refuted])

