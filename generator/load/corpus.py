"""A corpus: one folder of prompts, read as Dask tasks, one prompt in memory per worker.

A corpus is a folder holding ``corpus.yml`` (title, description, model, how the
prompts were chosen, settings) and one attention file per prompt (``.npz``,
``.safetensors`` or ``.npy``, each layers × heads × queries × keys with its
tokens). Prompts may differ in length; layers and heads may not.

This module finds the folder's files and reads one of them; the stages above it
run per-file work on Dask with :func:`run_per_file` — one ``dask.delayed`` task
per batch of files (:func:`batches`) — through :func:`run_tasks`, which uses
Dask's local threaded scheduler unless a ``dask.distributed`` scheduler address is configured (the CLI's
``--scheduler`` or ``DASK_SCHEDULER_ADDRESS``, both Dask's ``scheduler-address``
config key). Workers read the files by path, so a cluster needs them on a shared
filesystem.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from generator.errors import InputError, Problem
from generator.load.sidecar import _load_yaml, _mapping, _text
from generator.load.dataset import Matrix
from generator.load.sidecar import VALUE_KINDS
from generator.load.table import TABLE_SUFFIXES, byte_limit, read_input, read_matrix
from generator.load.tensor import SUFFIXES as TENSOR_SUFFIXES
from generator.load.tensor import TensorData, load_tensor
from generator.settings import Settings

CORPUS_FILE = "corpus.yml"
KNOWN_KEYS = {
    "title": "str", "description": "str", "context": "str", "model": "str",
    "selection": "str (how the prompts were chosen)", "values": "attention (tensors) or effect/other (tables)",
    "settings": "mapping",
}
SHARD_SUFFIXES = tuple(sorted(set(TENSOR_SUFFIXES) | set(TABLE_SUFFIXES)))


@dataclass(frozen=True)
class CorpusMeta:
    """What ``corpus.yml`` says about the corpus; every field is optional."""

    title: str | None = None
    description: str | None = None
    context: str | None = None
    model: str | None = None
    selection: str | None = None
    """How the prompts were chosen, in the user's words."""
    values: str | None = None
    """What the numbers mean (as a sidecar's ``values``); a tensor corpus holds attention."""


@dataclass(frozen=True)
class CorpusSource:
    """A corpus folder, its description and its prompt files (sorted by name), not yet read."""

    name: str
    folder: Path
    meta: CorpusMeta
    overrides: dict
    shards: tuple[Path, ...]
    kind: str = "tensor"
    """``tensor`` (one attention tensor per prompt) or ``table`` (one table with the same axes per prompt)."""


def is_corpus(path: Path) -> bool:
    """A folder is a corpus when it holds ``corpus.yml``."""
    return Path(path).is_dir() and (Path(path) / CORPUS_FILE).is_file()


def corpus_root(path: Path, stop: Path | None = None) -> Path | None:
    """The nearest folder at or above ``path`` (not above ``stop``) that is a corpus, or None.

    Discovery (the CLI's folder expansion, the site's globs) uses this so that a
    file inside a corpus is taken as part of its corpus, never as a dataset of its own.
    """
    path = Path(path).resolve()
    stop = Path(stop).resolve() if stop is not None else None
    for folder in [path, *path.parents] if path.is_dir() else list(path.parents):
        if is_corpus(folder):
            return folder
        if stop is not None and folder == stop:
            return None
    return None


def read_corpus_file(folder: Path) -> tuple[CorpusMeta, dict[str, Any], Path]:
    """Read ``corpus.yml``: the metadata, its settings overrides and its path (the corpus's sidecar)."""
    spec = Path(folder) / CORPUS_FILE
    src = str(spec)
    raw = _load_yaml(spec)
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise InputError.at(src, "top level", "expected a mapping of keys to values")
    for key in raw:
        if key not in KNOWN_KEYS:
            raise InputError.at(src, f"key '{key}'", f"unknown key; known keys: {', '.join(sorted(KNOWN_KEYS))}")
    values = _text(raw, "values", src)
    if values not in (None, *VALUE_KINDS):
        raise InputError.at(src, "key 'values'", f"expected one of {', '.join(VALUE_KINDS)}, got {values!r}")
    meta = CorpusMeta(**{k: _text(raw, k, src) for k in ("title", "description", "context", "model", "selection",
                                                          "values")})
    return meta, dict(_mapping(raw, "settings", src, None)), spec


def read_corpus(folder: Path, meta: CorpusMeta | None = None) -> CorpusSource:
    """The corpus's description and its prompt files; one-line errors for anything wrong."""
    folder = Path(folder)
    overrides: dict[str, Any] = {}
    if meta is None:
        meta, overrides, _ = read_corpus_file(folder)
    shards = tuple(sorted(p for p in folder.iterdir() if _is_shard(p)))
    problems = [Problem(str(p), "file", "is a link pointing outside its corpus folder")
                for p in shards if not p.resolve().is_relative_to(folder.resolve())]
    if problems:
        raise InputError(problems)
    if not shards:
        raise InputError.at(str(folder / CORPUS_FILE), "",
                            f"the corpus folder holds no prompt files ({', '.join(SHARD_SUFFIXES)})")
    tables = [p.suffix.lower() in TABLE_SUFFIXES for p in shards]
    if any(tables) and not all(tables):
        raise InputError.at(str(folder / CORPUS_FILE), "", "the corpus mixes tables and tensors; one corpus holds "
                            f"one kind (first table: {shards[tables.index(True)].name}, first tensor: "
                            f"{shards[tables.index(False)].name})")
    kind = "table" if all(tables) else "tensor"
    if kind == "tensor" and meta.values not in (None, "attention"):
        raise InputError.at(str(folder / CORPUS_FILE), "key 'values'",
                            f"a corpus of tensors holds attention probabilities, not {meta.values!r}")
    if kind == "table" and meta.values == "categories":
        raise InputError.at(str(folder / CORPUS_FILE), "key 'values'", "a corpus of tables needs numbers, not categories")
    return CorpusSource(name=folder.resolve().name, folder=folder, meta=meta, overrides=overrides, shards=shards,
                        kind=kind)


