"""Read the optional ``<name>.yml`` sidecar that describes a dataset.

Sidecars come from strangers, so YAML is read with the safe loader only (an
executable tag is an error naming its line) and every key is checked: a typo is
an error, not a silently ignored setting.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from generator.errors import InputError, characters_only
from generator.load.dataset import Metadata

KNOWN_KEYS = {
    "title": "str",
    "description": "str",
    "axes": "mapping with keys rows, columns",
    "values": "one of attention, effect, categories, other",
    "categories": "list of level names",
    "colours": "mapping level -> colour",
    "levels": "mapping with keys rule, high, low, names",
    "context": "str",
    "tokens": "list of str",
    "table": "mapping with keys row, column, value",
    "settings": "mapping of settings overrides",
}
VALUE_KINDS = ("attention", "effect", "categories", "other")
#: A CSS colour as Vega reads it: #rgb(a), #rrggbb(aa), a name, or rgb()/hsl() with plain numbers.
COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,30}"
                    r"|(?:rgb|rgba|hsl|hsla)\([0-9.,% ]{1,60}\)")


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice (YAML would silently keep the last)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: the safe loader names it below
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is given twice",
                                                    key_node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def sidecar_path(data_path: Path) -> Path | None:
    for suffix in (".yml", ".yaml"):
        candidate = data_path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(data_path: Path) -> tuple[Metadata, dict[str, Any], Path | None]:
    """Return the metadata, the settings overrides it implies, and the sidecar's path."""
    path = sidecar_path(data_path)
    if path is None:
        return Metadata(), {}, None
    raw = _load_yaml(path)
    if raw is None:
        return Metadata(), {}, path
    if not isinstance(raw, dict):
        raise InputError.at(str(path), "top level", "expected a mapping of keys to values")
    for key in raw:
        if key not in KNOWN_KEYS:
            known = ", ".join(sorted(KNOWN_KEYS))
            raise InputError.at(str(path), f"key '{key}'", f"unknown key; known keys: {known}")
    src = str(path)
    axes = _mapping(raw, "axes", src, {"rows", "columns"})
    values = _text(raw, "values", src)
    if values is not None and values not in VALUE_KINDS:
        raise InputError.at(src, "key 'values'", f"expected one of {', '.join(VALUE_KINDS)}, got {values!r}")
    overrides: dict[str, Any] = dict(_mapping(raw, "settings", src, None))
    levels = _mapping(raw, "levels", src, {"rule", "high", "low", "names"})
    if levels:
        overrides["levels"] = {**overrides.get("levels", {}), **levels}
    colours = _mapping(raw, "colours", src, None)
    if colours:
        for level, colour in colours.items():
            if not isinstance(colour, str) or not COLOUR.fullmatch(colour):
                raise InputError.at(src, f"key 'colours.{level}'", f"{colour!r} is not a colour; use e.g. "
                                    "'#2b6cb0', 'steelblue' or 'rgb(43, 108, 176)'")
        overrides.setdefault("chart", {})["colours"] = {str(k): str(v) for k, v in colours.items()}
    table = _mapping(raw, "table", src, {"row", "column", "value"})
    if table:
        overrides.setdefault("input", {}).update({f"{k}_column": v for k, v in table.items()})
    meta = Metadata(
        title=_text(raw, "title", src),
        description=_text(raw, "description", src),
        row_axis=_text(axes, "rows", src, "axes."),
        column_axis=_text(axes, "columns", src, "axes."),
        values=values,
        # Cells are read with their ends stripped, so level names are too, or "High " never matches.
        categories=tuple(c.strip() for c in _strings(raw, "categories", src)),
        context=_text(raw, "context", src),
        tokens=_strings(raw, "tokens", src),
        overrides=overrides,
    )
    return meta, overrides, path


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError.at(str(path), f"byte {exc.start}", "not valid UTF-8") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark else "document"
        if "given twice" in (exc.problem or ""):
            raise InputError.at(str(path), where, exc.problem) from None
        raise InputError.at(str(path), where, f"tag not allowed (only plain YAML is read): {exc.problem}") from None
    except RecursionError:
        raise InputError.at(str(path), "document", "not valid YAML for a sidecar: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError.at(str(path), where, f"not valid YAML: {problem}") from None


def _text(raw: dict, key: str, src: str, prefix: str = "") -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError.at(src, f"key '{prefix}{key}'", "expected text")
    return characters_only(str(value), src, f"key '{prefix}{key}'")


def _strings(raw: dict, key: str, src: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise InputError.at(src, f"key '{key}'", "expected a list of text values")
    return tuple(characters_only(str(v), src, f"key '{key}'") for v in value)


def _mapping(raw: dict, key: str, src: str, allowed: set[str] | None) -> dict:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError.at(src, f"key '{key}'", "expected a mapping")
    if allowed is not None:
        for sub in value:
            if sub not in allowed:
                raise InputError.at(src, f"key '{key}.{sub}'", f"unknown key; known: {', '.join(sorted(allowed))}")
    return value
