"""The MkDocs plugin, built the way `mkdocs build --strict` builds it (no browser here)."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import markdown
import pytest
from mkdocs.exceptions import Abort

sys.path.insert(0, str(Path(__file__).parent))
from browser.sitekit import PAYLOADS, build, make_project, tokens, write_matrix  # noqa: E402

from generator.errors import InputError, Problem  # noqa: E402
from generator.publish import assets, datasets, index_page  # noqa: E402
from generator.site import nav as site_nav

REPO = Path(__file__).resolve().parents[1]
PAGE_BUDGET = 300_000
"""Bytes of HTML one report page may take (docs/site.md, "The page budget")."""


def _two_groups(root: Path) -> None:
    write_matrix(root / "docs/datasets/small.csv", tokens(3), tokens(4), title="Small one")
    write_matrix(root / "docs/datasets/bert/layer1.csv", tokens(2), tokens(2), title="Layer 1")
    (root / "docs/datasets/README.md").write_text("# About the data\n")
    (root / "docs/datasets/bert/.hidden.csv").write_text("x")


def _nav_html(html: str) -> str:
    match = re.search(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>\s*</div>', html, re.S)
    return match.group(0) if match else html


def test_reports_are_generated_under_their_group_and_docs_stay_untouched(tmp_path):
    _two_groups(tmp_path)
    config = make_project(tmp_path, docs={"datasets/README.md": "# About the data\n"})
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "docs").rglob("*"))
    site = build(config)
    assert (site / "reports/examples/small.html").is_file()
    assert (site / "reports/bert/layer1.html").is_file()
    assert (site / "reports/examples/small.svg").is_file()
    assert (site / "assets/attention-report/charts.js").is_file()
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "docs").rglob("*")) == before
    assert not (site / "datasets/small.csv").exists()  # published once, inside its report
    index = (site / "reports/index.html").read_text()
    assert "Small one" in index and "Layer 1" in index
    assert 'href="examples/small.html"' in index and 'href="bert/layer1.html"' in index


@pytest.mark.parametrize("explicit_nav", [True, False], ids=["explicit-nav", "auto-nav"])
def test_report_pages_are_filed_under_reports_in_both_nav_modes(tmp_path, explicit_nav):
    _two_groups(tmp_path)
    nav = [{"Home": "index.md"}, {"About data": "datasets/README.md"}] if explicit_nav else None
    site = build(make_project(tmp_path, nav=nav, docs={"datasets/README.md": "# About\n"}))
    page = (site / "reports/bert/layer1.html").read_text()
    primary = _nav_html(page)
    assert "Reports" in primary and "bert" in primary
    # previous/next links were recomputed after the section was added
    assert '<link rel="prev" href="../index.html">' in page
    assert '<link rel="next" href="../examples/small.html">' in page


def test_a_big_group_is_split_so_each_page_prints_a_bounded_nav(tmp_path):
    n = site_nav.CHUNK + 3
    for i in range(n):
        write_matrix(tmp_path / f"docs/datasets/many/d{i:03d}.csv", tokens(2), tokens(2), title=f"D {i:03d}")
    site = build(make_project(tmp_path))
    page = (site / "reports/many/d000.html").read_text()
    links = _nav_html(page).count('href="d')
    assert 0 < links <= site_nav.CHUNK + 2, links
    assert "D 000 … D 039" in page


def test_generated_page_may_not_replace_a_real_doc(tmp_path, caplog):
    write_matrix(tmp_path / "docs/datasets/small.csv", tokens(2), tokens(2))
    config = make_project(tmp_path, docs={"reports/examples/small.md": "# Mine\n"})
    with pytest.raises(Abort), caplog.at_level(logging.ERROR):
        build(config)
    assert "replacing the existing doc reports/examples/small.md" in caplog.text


def test_input_errors_stop_the_build_with_one_line_each_and_no_traceback(tmp_path, caplog, monkeypatch):
    write_matrix(tmp_path / "docs/datasets/small.csv", tokens(2), tokens(2))
    config = make_project(tmp_path)

    def broken(paths, **kwargs):
        raise InputError([Problem("a.csv", "row 3", "not a number"), Problem("b.csv", "", "empty\nfile")])

    monkeypatch.setattr("generator.pipeline.build_bundles", broken)
    with pytest.raises(Abort), caplog.at_level(logging.ERROR):
        build(config)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(r.getMessage() == "a.csv: row 3: not a number\nb.csv: empty file" for r in errors)
    assert not any(r.exc_info for r in errors)
    assert "Traceback" not in caplog.text


def test_a_glob_that_matches_nothing_is_info_and_strict_still_passes(tmp_path, caplog):
    config = make_project(tmp_path, plugin={"datasets": ["data/**/*.csv"]})
    with caplog.at_level(logging.INFO):
        site = build(config)
    assert "matched no dataset" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "No datasets were found" in (site / "reports/index.html").read_text()
    assert not (site / "assets/attention-report/charts.js").exists()


def test_datasets_outside_docs_and_a_custom_reports_dir(tmp_path):
    write_matrix(tmp_path / "data/gpt/h0.csv", tokens(2), tokens(3))
    config = make_project(tmp_path, plugin={"datasets": ["data/**/*.csv"], "reports_dir": "out/r"},
                          docs={"index.md": "# Home\n"})
    site = build(config)
    assert (site / "out/r/gpt/h0.html").is_file()
    assert (site / "out/r/index.html").is_file()


def test_serve_watches_dataset_folders_outside_docs(tmp_path):
    from mkdocs.config import load_config

    write_matrix(tmp_path / "data/a.csv", tokens(2), tokens(2))
    config_file = make_project(tmp_path, plugin={"datasets": ["data/*.csv", "docs/datasets/**/*.*"]})
    config = load_config(str(config_file))
    config = config.plugins.on_config(config)
    plugin = config.plugins["attention-report"]

    class Server:
        watched: list[str] = []

        def watch(self, path):
            self.watched.append(path)

    plugin.on_serve(Server(), config=config, builder=None)
    assert Server.watched == [str((tmp_path / "data").resolve())]


def test_discovery_skips_sidecars_readmes_markdown_and_hidden_files(tmp_path):
    _two_groups(tmp_path)
    (tmp_path / "docs/datasets/bert/layer1.yaml").write_text("title: x\n")
    found = datasets.discover(["docs/datasets/**/*.*"], tmp_path)
    names = [(d.group, d.path.name) for d in found.datasets]
    assert names == [("bert", "layer1.csv"), ("examples", "small.csv")]
    assert found.roots == [(tmp_path / "docs/datasets").resolve()]


def test_group_names_become_url_safe_but_keep_their_title():
    found = datasets._dataset(Path("/r/My Heads/<b>/x.csv"), Path("/r"))
    assert found.group == "my-heads/b"
    assert found.group_title == "My Heads/<b>"


@pytest.mark.parametrize("payload", [*PAYLOADS, "a | b", "*x* _y_ [l](javascript:alert(1))", "line\nbreak"])
def test_index_cells_render_as_literal_text(payload):
    text = index_page.render([index_page.Group(payload, [index_page.Row(payload, "g/x.md", payload, [payload], payload)])])
    html = markdown.markdown(text.split("---", 2)[2], extensions=["tables"])
    assert "<script" not in html and "<img" not in html and "<em>" not in html
    assert 'href="javascript' not in html
    assert html.count("<td>") == 4  # no cell was split by a "|" in the data


def test_charts_script_is_one_classic_iife_that_reads_json_specs():
    js = assets.charts_js().decode()
    assert js.lstrip().startswith("/*") and "(function () {" in js and js.rstrip().endswith("})();")
    assert "JSON.parse" in js and "document$" in js and "new vega.View(vega.parse(" in js
    assert "import(" not in assets.init_js() and "type=\"module\"" not in js
    assert "window.vega=" in js.replace(" ", "") and "window.vegaEmbed" not in js and "window.vegaLite" not in js


def test_a_big_matrix_stays_within_the_page_budget_with_the_repository_settings(tmp_path):
    import yaml

    repo_config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    plugin = next(p["attention-report"] for p in repo_config["plugins"] if isinstance(p, dict))
    write_matrix(tmp_path / "docs/datasets/big.csv", tokens(150), tokens(150), title="Big")
    site = build(make_project(tmp_path, plugin={"settings": plugin["settings"]}))
    page = site / "reports/examples/big.html"
    assert page.stat().st_size <= PAGE_BUDGET
    assert '"renderer": "canvas"' in page.read_text() or '"renderer":"canvas"' in page.read_text()


def test_the_repository_site_builds_strict(tmp_path):
    site = build(REPO / "mkdocs.yml", tmp_path / "site")
    assert (site / "site.html").is_file()
    assert (site / "reports/index.html").is_file()
    for page in site.rglob("*.html"):
        assert "fonts.googleapis" not in page.read_text()
