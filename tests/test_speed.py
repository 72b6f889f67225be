"""The speed work (issue 14): what it promises besides speed, which is measured, not asserted.

* a static image of a huge matrix is coarser than its chart, and the page says so;
* ``benchmark large`` really builds the file and really draws the seaborn baseline.
"""

from __future__ import annotations

import numpy as np
import pytest

from generator.bench.size import bench_large


def _wide(path, matrix):
    lines = ["token," + ",".join(map(str, range(matrix.shape[1])))]
    lines += [f"{r}," + ",".join(f"{v:.3f}" for v in row) for r, row in enumerate(matrix)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_huge_static_image_shows_coarser_blocks_and_the_page_says_so(tmp_path, run_cli):
    data = tmp_path / "big.csv"
    _wide(data, np.random.default_rng(0).random((60, 60)))
    out = tmp_path / "out"
    assert run_cli("build", data, "--out", out, "--set", "chart.max_chart_cells=900",
                   "--set", "chart.static_max_cells=100").code == 0
    page = (out / "big.md").read_text(encoding="utf-8")
    assert "means of 2 × 2 blocks of cells" in page  # the chart: 30 × 30 blocks
    assert "Static image (means of 6 × 6 blocks" in page  # the image: 10 × 10 blocks
    assert (out / "big.svg").read_bytes().startswith(b"<svg")  # 100 cells: SVG, not PNG


def test_a_static_image_within_the_limit_is_the_chart_itself(tmp_path, run_cli):
    data = tmp_path / "small.csv"
    _wide(data, np.random.default_rng(1).random((8, 8)))
    out = tmp_path / "out"
    assert run_cli("build", data, "--out", out).code == 0
    page = (out / "small.md").read_text(encoding="utf-8")
    assert "<summary>Static image</summary>" in page and "blocks" not in page


def test_benchmark_large_builds_the_file_and_draws_the_seaborn_baseline():
    pytest.importorskip("seaborn")
    figures = bench_large(30, repeat=1)
    assert figures["cells"] == 900 and figures["input_bytes"] > 900 * 5
    assert figures["output_bytes"] > figures["input_bytes"]  # the report ships its data, and more
    for side in ("build", "seaborn_png"):
        assert figures[side]["cpu_s"] > 0 and figures[side]["peak_rss_mb"] > 50
    assert figures["cpu_ratio"] == round(figures["build"]["cpu_s"] / figures["seaborn_png"]["cpu_s"], 2)
    assert figures["runs_cpu_s"] == [[figures["build"]["cpu_s"], figures["seaborn_png"]["cpu_s"]]]


def test_benchmark_site_measures_a_cold_a_second_and_a_serve_rebuild():
    pytest.importorskip("psutil")
    from generator.bench.site import bench_site

    figures = bench_site(3)
    for step in ("cold", "second", "serve_rebuild"):
        assert figures[step]["cpu_s"] > 0
    assert figures["second_ratio"] == round(figures["second"]["cpu_s"] / figures["cold"]["cpu_s"], 2)
    assert set(figures["over_budget"]) <= {f"{k} {figures[k]:.2f} exceeds the budget of 0.3"
                                            for k in ("second_ratio", "serve_ratio")}
