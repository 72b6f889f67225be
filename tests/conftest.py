"""Shared helpers: write small datasets and run the CLI in-process, capturing its streams."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """Every build in the tests runs with verify.strict on: a printed claim that fails its
    independent check fails the test that built it, instead of being quietly left out."""
    import os

    from generator.settings import STRICT_ENVIRONMENT

    os.environ[STRICT_ENVIRONMENT] = "1"
EXAMPLES = REPO / "docs" / "datasets"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys):
    def run(*args: str) -> Run:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def write(tmp_path):
    """write("name.csv", text_or_bytes) -> path inside a fresh data folder."""
    folder = tmp_path / "data"
    folder.mkdir()

    def _write(name: str, content: str | bytes) -> Path:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
