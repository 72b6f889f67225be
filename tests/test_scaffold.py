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
