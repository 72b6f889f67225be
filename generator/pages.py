"""The Jinja environments that turn analysis results into sentences and pages.

Two environments share one loader. The *text* environment renders observation
sentences and hypotheses as plain text — that exact text goes into the findings
JSON. The *page* environment renders Markdown and escapes every expression it
prints (``finalize=md``), so a template cannot forget to escape a label; values
that are already safe markup (the embedded spec, the front-matter title) arrive
as :class:`markupsafe.Markup`.

A user overrides any template by putting a file of the same name in a folder
passed as ``templates_dir``; the built-in one stays reachable as
``default:NAME``, so an override can ``{% extends "default:report.md.j2" %}``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jinja2

from . import text


def builtin_templates() -> Path:
    """Installed from a wheel, the templates are package data in ``generator/templates``;
    in a source checkout or an editable install they are ``<repo>/templates``."""
    packaged = Path(str(resources.files("generator"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def _loader(templates_dir: Path | None) -> jinja2.BaseLoader:
    builtin = jinja2.FileSystemLoader(str(builtin_templates()))
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PrefixLoader({"default": builtin}, delimiter=":"))
    loaders.append(builtin)
    return jinja2.ChoiceLoader(loaders)


def _filters() -> dict:
    return {
        "label": text.label,
        "number": text.number,
        "listing": text.listing,
        "span": text.span,
        "ordinal": text.ordinal,
        "plain": text.plain,
        "yaml_string": text.yaml_string,
        "json_script": text.json_script,
    }


def text_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(loader=_loader(templates_dir), autoescape=False, undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.do"],
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters.update(_filters())
    return env


def page_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(loader=_loader(templates_dir), autoescape=False, undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.do"],
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                             finalize=text.md)
    env.filters.update(_filters())
    return env


def render_macro(env: jinja2.Environment, template: str, macro: str, *args, **kwargs) -> str:
    """Call one macro of a template; used for per-observation sentences and hypotheses."""
    module = env.get_template(template).make_module()
    return " ".join(str(getattr(module, macro)(*args, **kwargs)).split())
