"""The build's one pass over a tensor corpus: each prompt file read once, for the analysis and the verify stage.

The analysis (:mod:`generator.analyse.corpus`) and the verify stage
(:mod:`generator.verify.corpus`) are independent in their *code*: neither imports
the other, and each derives its numbers from the attention array by its own
arithmetic. Both already read a prompt with the same loader
(:func:`generator.load.corpus.read_shard`: the bytes, their SHA-256, the checks,
a read-only float32 array), so reading the file a second time for the verify
stage re-ran identical code on identical bytes and could not catch anything a
first read misses — it only doubled the reads, the hashing and the checks. Here
one task per batch of files reads each file once and hands the same read-only
array to both; what the findings record as the file's SHA-256 is then the hash of
exactly the bytes both sides computed from. This module sits in the kinds layer,
above both stages, so neither of them sees the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from generator.errors import InputError, Problem
from generator.load.corpus import CorpusSource, read_shard, run_per_file
from generator.settings import Settings

if TYPE_CHECKING:
    from generator.analyse.corpus import CorpusAnalysis, PromptSummary
    from generator.verify.corpus import Reference, ReferencePrompt


def analyse_and_recompute(source: CorpusSource, settings: Settings) -> tuple[CorpusAnalysis, Reference]:
    """The analysis and the verify stage's recomputation of every prompt, from one read of each file.

    A bad file stops the build exactly as the analysis alone would (every bad prompt, one line each)."""
    from generator.analyse.corpus import analysis_of
    from generator.verify.corpus import reference_of

    pairs = run_per_file(summary_and_reference, source.shards, settings)
    analysis = analysis_of([summary for summary, _ in pairs], settings)
    return analysis, reference_of([reference for _, reference in pairs], settings)


def summary_and_reference(path: str, settings: Settings) -> tuple[PromptSummary | Problem,
                                                                  ReferencePrompt | Problem]:
    """One prompt: read and checked once, then summarised by the analysis and recomputed by the verify stage."""
    from generator.analyse.corpus import summarise_shard
    from generator.verify.corpus import reference_shard

    try:
        shard = read_shard(path, settings)
    except InputError as exc:
        return exc.problems[0], exc.problems[0]
    return summarise_shard(shard, settings), reference_shard(shard, settings)
