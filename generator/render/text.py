"""Formatting and escaping for the render stage: how values look, and how they stay inert.

Labels, titles and metadata come from strangers' files. In a Markdown page every
such value is written with Markdown- and HTML-active characters replaced by
numeric character references, which Markdown passes through untouched and the
browser shows as the original characters: a label can never open a tag, a link,
a heading, a table cell or an emphasis. Bidirectional control characters are
shown as visible code points so they cannot reorder the text around them.
"""

from __future__ import annotations

import json
import os
import math
import re
from decimal import Decimal
from typing import Any, Iterable

from markupsafe import Markup

# Always replaced: characters that start or end Markdown or HTML constructs in
# Python-Markdown and the pymdownx extensions (emoji ``:``, mark ``=``, tilde ``~``,
# caret ``^``, arithmatex ``$``), plus quotes so values are safe in attributes too.
# ``+`` is always replaced too: pymdownx.keys turns ``++ctrl++`` into ``<kbd>`` anywhere in a line.
_ALWAYS = set("\\`*_{}[]()#|<>&\"'!~^=:$%@+")
# Replaced only when they start a value: list markers, ordered-list dots and the
# ``///`` fence of pymdownx.blocks (which would open a details/admonition/html block).
_LEADING = set("-+./")
# Bidirectional controls, and C0/C1 control characters (other than the whitespace the
# folding below removes): shown as visible code points, never passed on. A control
# character in SVG text is not even well-formed XML (vl-convert aborts the process).
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0e-\x1b\x7f-\x9f\ud800-\udfff]")
# pymdownx.magiclink links bare ``www.host`` and ``ftp.host``; the dot after them is replaced.
_ORDERED = re.compile(r"\s*\d{1,9}()[.)](?:\s|$)")
_MAGIC = re.compile(r"(?i)(?<![a-z0-9])(www|ftp)\.")


def md(value: Any) -> Markup:
    """Escape one value for Markdown and HTML alike (the page environment's finalize)."""
    if isinstance(value, Markup):
        return value
    text = _BIDI.sub(lambda m: f"U+{ord(m.group()):04X}", str(value))
    text = re.sub(r"\s+", " ", text)
    text = _MAGIC.sub(lambda m: m.group(1) + "\0", text)
    out = []
    lead = len(text) - len(text.lstrip())
    ordered = _ORDERED.match(text)  # "1. x" starts an ordered list: its dot or parenthesis is replaced
    marker = ordered.end(1) if ordered else -1
    for i, ch in enumerate(text):
        if ch == "\0":
            out.append("&#46;")
        elif ch in _ALWAYS or (i == lead and ch in _LEADING) or i == marker:
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    return Markup("".join(out))


def visible(value: Any) -> Any:
    """Text with control, bidi and lone-surrogate characters shown as ``U+XXXX``; other values unchanged.

    For text that leaves the page environment (chart labels and titles): nothing
    else is altered, so a label reads the same in the chart as in the data.
    """
    if not isinstance(value, str):
        return value
    return _BIDI.sub(lambda m: f"U+{ord(m.group()):04X}", value)


def plain(value: Any) -> str:
    """One line of plain text: newlines folded, bidi controls made visible."""
    return _flatten(str(value))


def _flatten(text: str) -> str:
    text = _BIDI.sub(lambda m: f"U+{ord(m.group()):04X}", text)
    return " ".join(text.split())


