"""Formatting and escaping for the render stage: how values look, and how they stay inert.

Labels, titles and metadata come from strangers' files. In a Markdown page every
such value is written with the characters that would become Markdown or HTML
*where they stand* replaced by character references, which Markdown passes
through untouched and the browser shows as the original characters: a label can
never open a tag, a link, a heading, a table cell or an emphasis, while ordinary
punctuation (``:``, ``(``, ``)``) stays readable in the page source.
Bidirectional control characters are shown as visible code points so they cannot
reorder the text around them. Long prose lines of a page are wrapped and its spec
pretty-printed, so the Markdown reads well and diffs well in git.
"""

from __future__ import annotations

import json
import os
import math
import re
from decimal import Decimal
from typing import Any, Callable, Iterable

from markupsafe import Markup

# Escaped wherever they appear: they open or close HTML, code, emphasis, links, tables,
# attribute lists and template code in Python-Markdown and the common pymdownx set
# (``~`` tilde and subscript, ``^`` caret and superscript, ``$`` arithmatex, ``@``
# magiclink's e-mail links); ``"`` too, so a value is safe in a double-quoted attribute.
# Single quotes are not: templates put values in double-quoted attributes only.
_ALWAYS = set("`*[]{}|<>\"~^$@")
# Escaped only when they start a value: list markers, ordered-list dots, a heading's
# ``#``, the ``///`` fence of pymdownx.blocks, ``!!!`` admonitions, ``:`` definitions,
# ``=`` setext underlines.
_LEADING = set("-+./!:=#")
# Bidirectional controls, and C0/C1 control characters (other than the whitespace the
# folding below removes): shown as visible code points, never passed on. A control
# character in SVG text is not even well-formed XML (vl-convert aborts the process).
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0e-\x1b\x7f-\x9f\ud800-\udfff]")
_ORDERED = re.compile(r"\s*\d{1,9}()[.)](?:\s|$)")
# Characters that only make markup next to certain neighbours; each alternative
# marks the one character to replace.
_CONTEXT = re.compile(
    r"(?i)(?<![a-z0-9])(?:www|ftp)(\.)"  # pymdownx.magiclink links bare www.host and ftp.host
    r"|:(?=\S)"  # emoji :name:, scheme://, mailto: (a colon before a space is prose)
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # emphasis; snake_case stays as it is
    r"|\\(?=[!-/:-@\[-`{-~])"  # a backslash escape would eat the character after it
    r"|&(?=[A-Za-z0-9#])"  # an entity or character reference
    r"|=(?==)|(?<==)=|\+(?=[+/])|(?<=\+)\+"  # ==mark==, ++keys++, +/- (smartsymbols)
    r"|\((?=(?:c|r|tm)\))"  # (c), (r), (tm) become symbols (smartsymbols)
    r"|-(?=->)"  # --> becomes an arrow (smartsymbols)
    r"|(?<!\S)#+(?=\s|$)"  # a heading's closing hashes
)
_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}


def md(value: Any) -> Markup:
    """Escape one value for Markdown and HTML alike (the page environment's finalize).

    Only characters that would become markup where they stand are replaced, by
    character references (Markdown passes those through, the browser shows the
    character), so ordinary prose punctuation such as ``:``, ``(`` and ``)`` stays
    as it is and the page source reads like the text.
    """
    if isinstance(value, Markup):
        return value
    text = _BIDI.sub(lambda m: f"U+{ord(m.group()):04X}", str(value))
    text = re.sub(r"\s+", " ", text)
    marks = set()
    for m in _CONTEXT.finditer(text):
        if m.lastindex:
            marks.add(m.start(1))
        else:
            marks.update(range(m.start(), m.end()))
    lead = len(text) - len(text.lstrip())
    ordered = _ORDERED.match(text)  # "1. x" starts an ordered list: its dot or parenthesis is replaced
    if ordered:
        marks.add(ordered.end(1))
    if lead < len(text) and text[lead] in _LEADING:
        marks.add(lead)
    return Markup("".join(_ENTITY.get(ch, f"&#{ord(ch)};") if ch in _ALWAYS or i in marks else ch
                          for i, ch in enumerate(text)))


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


