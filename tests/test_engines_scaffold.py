"""`attention-report new` makes a site that MkDocs 1.6, ProperDocs and Zensical all build, with every report."""

from __future__ import annotations

import os

import pytest

from engines import EngineUnavailable, build_site


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs", "zensical"])
def test_a_new_site_builds_with_every_engine_and_holds_every_report(run_cli, tmp_path, engine):
    site = tmp_path / "mysite"
    assert run_cli("new", site).code == 0
    (site / "docs" / "datasets" / "mine.csv").write_text("r,1,2,3\na,0.1,0.5,0.9\nb,0.2,0.4,0.8\n")
    try:
        built = build_site(engine, site / "mkdocs.yml", site / "site")  # Zensical: inside the project
    except EngineUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(str(error))
        pytest.skip(str(error))
    for page in ("reports/examples/example.html", "reports/examples/mine.html", "reports/index.html"):
        assert (built / page).is_file(), (engine, page)
    assert (built / "assets/attention-report/charts.js").is_file()
    assert run_cli("check-site", built).code == 0
    page = (built / "reports/examples/example.html").read_text(encoding="utf-8")
    assert "assets/attention-report/charts.js" in page and 'class="ar-spec"' in page
