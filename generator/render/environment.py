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

from contextlib import contextmanager
from functools import lru_cache, partial
from importlib import resources
from pathlib import Path

import jinja2

from generator.errors import InputError
from generator.render import text


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


def _filters(label_limit: int) -> dict:
    return {
        "label": partial(text.label, limit=label_limit),
        "number": text.number,
        "exact": text.exact,
        "percent": text.percent,
        "listing": text.listing,
        "span": partial(text.span, limit=label_limit),
        "ordinal": text.ordinal,
        "upper_first": text.upper_first,
        "plain": text.plain,
        "yaml_string": text.yaml_string,
        "json_script": text.json_script,
    }


def text_environment(templates_dir: Path | None = None, *, label_limit: int = 80,
                     label_names: dict[str, str] | None = None) -> jinja2.Environment:
    """The text environment, one per folder and limit: compiled templates are kept across datasets
    (compiling them again for each dataset was most of a many-dataset build); Jinja still
    reloads a template whose file changed. ``label_names`` (labels that would print alike
    when cut, see :func:`text.distinct_cuts`) gives the dataset its own overlay."""
    return _with_names(_text_environment(_key(templates_dir), label_limit), label_limit, label_names)


def page_environment(templates_dir: Path | None = None, *, label_limit: int = 80,
                     label_names: dict[str, str] | None = None) -> jinja2.Environment:
    """The page environment, cached like :func:`text_environment`."""
    return _with_names(_page_environment(_key(templates_dir), label_limit), label_limit, label_names)


def _with_names(env: jinja2.Environment, label_limit: int, names: dict[str, str] | None) -> jinja2.Environment:
    if not names:
        return env
    overlay = env.overlay(cache_size=0)  # compiled templates hold their environment: compile against this one
    overlay.filters = {**env.filters, "label": partial(text.label, limit=label_limit, names=names),
                       "span": partial(text.span, limit=label_limit, names=names)}
    return overlay


def _key(templates_dir: Path | None) -> Path | None:
    return None if templates_dir is None else Path(templates_dir).resolve()


def _bytecode_cache(kind: str) -> jinja2.BytecodeCache | None:
    """Jinja's own cache of compiled templates, in its per-user temporary folder.

    Page templates are compiled anew for each report (an overlay per label limit), which
    cost about 0.4 s of every build. Jinja makes that folder private to the user (it
    refuses one another user owns), and keys an entry by the template's name, file and a
    checksum of its source, so an edited or overridden template simply misses; it does
    not key by the environment's options, so each kind of environment has its own file
    names. Output is the same with or without the cache; no usable folder means none.
    """
    try:
        return jinja2.FileSystemBytecodeCache(pattern=f"__attention_report_{kind}_%s.cache")
    except (OSError, RuntimeError):
        return None


@lru_cache(maxsize=32)
def _text_environment(templates_dir: Path | None, label_limit: int) -> jinja2.Environment:
    env = jinja2.Environment(loader=_loader(templates_dir), autoescape=False, undefined=jinja2.StrictUndefined,
                             extensions=["jinja2.ext.do"], trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=False, bytecode_cache=_bytecode_cache("text"))
    env.filters.update(_filters(label_limit))
    return env


@lru_cache(maxsize=32)
def _page_environment(templates_dir: Path | None, label_limit: int) -> jinja2.Environment:
    """Autoescape is on so that macro output, ``super()`` and ``{% set %}`` blocks count as
    markup already made; ``finalize`` then escapes every other value for Markdown and HTML."""
    env = jinja2.Environment(loader=_loader(templates_dir), autoescape=True, undefined=jinja2.StrictUndefined,
                             extensions=["jinja2.ext.do"], trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, finalize=text.md, bytecode_cache=_bytecode_cache("page"))
    env.filters.update(_filters(label_limit))
    return env


@contextmanager
def template_errors(templates_dir: Path | None):
    """A broken user template is bad input: one line naming the template file and line."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise InputError.at(_template_path(exc.filename or exc.name, templates_dir), f"line {exc.lineno}",
                            exc.message or "template syntax error") from None
    except jinja2.TemplateError as exc:
        name, line = _template_frame(exc)
        raise InputError.at(_template_path(name, templates_dir), f"line {line}" if line else "template",
                            str(exc.message if hasattr(exc, "message") and exc.message else exc)) from None


def _template_frame(exc: BaseException) -> tuple[str, int | None]:
    """The innermost template frame of a rendering error (Jinja maps frames to template lines)."""
    name, line = "template", None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            name, line = filename, tb.tb_lineno
        tb = tb.tb_next
    return name, line


def _template_path(name: str, templates_dir: Path | None) -> str:
    return str(name) if name else str(templates_dir or "templates")


def macros(env: jinja2.Environment, template: str, names: tuple[str, ...]):
    """A template's macros, checked: an override that lacks one is bad input naming the file."""
    loaded = env.get_template(template)
    module = loaded.make_module()
    for name in names:
        if not hasattr(module, name):
            raise InputError.at(loaded.filename or template, "template",
                                f"defines no macro '{name}' (an override of {template} must define "
                                f"{', '.join(names)}; import the rest from 'default:{template}')")
    return module


def render_page(env: jinja2.Environment, name: str, context: dict) -> str:
    """A page template rendered with ``r=context``, its long prose lines wrapped for the reader of the
    Markdown source (:func:`generator.render.text.readable_lines`; the rendered page is the same)."""
    return text.readable_lines(env.get_template(name).render(r=context))