#: How a label's whitespace prints when a single space between words would hide it (docs/reading-a-report.md).
SPACE_SIGNS = {" ": "␣", "\t": "⇥", "\n": "↵", "\r": "↵"}


def distinguishable(value: Any) -> str:
    """A label as a reader can tell it apart from another: a single space between words stays a space;
    leading, trailing or repeated spaces print as ␣, tabs as ⇥, line breaks as ↵, any other whitespace
    and every control character as U+XXXX. So "the" and "the " never print alike."""
    text = visible(str(value))

    def shown(m: re.Match) -> str:
        if m.group() == " " and 0 < m.start() and m.end() < len(text):
            return " "
        return "".join(SPACE_SIGNS.get(c, f"U+{ord(c):04X}") for c in m.group())

    return re.sub(r"\s+", shown, text)


def _flatten(text: str) -> str:
    text = _BIDI.sub(lambda m: f"U+{ord(m.group()):04X}", text)
    return " ".join(text.split())


def yaml_string(value: Any) -> Markup:
    """A front-matter value: HTML-escaped (Material prints titles raw), then JSON-quoted for YAML."""
    escaped = plain(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Markup(json.dumps(escaped, ensure_ascii=True))


def json_script(data: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` body: no ``<`` can close the element.

    Written pretty-printed (:func:`pretty_json`) so that a diff of a page follows
    the spec and no line of the page is very long. The report templates pass the
    spec wrapped in a one-element list: Material's instant navigation re-inserts
    inline scripts without their ``type`` and runs them as JavaScript, where an
    array literal is harmless but an object literal is a syntax error.
    """
    text = pretty_json(data)
    for ch, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, code)
    return Markup(text)


def pretty_json(data: Any, width: int = 100) -> str:
    """JSON with one key per line and short arrays of numbers or strings packed onto lines of ``width``.

    ``json.dumps(indent=...)`` would put every cell of a heatmap on a line of its
    own (tens of thousands of lines); compact JSON puts the whole spec on one.
    Never a blank line, so Markdown keeps the raw block whole.
    """
    out: list[str] = []
    # what json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False) does, with one
    # encoder for the whole spec instead of a new one for each of its ~80,000 values and arrays
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
    compact: dict[int, str] = {}
    _compact(data, dump, compact)
    _emit(data, 0, "", out, width, dump, compact)
    return "\n".join(out)


def _compact(value: Any, dump: Callable[[Any], str], memo: dict[int, str]) -> str:
    """``dump(value)``, built from its children's own compact text and kept for each container (by id).

    Whether a container fits on one line is asked at every depth; dumping each one whole
    would encode a heatmap's records once per level above them. Arrays of plain values
    are dumped in one call; objects with keys that are not all text are dumped whole
    (JSON's own key rules apply there).
    """
    if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
        text = "{" + ",".join(f"{dump(k)}:{_compact(v, dump, memo)}" for k, v in value.items()) + "}"
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        text = "[" + ",".join(_compact(item, dump, memo) for item in value) + "]"
    else:
        text = dump(value)
    if isinstance(value, (dict, list)):
        memo[id(value)] = text
    return text


def _emit(value: Any, depth: int, prefix: str, out: list[str], width: int, dump: Callable[[Any], str],
          compact: dict[int, str]) -> None:
    pad = " " * depth
    one = compact[id(value)] if isinstance(value, (dict, list)) else dump(value)
    if len(pad) + len(prefix) + len(one) <= width or not isinstance(value, (dict, list)) or not value:
        out.append(pad + prefix + one)
        return
    if isinstance(value, dict):
        out.append(pad + prefix + "{")
        for i, (key, item) in enumerate(value.items()):
            _emit(item, depth + 1, dump(str(key)) + ":", out, width, dump, compact)
            if i < len(value) - 1:
                out[-1] += ","
        out.append(pad + "}")
        return
    out.append(pad + prefix + "[")
    if any(isinstance(item, (dict, list)) for item in value):
        for i, item in enumerate(value):
            _emit(item, depth + 1, "", out, width, dump, compact)
            if i < len(value) - 1:
                out[-1] += ","
    else:
        inner, line = " " * (depth + 1), ""
        # numbers, booleans and nulls never write a comma: the array's own dump, split, is their dumps
        items = one[1:-1].split(",") if not any(isinstance(item, str) for item in value) else map(dump, value)
        for i, item in enumerate(items):
            piece = item + ("," if i < len(value) - 1 else "")
            if line and len(inner) + len(line) + len(piece) > width:
                out.append(inner + line)
                line = ""
            line += piece
        out.append(inner + line)
    out.append(pad + "]")


_ITEM = re.compile(r"(?:[-*+] |\d{1,9}[.)] )")


def readable_lines(page: str, width: int = 100) -> str:
    """Break the page's long prose lines (paragraphs, list items) so each stays readable in a diff.

    A line breaks only at a space outside any tag or code span and before a
    letter, so the next line cannot start a list, heading, quote, table or code
    block: the rendered page is the same, only the Markdown source is wrapped.
    A list item's continuation is indented under its text. Front matter, raw HTML,
    tables, headings, indented and fenced blocks are left as they are.
    """
    lines = page.split("\n")
    out: list[str] = []
    fence = False
    front = bool(lines) and lines[0] == "---"
    for n, line in enumerate(lines):
        if front:
            out.append(line)
            front = not (n > 0 and line == "---")
            continue
        if line.startswith(("```", "~~~")):
            fence = not fence
        if fence or len(line) <= width or line.startswith(("<", "#", " ", "\t", ">")) or "|" in line:
            out.append(line)
            continue
        item = _ITEM.match(line)
        out.extend(_wrap(line, width, " " * (item.end() if item else 0)))
    return "\n".join(out)


def _wrap(line: str, width: int, indent: str) -> list[str]:
    """Greedy wrapping at :func:`_break_points`; a break that would leave a stub shorter than half
    the width is skipped (the line then runs on to the next break), so no line is a lone word."""
    pieces: list[str] = []
    start, last = 0, None
    for i in _break_points(line):
        if i < len(indent):  # the space after a list marker
            continue
        room = width - (len(indent) if pieces else 0)
        if i - start > room and last is not None and last - start >= room // 2:
            pieces.append(line[start:last])
            start, last = last + 1, None
        if last is None or i - start <= room or last - start < room // 2:
            last = i
    room = width - (len(indent) if pieces else 0)
    if len(line) - start > room and last is not None and last - start >= room // 2:
        pieces.append(line[start:last])
        start = last + 1
    pieces.append(line[start:])
    return [pieces[0], *(indent + p for p in pieces[1:])]


def _break_points(line: str):
    tag = code = False
    for i, ch in enumerate(line):
        if ch == "`":
            code = not code
        elif ch == "<" and not code:
            tag = True
        elif ch == ">" and tag:
            tag = False
        elif (ch == " " and not tag and not code and 0 < i and line[i - 1] != " " and i + 1 < len(line)
              and line[i + 1].isalpha()):
            yield i


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
    text = distinguishable(value)
    return quoted(text if len(text) <= limit else text[: limit - 1] + "…")


#: What joins the parts of a list or a range in a sentence (and ': ', which ends a sentence's subject);
#: a label holding one is quoted.
SEPARATORS = (", ", " and ", "; ", ": ", "–", " to ", " by ")


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
    texts = sorted({distinguishable(x) for x in labels if isinstance(x, str)})
    shared = {t: 0 for t in texts}
    for x, y in zip(texts, texts[1:]):  # the longest common prefix is with a sorted neighbour
        n = len(os.path.commonprefix([x, y]))
        shared[x], shared[y] = max(shared[x], n), max(shared[y], n)
    out: dict[str, str] = {}
    for x in dict.fromkeys(v for v in labels if isinstance(v, str)):
        whole = distinguishable(x)
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
