"""The ``attention-report`` command line.

Every command turns bad input into one line per problem on stderr and exit
status 2; it never prints a traceback for the user's data. ``build`` renders
everything in memory first and then swaps the output folder in whole, so a
failed or killed build leaves the previous output as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import InputError
from .output import OutputError, write_output

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
def build(data: tuple[Path, ...], out_dir: Path, templates_dir: Path | None, assignments: tuple[str, ...]) -> None:
    """Write DIR/<slug>.md, .vl.json, .findings.json (and the static image) for each DATA file.

    DATA may name files or folders; a folder contributes every dataset file in it.
    """
    from .pipeline import build_bundles, find_datasets
    from .settings import deep_merge, parse_assignment

    overrides: dict = {}
    for text in assignments:
        overrides = deep_merge(overrides, parse_assignment(text))
    if templates_dir is not None and not templates_dir.is_dir():
        raise InputError.at(str(templates_dir), "--templates", "no such folder")
    paths = find_datasets(list(data))
    bundles = build_bundles(paths, settings_overrides=overrides, templates_dir=templates_dir)
    write_output(out_dir, bundles)
    for bundle in bundles:
        click.echo(f"{bundle.source} -> {out_dir / bundle.main_page}")


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def new(directory: Path) -> None:
    """Create a site in DIRECTORY that builds as it is: mkdocs.yml, docs/index.md, an example dataset."""
    from .scaffold import create_site

    for path in create_site(directory):
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && mkdocs build")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn every expected failure into one-line errors."""
    try:
        cli.main(args=argv, prog_name="attention-report", standalone_mode=False)
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
        click.echo(f"internal error: {type(exc).__name__}: {exc} (set ATTENTION_REPORT_DEBUG=1 for a traceback)",
                   err=True)
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":
    sys.exit(main())
