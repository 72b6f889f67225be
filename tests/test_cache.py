"""The bundle cache (output/cache.py): reuse only what is provably the same, and the same bytes.

Safety first: a hit must give the bytes a fresh build gives; a changed template,
setting or version must miss; a truncated or corrupt entry must be ignored and
rebuilt, never published; the cache must live outside the built site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import pipeline
from generator.output import cache as cache_module
from generator.output.cache import BundleCache, code_fingerprint
from generator.pipeline import build_bundles

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "docs" / "datasets"


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.csv").write_text("token,0,1,2,3\n0,0.1,0.9,0.1,0.9\n1,0.2,0.8,0.2,0.8\n2,0.5,0.5,0.5,0.4\n",
                                  encoding="utf-8")
    (folder / "b.csv").write_text("token,0,1,2\nx,1,2,3\ny,3,2,1\n", encoding="utf-8")
    (folder / "b.yml").write_text("title: Bee\n", encoding="utf-8")
    return sorted(folder.glob("*.csv"))


def _files(bundles):
    return [(b.slug, b.title, b.source, b.summary, b.files) for b in bundles]


def _refuse_to_build(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a cached dataset was analysed or rendered again")

    monkeypatch.setattr(pipeline, "bundle_for", refuse)


def test_a_second_build_reuses_every_bundle_and_gives_the_same_bytes(data, tmp_path, monkeypatch):
    fresh = build_bundles(data)
    cache = BundleCache(tmp_path / "cache")
    first = build_bundles(data, cache=cache)
    assert (cache.hits, cache.misses) == (0, 2)
    _refuse_to_build(monkeypatch)
    again = BundleCache(tmp_path / "cache")
    second = build_bundles(data, cache=again)
    assert (again.hits, again.misses) == (2, 0)
    assert _files(first) == _files(second) == _files(fresh)


def test_an_unchanged_dataset_is_not_even_loaded(data, tmp_path, monkeypatch):
    from generator import kinds

    build_bundles(data, cache=BundleCache(tmp_path / "cache"))
    monkeypatch.setattr(pipeline, "kind_for", lambda path: _NoLoad(kinds.kind_for(path)))
    build_bundles(data, cache=BundleCache(tmp_path / "cache"))


class _NoLoad:
    def __init__(self, kind):
        self.name, self.suffixes, self.sidecar = kind.name, kind.suffixes, kind.sidecar

    def load(self, *args, **kwargs):
        raise AssertionError("a cached dataset was parsed again")


def test_only_the_edited_dataset_is_built_again(data, tmp_path):
    build_bundles(data, cache=BundleCache(tmp_path / "cache"))
    data[0].write_text(data[0].read_text(encoding="utf-8").replace("0.4", "0.3"), encoding="utf-8")
    cache = BundleCache(tmp_path / "cache")
    assert _files(build_bundles(data, cache=cache)) == _files(build_bundles(data))
    assert (cache.hits, cache.misses) == (1, 1)


@pytest.mark.parametrize("change", ["setting", "sidecar", "template", "version"])
def test_a_changed_setting_sidecar_template_or_version_misses(data, tmp_path, monkeypatch, change):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.md.j2").write_text('{% extends "default:report.md.j2" %}\n', encoding="utf-8")
    build_bundles(data, templates_dir=templates, cache=BundleCache(tmp_path / "cache"))
    overrides = None
    if change == "setting":
        overrides = {"analysis": {"similar_min": 0.5}}
    elif change == "sidecar":
        (data[1].with_suffix(".yml")).write_text("title: Wasp\n", encoding="utf-8")
    elif change == "template":
        (templates / "report.md.j2").write_text('{% extends "default:report.md.j2" %}\n{# v2 #}\n', encoding="utf-8")
    else:
        monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "attention-report 99.0")
    cache = BundleCache(tmp_path / "cache")
    got = build_bundles(data, templates_dir=templates, settings_overrides=overrides, cache=cache)
    assert cache.hits == (1 if change == "sidecar" else 0)
    assert _files(got) == _files(build_bundles(data, templates_dir=templates, settings_overrides=overrides))


def test_the_version_and_the_code_are_in_the_fingerprint(monkeypatch):
    before = code_fingerprint.__wrapped__()
    monkeypatch.setattr(cache_module, "__version__", "99.0")
    assert code_fingerprint.__wrapped__() != before


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "other-key", "garbage"])
def test_a_damaged_entry_is_ignored_rebuilt_and_never_published(data, tmp_path, damage):
    root = tmp_path / "cache"
    build_bundles(data, cache=BundleCache(root))
    entries = sorted(root.glob("*.bundle"))
    assert len(entries) == 2
    for entry in entries:
        blob = entry.read_bytes()
        if damage == "truncate":
            entry.write_bytes(blob[: len(blob) - 7])
        elif damage == "flip":
            entry.write_bytes(blob[:-20] + bytes([blob[-20] ^ 1]) + blob[-19:])
        elif damage == "empty":
            entry.write_bytes(b"")
        elif damage == "other-key":
            entry.write_bytes(blob.replace(entry.stem.encode(), b"0" * 64, 1))
        else:
            entry.write_bytes(os.urandom(200))
    cache = BundleCache(root)
    got = build_bundles(data, cache=cache)
    assert (cache.hits, cache.misses) == (0, 2)
    assert _files(got) == _files(build_bundles(data))
    healed = BundleCache(root)
    build_bundles(data, cache=healed)
    assert healed.hits == 2  # rebuilt entries replaced the damaged ones


def test_a_file_changed_while_it_was_built_is_not_stored(data, tmp_path, monkeypatch):
    real = pipeline.bundle_for

    def edit_meanwhile(kind, item, slug, templates_dir):
        bundle = real(kind, item, slug, templates_dir)
        Path(item.dataset.source).write_text("token,0,1,2\nx,9,2,3\ny,3,2,9\n", encoding="utf-8")
        return bundle

    monkeypatch.setattr(pipeline, "bundle_for", edit_meanwhile)
    build_bundles(data[1:], cache=BundleCache(tmp_path / "cache"))
    assert not list((tmp_path / "cache").glob("*.bundle"))


def test_a_corrupt_vega_bundle_in_the_cache_is_ignored(tmp_path):
    from generator.publish.assets import _fresh_vega_bundle, vega_bundle

    cache = BundleCache(tmp_path / "cache")
    assert vega_bundle(cache) == _fresh_vega_bundle()
    blob = tmp_path / "cache" / "vega-runtime.blob"
    blob.write_bytes(blob.read_bytes()[:-100])
    assert vega_bundle(BundleCache(tmp_path / "cache")) == _fresh_vega_bundle()
    assert BundleCache(tmp_path / "cache").get_bytes("vega-runtime", "nonsense") is None


SITE = """site_name: cached
docs_dir: docs
theme:
  name: material
  font: false
