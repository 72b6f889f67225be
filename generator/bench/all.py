"""``attention-report benchmark`` with no subcommand: every budget of docs/limits.md side by side.

* large: the 2,000 × 2,000 build against a pandas + seaborn PNG of the same file
  (:func:`generator.bench.size.bench_large`);
* site: cold and second ``mkdocs build`` and a ``mkdocs serve`` rebuild after one
  edit, at each site size (:func:`generator.bench.site.bench_site`);
* seed page: the bytes Chromium downloads on a first visit (cold cache) of the seed
  report's page (:func:`generator.bench.report.bench_report`).

Runs one after another, never two at once: on a 2-core machine they would measure
each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEED = Path(__file__).resolve().parent.parent.parent / "docs" / "datasets" / "seed-mlp-att.csv"


def bench_all(site_counts: list[int], *, browser: bool = True) -> dict[str, Any]:
    from generator.bench.site import bench_site
    from generator.bench.size import bench_large, within_budget

    large = bench_large()
    figures: dict[str, Any] = {"large": {**large, "over_budget": within_budget(large)},
                               "sites": [bench_site(count) for count in site_counts]}
    if browser and SEED.is_file():
        from generator.bench.report import bench_report

        seed = bench_report(SEED, repeat=1)
        figures["seed_page"] = {"page": seed["browser_pages"], "first_visit_bytes": seed["browser_downloaded_bytes"],
                                "requests": seed["browser_requests"]}
    return figures


def summary(figures: dict[str, Any]) -> str:
    """The figures as one table a person reads: what, measured, budget."""
    large = figures["large"]
    rows = [("large: build / seaborn PNG, CPU", f"{large['cpu_ratio']:.2f}", "<= 1.0"),
            ("large: build / seaborn PNG, wall", f"{large['wall_ratio']:.2f}", "(printed only)"),
            ("large: build peak RSS (MB)", f"{large['peak_rss_mb']:.0f}", "<= 1024")]
    for site in figures["sites"]:
        n = site["datasets"]
        rows.append((f"site {n}: second build / cold, CPU", f"{site['second_ratio']:.2f}", "<= 0.3"))
        if "serve_ratio" in site:
            rows.append((f"site {n}: serve rebuild / cold, CPU", f"{site['serve_ratio']:.2f}", "<= 0.3"))
        rows.append((f"site {n}: cold build CPU (s)", f"{site['cold']['cpu_s']:.2f}", ""))
    if "seed_page" in figures:
        rows.append(("seed page: first-visit bytes", f"{figures['seed_page']['first_visit_bytes']:,}", ""))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{what:<{width}}  {value:>12}  {budget}" for what, value, budget in rows)
