"""Template overriding: a file of the same name wins, and the built-in one stays reachable to extend."""

from __future__ import annotations

from conftest import EXAMPLES

import pytest

from generator import report
from generator.errors import InputError


def test_an_override_can_extend_the_builtin_report_and_replace_one_block(tmp_path):
    (tmp_path / "report.md.j2").write_text(
        '{% extends "default:report.md.j2" %}\n'
        "{% block reproduce %}## Provenance\n\nLab notebook entry {{ r.sha256[:8] }}.\n{% endblock %}\n"
    )
    md = report(EXAMPLES / "seed-mlp-att.csv", templates_dir=tmp_path).markdown
    assert "## Provenance" in md and "## Reproduce" not in md
    assert "## Key Observations" in md  # the rest of the built-in page is still there


def _decorated_sentences(folder):
    (folder / "observations.j2").write_text(
        '{% import "default:observations.j2" as base %}\n'
        "{% macro sentence(o, ax) %}[{{ o.kind }}] {{ base.sentence(o, ax) }}{% endmacro %}\n"
        "{% macro ranges_phrase(ranges, ax) %}{{ base.ranges_phrase(ranges, ax) }}{% endmacro %}\n"
    )


def test_an_override_of_the_sentences_is_verified_as_printed(tmp_path):
    """A reworded sentence is what the reader reads, so it is what the verify stage checks: one it
    cannot read fails the build under verify.strict, naming the claim, and is left out otherwise."""
    _decorated_sentences(tmp_path)
    with pytest.raises(InputError, match=r"verify, observation 1: .*\[identical_rows\] MLP and ATT are identical"):
        report(EXAMPLES / "seed-mlp-att.csv", templates_dir=tmp_path)
    lenient = report(EXAMPLES / "seed-mlp-att.csv", templates_dir=tmp_path, settings={"verify": {"strict": False}})
    assert lenient.findings["observations"] == [] and lenient.findings["rejected"] == 6
    assert "[identical_rows]" not in lenient.markdown


def test_an_override_of_the_readings_changes_the_findings_hypotheses_too(tmp_path):
    (tmp_path / "hypotheses.j2").write_text(
        '{% import "default:hypotheses.j2" as base %}\n'
        "{% macro interpretation(o, ax, meta) %}[{{ o.kind }}] {{ base.interpretation(o, ax, meta) }}{% endmacro %}\n"
        "{% macro implication(o, ax, meta) %}{{ base.implication(o, ax, meta) }}{% endmacro %}\n"
    )
    r = report(EXAMPLES / "seed-mlp-att.csv", templates_dir=tmp_path)
    first = r.findings["hypotheses"][0]["text"]
    assert first.startswith("[identical_rows] MLP and ATT may be driven")
    assert "&#91;identical_rows&#93;" in r.markdown  # brackets escaped (they make links); snake_case is not


def test_super_keeps_the_builtin_block_as_markup(tmp_path):
    (tmp_path / "report.md.j2").write_text(
        '{% extends "default:report.md.j2" %}\n'
        "{% block reproduce %}{{ super() }}\n- Reviewed by: the lab\n{% endblock %}\n"
    )
    md = report(EXAMPLES / "seed-mlp-att.csv", templates_dir=tmp_path).markdown
    assert "## Reproduce\n\n- Source: seed-mlp-att.csv" in md and "- Reviewed by: the lab" in md


def test_a_dataframe_with_labels_in_its_index_keeps_them():
    import pandas as pd

    frame = pd.DataFrame({"1": [0.1, 0.9], "2": [0.5, 0.4], "3": [0.2, 0.3]}, index=pd.Index(["MLP", "ATT"], name="c"))
    assert report(frame, name="indexed").findings["rows"] == ["MLP", "ATT"]


def test_compiled_templates_are_cached_by_source_and_a_bad_entry_is_only_a_miss(tmp_path, monkeypatch):
    """Jinja's bytecode cache (in a private temporary folder) saves compiling the templates for
    each report; the output is the same from a cold cache, a warm one and a corrupted one, and an
    edited override template is compiled again, never served from the cache."""
    import tempfile

    from generator.render import environment

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    environment._page_environment.cache_clear()
    environment._text_environment.cache_clear()
    try:
        cold = report(EXAMPLES / "seed-mlp-att.csv").markdown
        entries = list((tmp_path / "tmp").glob("_jinja2-cache-*/__attention_report_*.cache"))
        assert entries
        environment._page_environment.cache_clear()
        environment._text_environment.cache_clear()
        assert report(EXAMPLES / "seed-mlp-att.csv").markdown == cold
        for entry in entries:
            entry.write_bytes(b"not bytecode")
        environment._page_environment.cache_clear()
        environment._text_environment.cache_clear()
        assert report(EXAMPLES / "seed-mlp-att.csv").markdown == cold
        overrides = tmp_path / "overrides"
        overrides.mkdir()
        for word in ("first", "second"):
            (overrides / "report.md.j2").write_text(
                '{% extends "default:report.md.j2" %}\n{% block reproduce %}## Provenance ' + word + "\n{% endblock %}\n")
            environment._page_environment.cache_clear()
            md = report(EXAMPLES / "seed-mlp-att.csv", templates_dir=overrides).markdown
            assert f"## Provenance {word}" in md
    finally:
        environment._page_environment.cache_clear()
        environment._text_environment.cache_clear()
