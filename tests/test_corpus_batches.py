"""Prompts go to Dask in batches of files, and the build reads each file once for the analysis and verify.

Neither may change a result: the batches cover every file once, in order, within their limits; the one
shared read gives exactly what the analysis and the verify stage each give on reads of their own.
"""

from __future__ import annotations

import numpy as np

from generator.analyse.corpus import analyse_corpus
from generator.bench.corpus_data import write_planted_corpus
from generator.kinds.corpus_pass import analyse_and_recompute
from generator.load.corpus import batches, read_corpus
from generator.settings import Settings
from generator.verify.corpus import recompute


def test_batches_cover_every_file_once_in_order_within_their_limits(tmp_path):
    files = []
    for n, size in enumerate([10, 500, 20, 20, 900, 5, 5, 5, 5, 1000, 1]):
        path = tmp_path / f"f{n:02d}.npz"
        path.write_bytes(b"x" * size)
        files.append(path)
    for max_files, max_bytes, min_batches in ((64, 10**9, 1), (3, 10**9, 1), (64, 600, 1), (64, 10**9, 4), (1, 1, 1)):
        made = batches(files, max_files=max_files, max_bytes=max_bytes, min_batches=min_batches)
        assert [f for batch in made for f in batch] == [str(p) for p in files]
        assert all(batch for batch in made)
        assert all(len(batch) <= max_files for batch in made)
        count = max(1, min(max_files, len(files) // min_batches))
        for batch in made[:-1]:  # a batch closes at the first file that reaches a limit
            sizes = [len(open(f, "rb").read()) for f in batch]
            assert len(batch) == count or sum(sizes) >= max_bytes
            assert len(batch) == 1 or sum(sizes[:-1]) < max_bytes
    for n in range(1, len(files) + 1):  # never fewer batches than asked for, nor than files when fewer
        assert len(batches(files[:n], min_batches=4)) >= min(n, 4)
    assert batches([], min_batches=4) == []


def test_a_file_that_vanished_is_still_batched_so_its_read_can_report_it(tmp_path):
    assert [f for b in batches([tmp_path / "gone.npz", tmp_path / "also.npz"]) for f in b] == [
        str(tmp_path / "gone.npz"), str(tmp_path / "also.npz")]


def test_one_shared_read_gives_what_two_separate_passes_give(tmp_path):
    folder = write_planted_corpus(tmp_path / "planted", 21, seed=7)
    source, conf = read_corpus(folder), Settings()
    shared, reference = analyse_and_recompute(source, conf)
    alone, again = analyse_corpus(source, conf), recompute(source, conf)
    assert [o.fields() for o in shared.observations] == [o.fields() for o in alone.observations]
    for name in ("files", "sha256"):
        assert getattr(shared.table, name) == getattr(alone.table, name)
    for name in ("sizes", "lengths", "repeat_shares", "roles", "metrics", "rules"):
        assert np.array_equal(getattr(shared.table, name), getattr(alone.table, name), equal_nan=True), name
    assert [p.file for p in reference.prompts] == [p.file for p in again.prompts] == list(shared.table.files)
    for a, b in zip(reference.prompts, again.prompts):
        assert (a.length, a.repeat_share) == (b.length, b.repeat_share)
        for name in a.scores:
            assert np.array_equal(a.scores[name], b.scores[name], equal_nan=True), name
        for name in a.met:
            assert np.array_equal(a.met[name], b.met[name]), name