def yaml_string(value: Any) -> Markup:
    """A front-matter value: HTML-escaped (Material prints titles raw), then JSON-quoted for YAML."""
    escaped = plain(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Markup(json.dumps(escaped, ensure_ascii=True))


def json_script(data: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` body: no ``<`` can close the element.

    The report templates pass the spec wrapped in a one-element list: Material's
    instant navigation re-inserts inline scripts without their ``type`` and runs
    them as JavaScript, where an array literal is harmless but an object literal
    is a syntax error.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False, allow_nan=False)
    for ch, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, code)
    return Markup(text)


def label(value: Any, limit: int = 80, names: dict[str, str] | None = None) -> str:
    """A row or column label as a reader sees it: numbers exactly (never rounded), long text cut with an ellipsis.

    ``names`` (from :func:`distinct_cuts`) gives the cut of labels that would print
    alike at ``limit``, lengthened until they differ.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not (isinstance(value, float)
                                                                                and math.isnan(value)):
        return exact(value)
    if names and isinstance(value, str) and value in names:
        return quoted(names[value])
    text = plain(value)
    return quoted(text if len(text) <= limit else text[: limit - 1] + "…")


#: What joins the parts of a list or a range in a sentence; a label holding one is quoted.
SEPARATORS = (", ", " and ", "; ", "–", " to ", " by ")


def quoted(text: str) -> str:
    """A label that holds a list or range separator, in curly quotes: 'a, b and c' would read two ways."""
    return f"“{text}”" if any(sep in text for sep in SEPARATORS) else text


def distinct_cuts(labels: Iterable[Any], limit: int) -> dict[str, str]:
    """For long text labels whose cut at ``limit`` would not name them alone, a longer cut that does.

    A label cut to ``stem…`` stands for the one label that starts with ``stem`` (see
    docs/reading-a-report.md), so the stem must be longer than what the label shares
    with any other label of the axis; when that is the whole label, it prints whole.
    Only labels whose cut differs from the plain one are returned (most pages: none).
    """
    texts = sorted({plain(x) for x in labels if isinstance(x, str)})
    shared = {t: 0 for t in texts}
    for x, y in zip(texts, texts[1:]):  # the longest common prefix is with a sorted neighbour
        n = len(os.path.commonprefix([x, y]))
        shared[x], shared[y] = max(shared[x], n), max(shared[y], n)
    out: dict[str, str] = {}
    for x in dict.fromkeys(v for v in labels if isinstance(v, str)):
        whole = plain(x)
        if len(whole) <= limit:
            continue
        stem = max(limit - 1, shared[whole] + 1)
        cut = whole if stem >= len(whole) else whole[:stem] + "…"
        if cut != label(x, limit):
            out[x] = cut
    return out


MINUS = "−"


def exact(value: Any) -> str:
    """The shortest text that is exactly this number: a float's shortest round-trip digits, '−' for minus.

    For values a reader must be able to look up or recompute (labels, extremes, cut
    points): ``1000.25`` stays ``1000.25``; ``2.0`` is ``2``; ``-0.0`` is ``0``.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, str)):  # a str is a decimal already chosen to print (a stated cut point)
        text = str(value)
    else:
        value = float(value)
        if math.isinf(value):
            return "infinity" if value > 0 else "minus infinity"
        if value == 0:
            return "0"
        text = repr(value)
        if "e" not in text and text.endswith(".0"):
            text = text[:-2]
    return MINUS + text[1:] if text.startswith("-") else text


def number(value: Any, digits: int = 4) -> str:
    """A number short but honest: exact when ``digits`` significant digits hold it, else rounded and marked ``≈``."""
    if value is None:
        return "missing"
    if isinstance(value, (bool, int)):
        return exact(value)
    value = float(value)
    shown = exact(value)
    if math.isinf(value) or _significant(shown) <= digits or (value.is_integer() and abs(value) < 1e15):
        return shown
    rounded = Decimal(repr(value))
    rounded = rounded.quantize(Decimal(1).scaleb(rounded.adjusted() - digits + 1)).normalize()
    text = format(rounded, "f") if -12 < rounded.adjusted() < 15 else format(rounded, "e")
    return "≈" + (MINUS + text[1:] if text.startswith("-") else text)


def percent(share: Any, digits: int = 1) -> str:
    """A share as a percentage: exact when ``digits`` decimals hold it, else rounded and marked ``≈``
    (with more decimals where rounding would print 0% or 100% for a share that is neither)."""
    value = float(share) * 100
    shown = exact(value)
    places = -Decimal(shown.replace(MINUS, "-")).normalize().as_tuple().exponent
    if places <= digits:
        return f"{shown}%"
    for more in range(digits, 15):
        text = f"{value:.{more}f}"
        if float(text) not in (0.0, 100.0):
            return f"≈{text}%"
    return f"≈{value:.{digits}f}%"


def _significant(text: str) -> int:
    return len(Decimal(text.replace(MINUS, "-")).normalize().as_tuple().digits)


def listing(items: Iterable[Any], limit: int = 50, conj: str = "and") -> str:
    """'a, b and c'; past ``limit`` items, '… and N more' so a sentence stays readable."""
    items = [str(x) for x in items]
    if len(items) > limit:
        shown, rest = items[:limit], len(items) - limit
        return f"{', '.join(shown)} {conj} {rest} more"
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conj} {items[-1]}"


def span(first: Any, last: Any, limit: int = 80, names: dict[str, str] | None = None) -> str:
    """'16–20'; with a negative end, '−5 to −4' (a dash next to a minus sign misreads)."""
    a, b = label(first, limit, names), label(last, limit, names)
    if first == last:
        return a
    negative = any(isinstance(x, (int, float)) and x < 0 for x in (first, last))
    return f"{a} to {b}" if negative else f"{a}–{b}"


def upper_first(value: Any) -> Any:
    """'layer 0' -> 'Layer 0' for a heading; unlike ``capitalize`` the rest keeps its case."""
    text_value = str(value)
    result = text_value[:1].upper() + text_value[1:]
    return type(value)(result) if isinstance(value, Markup) else result


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def slugify(name: str) -> str:
    """A file-name-safe slug: lower-case letters, digits and single hyphens, never empty."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80].strip("-") or "dataset"
