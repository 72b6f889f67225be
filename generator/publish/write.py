"""Write the generate step's files into a docs folder, never over a file we did not write.

Engines that run no plugins (Zensical) build from files on disk, so
``attention-report site`` writes them there. The docs folder is the user's: every
file written is recorded with its SHA-256 in a hidden manifest,
``<reports_dir>/.attention-report.json`` (site engines skip dotfiles, so it is not
published). That record is the marker: a path that exists but is not in the
manifest, or whose bytes changed since we wrote them, belongs to someone else and
stops the run before anything is written. Files we wrote last time and no longer
make (a dataset was removed) are deleted, unless they were edited since.
Each file is written to a temporary name and renamed into place, and the manifest
last, so a killed run leaves every file either old or new, and its manifest still
vouches for every file it lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.publish.generate import SiteFiles
from generator.version import __version__

MANIFEST = ".attention-report.json"


class WriteError(Exception):
    """A file in the docs folder cannot be written safely (the message names it)."""


@dataclass(frozen=True)
class Written:
    written: list[str]
    unchanged: list[str]
    removed: list[str]
    kept: list[str]
    """Files we wrote before, no longer generated, but edited since: left in place."""


def manifest_path(docs_dir: Path, reports_dir: str) -> Path:
    return Path(docs_dir) / reports_dir / MANIFEST


def read_manifest(docs_dir: Path, reports_dir: str) -> dict[str, str]:
    """Docs-relative path -> SHA-256 of what we last wrote there ({} if we never wrote here)."""
    path = manifest_path(docs_dir, reports_dir)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise WriteError(f"{path}: not a manifest attention-report can read; delete it only if every file "
                         "it listed may be overwritten") from None


def owned(docs_dir: Path, reports_dir: str) -> set[str]:
    """Docs-relative paths that are ours and unchanged since we wrote them (the plugin replaces those)."""
    out = set()
    for rel, digest in read_manifest(docs_dir, reports_dir).items():
        path = Path(docs_dir) / rel
        if path.is_file() and _sha256(path.read_bytes()) == digest:
            out.add(rel)
    return out


def write_site(docs_dir: Path, site: SiteFiles) -> Written:
    docs_dir = Path(docs_dir)
    if not docs_dir.is_dir():
        raise WriteError(f"{docs_dir}: no such folder (give the docs folder of the site, e.g. docs/)")
    previous = read_manifest(docs_dir, site.reports_dir)
    new = {rel: _sha256(data) for rel, data in site.files.items()}
    for rel in site.files:
        _check_path(docs_dir, rel)
    clashes = []
    for rel in sorted(site.files):
        target = docs_dir / rel
        if target.is_symlink() or target.exists():
            if not target.is_file() or target.is_symlink():
                clashes.append(f"{target}: exists and is not a plain file")
            elif rel not in previous:
                clashes.append(f"{target}: exists and was not written by attention-report; move it, "
                               f"or choose another --reports-dir")
            elif _sha256(target.read_bytes()) != previous[rel]:
                clashes.append(f"{target}: was changed since attention-report wrote it; move your edits out "
                               "(override a template instead) and delete it")
    if clashes:
        raise WriteError("\n".join(clashes))
    written, unchanged = [], []
    for rel, data in sorted(site.files.items()):
        target = docs_dir / rel
        if rel in previous and target.is_file() and previous[rel] == new[rel]:
            unchanged.append(rel)
            continue
        _atomic_write(target, data)
        written.append(rel)
    removed, kept = [], []
    for rel in sorted(set(previous) - set(new)):
        target = docs_dir / rel
        if not target.is_file():
            continue
        if _sha256(target.read_bytes()) == previous[rel]:
            target.unlink()
            removed.append(rel)
            _prune_empty(target.parent, docs_dir)
        else:
            kept.append(rel)
    record = {"generator": {"name": "attention-report", "version": __version__},
              "note": "files attention-report wrote here, with their SHA-256; it never overwrites any other file",
              "files": dict(sorted(new.items()))}
    _atomic_write(manifest_path(docs_dir, site.reports_dir),
                  (json.dumps(record, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return Written(written, unchanged, removed, kept)


def _check_path(docs_dir: Path, rel: str) -> None:
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
        raise WriteError(f"{rel}: refusing to write outside {docs_dir}")
    target = (docs_dir / rel).resolve()
    if not target.is_relative_to(docs_dir.resolve()):
        raise WriteError(f"{docs_dir / rel}: refusing to write outside {docs_dir} (a link points elsewhere)")


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune_empty(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
