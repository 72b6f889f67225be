"""The MkDocs side of the hardening promises: the bad-input corpus stops `mkdocs build` with the
same one-line errors as the CLI and no traceback, and the same inputs give a byte-identical site."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

from test_corpus import BAD, EXPECTED

REPO = Path(__file__).resolve().parent.parent

SITE = """site_name: corpus
docs_dir: docs
theme:
  name: material
  font: false
plugins:
  - attention-report:
      datasets: [data/*.*]
"""


def mkdocs(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=site, capture_output=True,
                          text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env})


def test_the_bad_corpus_stops_mkdocs_with_every_expected_line_and_no_traceback(tmp_path):
    site = tmp_path / "site-src"
    (site / "docs").mkdir(parents=True)
    (site / "docs" / "index.md").write_text("# Corpus\n")
    (site / "mkdocs.yml").write_text(SITE)
    shutil.copytree(BAD, site / "data")
    proc = mkdocs(site)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    bad = [(name, line) for name, line in EXPECTED if line != "OK"]
    assert len(bad) >= 40
    missing = [f"data/{line}" for name, line in bad if f"data/{line}" not in proc.stderr]
    assert missing == [], "\n".join(missing[:5])


def test_the_same_inputs_give_a_byte_identical_site(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    for out, seed in ((first, "1"), (second, "2")):
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)], cwd=REPO,
                              capture_output=True, text=True,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000",
                                   "PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(first, second, [str(f) for f in files], shallow=False)
    assert mismatch == [] and errors == []
