"""Write a run's bundles into the output folder all at once, or not at all.

Everything is written into a fresh temporary folder beside the target, then
swapped in by two renames. A build that fails, or is killed, leaves the previous
output complete; the rare kill between the two renames leaves the old folder
under a backup name, and the next run puts it back before doing anything else.
The folder is only replaced if it is empty or was written by us (it holds our
manifest), so a mistyped ``--out`` cannot wipe someone's documents.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path

from generator.version import __version__
from generator.output.bundle import ReportBundle

MANIFEST = ".attention-report.json"


class OutputError(Exception):
    """The output folder cannot be written or replaced safely."""


def write_output(out_dir: Path, bundles: list[ReportBundle]) -> None:
    """Swap the run's files in as the new ``out_dir``; two builds into one folder take turns."""
    out_dir = Path(os.path.abspath(out_dir))
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir.parent}: cannot create the output folder: {exc.strerror or exc}") from None
    with _exclusive(out_dir):
        _write_locked(out_dir, bundles)


@contextlib.contextmanager
def _exclusive(out_dir: Path):
    """An advisory lock on the parent folder itself, so concurrent builds into it cannot
    interleave their swaps; locking the folder's own descriptor writes no lock file."""
    handle = os.open(out_dir.parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _write_locked(out_dir: Path, bundles: list[ReportBundle]) -> None:
    parent = out_dir.parent
    _recover(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise OutputError(f"{out_dir}: exists and is not a folder")
        if any(out_dir.iterdir()) and not (out_dir / MANIFEST).is_file():
            raise OutputError(f"{out_dir}: refusing to replace a folder that attention-report did not write "
                              f"(it has no {MANIFEST}); choose an empty or new folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create the output folder: {exc.strerror or exc}") from None
    try:
        _write_all(staging, bundles)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def manifest(bundles: list[ReportBundle]) -> dict:
    return {
        "generator": {"name": "attention-report", "version": __version__},
        "reports": [
            {"slug": b.slug, "source": b.source, "files": sorted(b.files)} for b in bundles
        ],
    }


def _write_all(staging: Path, bundles: list[ReportBundle]) -> None:
    seen: set[str] = set()
    for bundle in bundles:
        for name, content in bundle.files.items():
            if name in seen:
                raise OutputError(f"two reports would both write {name}")
            seen.add(name)
            target = staging / name
            if target.resolve().parent != staging.resolve():
                raise OutputError(f"{name}: refusing to write outside the output folder")
            target.write_bytes(content)
    (staging / MANIFEST).write_text(json.dumps(manifest(bundles), indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _swap(staging: Path, out_dir: Path) -> None:
    backup = out_dir.with_name(f".{out_dir.name}.old")
    if backup.exists():
        shutil.rmtree(backup)
    if out_dir.exists():
        os.rename(out_dir, backup)
        os.rename(staging, out_dir)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.rename(staging, out_dir)
    os.chmod(out_dir, 0o755)


def recover(out_dir: Path) -> None:
    """Undo what a killed run left: restore a lone backup, drop stale staging folders.

    The CLI calls this before it reads any input, so even a build that then fails
    on bad input puts the previous output back where it belongs.
    """
    _recover(Path(os.path.abspath(out_dir)))


def _recover(out_dir: Path) -> None:
    """See :func:`recover`."""
    backup = out_dir.with_name(f".{out_dir.name}.old")
    if backup.is_dir() and not out_dir.exists():
        os.rename(backup, out_dir)
    for stale in out_dir.parent.glob(f".{out_dir.name}.tmp-*") if out_dir.parent.is_dir() else []:
        pid = stale.name.removeprefix(f".{out_dir.name}.tmp-").split("-")[0]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether the process that made a staging folder still runs (its build may still finish)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
