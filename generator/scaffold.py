"""``attention-report new``: a starter site that builds as it is, offline."""

from __future__ import annotations

from pathlib import Path

from generator.errors import InputError
from generator.render.environment import builtin_templates


def create_site(directory: Path) -> list[Path]:
    """Copy the scaffold into ``directory``; refuse to overwrite any existing file."""
    source = builtin_templates() / "scaffold"
    files = sorted(p for p in source.rglob("*") if p.is_file())
    targets = [(p, directory / p.relative_to(source)) for p in files]
    clashes = [t for _, t in targets if t.exists()]
    if clashes:
        raise InputError.at(str(clashes[0]), "file", "already exists; `new` never overwrites (choose an empty folder)")
    created = []
    for src, target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(src.read_bytes())
        created.append(target)
    return created