plugins:
  - attention-report:
      datasets: [docs/datasets/*.*]
"""


def _site(root: Path, extra: str = "") -> Path:
    (root / "docs" / "datasets").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Cached\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(SITE + extra, encoding="utf-8")
    for name in ("seed-mlp-att.csv", "seed-mlp-att.yml", "role-pattern.jsonl", "role-pattern.yml"):
        (root / "docs" / "datasets" / name).write_bytes((EXAMPLES / name).read_bytes())
    return root


def _mkdocs_build(root: Path) -> dict[str, bytes]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=root, env=env, check=True)
    site = root / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and p.name != "sitemap.xml.gz"}


def test_the_site_is_byte_identical_with_or_without_the_cache_which_lives_outside_it(tmp_path):
    root = _site(tmp_path / "site-root")
    cold, warm = _mkdocs_build(root), _mkdocs_build(root)
    assert len(list((root / ".cache" / "attention-report").glob("*.bundle"))) == 2
    (root / "mkdocs.yml").write_text(SITE + "      cache: false\n", encoding="utf-8")
    shutil.rmtree(root / ".cache")
    plain = _mkdocs_build(root)
    assert not (root / ".cache").exists()
    assert cold == warm == plain
    assert not any(name.endswith((".bundle", ".blob")) for name in cold)


def test_a_cache_dir_inside_the_site_or_the_docs_is_refused(tmp_path):
    root = _site(tmp_path / "s", "      cache_dir: site/cache\n")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=root, env=env,
                         capture_output=True, text=True)
    assert run.returncode != 0 and "inside the built site" in run.stderr


def test_the_cli_cache_gives_the_same_output_and_refuses_to_live_in_it(data, tmp_path, run_cli):
    outputs = []
    for name in ("cold", "warm", "plain"):
        args = ["build", *data, "--out", tmp_path / name]
        if name != "plain":
            args += ["--cache", tmp_path / "cache"]
        assert run_cli(*args).code == 0
        outputs.append({p.name: p.read_bytes() for p in (tmp_path / name).iterdir()})
    assert outputs[0] == outputs[1] == outputs[2]
    refused = run_cli("build", *data, "--out", tmp_path / "out", "--cache", tmp_path / "out" / "cache")
    assert refused.code == 2 and "--cache: is inside the output folder" in refused.err