def _is_shard(path: Path) -> bool:
    return path.suffix.lower() in SHARD_SUFFIXES and not path.name.startswith(".") and path.is_file()


@dataclass(frozen=True)
class Shard:
    """One prompt, read and validated: the tensor, and the hash and size of exactly the bytes parsed."""

    file: str
    sha256: str
    size: int
    data: TensorData


def read_shard(path: str, settings: Settings) -> Shard:
    """Read one prompt file as a task would: raises InputError naming the file and the place."""
    limit = 8 * settings.tensor.max_elements + 2**24
    raw = read_input(Path(path), limit, "tensor.max_elements", "a tensor")
    data = load_tensor(path, tolerance=settings.tensor.row_sum_tolerance, max_elements=settings.tensor.max_elements,
                       square=True, raw=raw)
    return Shard(file=path, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), data=data)


@dataclass(frozen=True)
class TableShard:
    """One prompt's table, read and validated, with the hash and size of exactly the bytes parsed."""

    file: str
    sha256: str
    size: int
    matrix: Matrix


def read_table_shard(path: str, settings: Settings) -> TableShard:
    """Read one table of a table corpus; raises InputError naming the file and the place."""
    raw = read_input(Path(path), byte_limit(settings.input))
    matrix = read_matrix(Path(path), settings.input, categorical=False, raw=raw)
    return TableShard(file=path, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), matrix=matrix)


BATCH_FILES = 64
"""At most this many prompt files to one Dask task: the scheduler's cost per task (graph, bookkeeping,
a thread hand-off) is paid once per batch instead of once per prompt, which for small prompts was more
than the prompt's own work."""
BATCH_BYTES = 8 * 2**20
"""A batch closes once its files reach this many bytes, so large prompts still make enough tasks for
every worker (a batch is read one file at a time: memory stays one prompt per worker thread)."""
MIN_BATCHES = 16
"""A corpus of at least this many files makes at least this many tasks, so a small corpus still
spreads over every worker of a machine or a small cluster."""


def batches(paths: Sequence[Path], *, max_files: int = BATCH_FILES, max_bytes: int = BATCH_BYTES,
            min_batches: int = MIN_BATCHES) -> list[tuple[str, ...]]:
    """Consecutive runs of files in their given order, each closed at ``max_files`` files (fewer when
    that would make fewer than ``min_batches`` batches) or ``max_bytes`` bytes (by the sizes the folder
    lists now; a file that vanished counts as empty and its read reports it).

    The partition depends only on the files, never on the scheduler, and it only groups work: results
    come back in file order whatever it is, so it never changes a result."""
    max_files = max(1, min(max_files, len(paths) // min_batches))  # n // 16 files each: at least 16 batches
    out: list[tuple[str, ...]] = []
    batch: list[str] = []
    size = 0
    for path in paths:
        try:
            size += Path(path).stat().st_size
        except OSError:
            pass
        batch.append(str(path))
        if len(batch) >= max_files or size >= max_bytes:
            out.append(tuple(batch))
            batch, size = [], 0
    if batch:
        out.append(tuple(batch))
    return out


def each_file(task: Callable[[str, Settings], Any], files: Sequence[str], settings: Settings) -> list[Any]:
    """One Dask task's work: ``task`` on each file of a batch in turn, so one prompt is in memory at a time."""
    return [task(file, settings) for file in files]


def run_per_file(task: Callable[[str, Settings], Any], paths: Sequence[Path], settings: Settings) -> list[Any]:
    """``task(path, settings)`` for every file, in batches of files (one Dask task each), in file order.

    ``task`` must be a module-level function (a cluster's workers import it by name). The settings go
    into the graph once, not once per task."""
    import dask

    shared = dask.delayed(settings, pure=True)
    work = [dask.delayed(each_file, pure=True)(task, batch, shared) for batch in batches(paths)]
    return [result for batch in run_tasks(work) for result in batch]


def run_tasks(tasks: Sequence[Any]) -> list[Any]:
    """Compute delayed tasks and return their results in order.

    On the local threaded scheduler by default (numpy releases the GIL, so threads
    use every core without copying results between processes); on a
    ``dask.distributed`` cluster when Dask's ``scheduler-address`` is set. Only the
    small per-prompt results come back to this process.
    """
    import dask

    address = dask.config.get("scheduler-address", None)
    if not address:
        return list(dask.compute(*tasks, scheduler="threads"))
    from distributed import Client

    try:
        client = Client(address, set_as_default=False, timeout=10)
    except OSError as exc:
        raise InputError.at("--scheduler", address, f"cannot reach the Dask scheduler: {exc}") from None
    with client:
        return list(client.gather(client.compute(list(tasks))))
