"""`attention-report benchmark corpus` measures real builds: figures present, consistent, nothing asserted on time."""

from __future__ import annotations

import json

from generator.cli import main


def test_the_corpus_benchmark_reports_every_figure_for_each_size(capsys):
    assert main(["benchmark", "corpus", "--sizes", "3,6", "--heads", "2", "--length", "33"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [r["prompts"] for r in result["runs"]] == [3, 6]
    for run in result["runs"]:
        assert run["bytes"] > 0 and run["build_s"] > 0 and run["analysis_pass_s"] > 0
        assert run["prompts_per_s"] > 0 and 0 < run["read_ratio"] and run["peak_rss_mb"] > 50
        assert abs(run["build_read_mb_s"] / run["raw_read_mb_s"] - run["read_ratio"]) < 0.01
        assert run["build_cpu_s"] > 0 and run["read_and_hash_s"] > 0 and run["read_and_hash_ratio"] > 0
    assert result["runs"][1]["bytes"] == 2 * result["runs"][0]["bytes"]
    assert result["rss_growth"] > 0 and isinstance(result["over_budget"], list)
