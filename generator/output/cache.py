"""A cache of each dataset's bundle, so an unchanged dataset is neither re-analysed nor re-rendered.

``mkdocs serve`` rebuilds every page on any edit, and a second ``mkdocs build``
starts from nothing; both used to analyse and render every dataset again. With a
:class:`BundleCache` the pipeline looks each dataset up first by a key made of
everything its bundle's bytes depend on:

* the input's bytes (a folder dataset: every file in it) and its sidecar's bytes,
* the settings that apply to it (defaults, site settings, sidecar, ``--set``),
* the slug and source path it is published under,
* the generator's version and a fingerprint of its own code, the versions of the
  libraries that draw (Altair, vl-convert, numpy), and
* the contents of the templates (built-in and the override folder).

So a changed template, setting or version simply misses. An entry is one file:
a header line with the key, the bundle's fields and each file's length and
SHA-256, then the files' bytes. It is written to a temporary name and renamed
into place, and it is only used if the magic line, the key, every length and
every hash check out; anything else (truncated, corrupt, another format) is
treated as a miss, rebuilt and overwritten, never published. The cache lives
outside the built site (the plugin's default is ``.cache/attention-report``
beside ``mkdocs.yml``) and a hit gives the very bytes a fresh build gives.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from generator.output.bundle import ReportBundle
from generator.version import __version__

MAGIC = b"attention-report bundle cache 1\n"
_INPUT = "<input>"
"""A file stored as a reference to the input's own bytes (a report ships a copy of its data)."""


class BundleCache:
    """Bundles on disk under ``root``, one file per key."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.hits = 0
        self.misses = 0
        self.used: set[str] = set()
        """Every key looked up or stored through this object: what a whole-site build keeps."""

    def get(self, key: str, raw: bytes | None = None) -> ReportBundle | None:
        """The bundle stored under ``key``, or None if there is none or it does not check out."""
        self.used.add(key)
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            self.misses += 1
            return None
        bundle = _decode(blob, key, raw)
        if bundle is None:
            self.misses += 1
            return None
        self.hits += 1
        return bundle

    def put(self, key: str, bundle: ReportBundle, raw: bytes | None = None) -> None:
        """Store ``bundle`` under ``key``; a cache that cannot be written is only a slower build."""
        self.used.add(key)
        try:
            blob = _encode(key, bundle, raw)
        except (TypeError, ValueError):
            return  # a summary that is not plain JSON: not cached, still built
        self._write(self._path(key), blob)

    def get_bytes(self, name: str, key: str) -> bytes | None:
        """A stored blob (e.g. the Vega bundle) if its key, length and hash check out."""
        try:
            blob = (self.root / f"{name}.blob").read_bytes()
        except OSError:
            return None
        if not blob.startswith(MAGIC):
            return None
        end = blob.find(b"\n", len(MAGIC))
        try:
            header = json.loads(blob[len(MAGIC):end]) if end > 0 else {}
        except ValueError:
            return None
        data = blob[end + 1:]
        if (header.get("key") != key or header.get("length") != len(data)
                or header.get("sha256") != hashlib.sha256(data).hexdigest()):
            return None
        return data

    def put_bytes(self, name: str, key: str, data: bytes) -> None:
        header = json.dumps({"key": key, "length": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        self._write(self.root / f"{name}.blob", MAGIC + header.encode("ascii") + b"\n" + data)

    def _write(self, target: Path, blob: bytes) -> None:
        """Write to a temporary name and rename over ``target``: a reader sees the old entry or the new."""
        temporary = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=self.root)
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.replace(temporary, target)
        except OSError:
            if temporary is not None:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass

    def prune(self, keep: set[str]) -> None:
        """Remove every entry (and stale temporary file) whose key is not in ``keep``."""
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".tmp-") or (entry.suffix == ".bundle" and entry.stem not in keep):
                try:
                    entry.unlink()
                except OSError:
                    pass

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.bundle"


def cache_key(*, fingerprint: str, sidecar: bytes | None, settings: dict, slug: str, source: str,
              kind: str, templates: str) -> str:
    """The key of one dataset's bundle: a SHA-256 over everything its bytes depend on."""
    parts = {
        "input": fingerprint,
        "sidecar": None if sidecar is None else hashlib.sha256(sidecar).hexdigest(),
        "settings": settings,
        "slug": slug,
        "source": source,
        "kind": kind,
        "templates": templates,
        "code": code_fingerprint(),
    }
    text = json.dumps(parts, sort_keys=True, default=repr, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def input_fingerprint(path: Path) -> str:
    """SHA-256 of a file's bytes, or of every file (names and bytes) in a folder dataset."""
    path = Path(path)
    if path.is_dir():
        digest = hashlib.sha256()
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
        return "dir:" + digest.hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def templates_fingerprint(*folders: Path | None) -> str:
    """SHA-256 over the names and bytes of every file in the template folders, in order."""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(b"\1")
        if folder is None or not Path(folder).is_dir():
            continue
        for file in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            digest.update(file.relative_to(folder).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The generator's version, its own source files and the drawing libraries' versions.

    A development checkout changes code without changing the version; hashing the
    package's files (a few hundred kB, read once per process) makes that a miss too.
    """
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode("utf-8"))
    for file in sorted(package.rglob("*")):
        if file.suffix in (".py", ".json") and file.is_file() and "__pycache__" not in file.parts:
            digest.update(file.relative_to(package).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    for library in ("altair", "vl-convert-python", "numpy", "jinja2", "pyarrow"):
        try:
            digest.update(f"{library}={metadata.version(library)}".encode("utf-8"))
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=none".encode("utf-8"))
    return digest.hexdigest()


def _encode(key: str, bundle: ReportBundle, raw: bytes | None) -> bytes:
    stored, listing = [], []
    for name, content in bundle.files.items():
        if raw is not None and content == raw:
            listing.append([name, _INPUT, len(content), hashlib.sha256(content).hexdigest()])
        else:
            listing.append([name, "", len(content), hashlib.sha256(content).hexdigest()])
            stored.append(content)
    header = {"key": key, "slug": bundle.slug, "title": bundle.title, "source": bundle.source,
              "summary": bundle.summary, "files": listing}
    line = json.dumps(header, ensure_ascii=True, allow_nan=False).encode("ascii")
    return MAGIC + line + b"\n" + b"".join(stored)


def _decode(blob: bytes, key: str, raw: bytes | None) -> ReportBundle | None:
    if not blob.startswith(MAGIC):
        return None
    end = blob.find(b"\n", len(MAGIC))
    if end < 0:
        return None
    try:
        header = json.loads(blob[len(MAGIC):end])
        if header["key"] != key:
            return None
        files: dict[str, bytes] = {}
        offset = end + 1
        for name, where, length, sha in header["files"]:
            if where == _INPUT:
                if raw is None or len(raw) != length:
                    return None
                content = raw
            else:
                content = blob[offset:offset + length]
                offset += length
                if len(content) != length:
                    return None
            if hashlib.sha256(content).hexdigest() != sha:
                return None
            files[name] = content
        if offset != len(blob):
            return None
        return ReportBundle(slug=header["slug"], title=header["title"], source=header["source"], files=files,
                            summary=header["summary"])
    except (ValueError, KeyError, TypeError):
        return None
