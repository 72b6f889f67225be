from conftest import EXAMPLES  # noqa: F401  (puts tests/ helpers on the path)


def test_new_creates_a_site_and_never_overwrites(run_cli, tmp_path):
    site = tmp_path / "mysite"
    assert run_cli("new", site).code == 0
    assert (site / "mkdocs.yml").is_file() and (site / "docs" / "index.md").is_file()
    assert any((site / "docs" / "datasets").glob("*.csv"))
    (site / "docs" / "index.md").write_text("mine")
    again = run_cli("new", site)
    assert again.code == 2 and "never overwrites" in again.err
    assert (site / "docs" / "index.md").read_text() == "mine"


def test_a_new_site_builds_as_it_is_and_a_dropped_dataset_gets_a_page(run_cli, tmp_path):
    import os
    import subprocess
    import sys

    site = tmp_path / "mysite"
    assert run_cli("new", site).code == 0
    (site / "docs" / "datasets" / "mine.csv").write_text("r,1,2,3\na,0.1,0.5,0.9\nb,0.2,0.4,0.8\n")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=site, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    built = {p.relative_to(site / "site").as_posix() for p in (site / "site").rglob("*.html")}
    assert any(p.startswith("reports/") and "example" in p for p in built)
    assert any(p.startswith("reports/") and "mine" in p for p in built)
    assert (site / "site" / "assets" / "attention-report" / "charts.js").is_file()
