"""How a reader reads a printed label, number, list or range: the notation of ``docs/reading-a-report.md``.

This is the verify stage's model of the reader, written from the documentation and
not from the code that prints. A printed label names every label of the axis that
a reader could take it for: the same text once whitespace is folded (a reader cannot
see a doubled space), the same number whatever its digits (``1``, ``1.0``), or, for a
label cut with ``…``, every longer label that starts like it. When a printed label
could be two labels of the file, the claim that prints it is ambiguous and fails.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Callable

_NUMBER = re.compile(r"[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
# Characters the page shows as visible code points instead of passing on.
_CONTROL = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0e-\x1b\x7f-\x9f\ud800-\udfff]")
ELLIPSIS = "…"
#: A regex piece for one part of a sentence up to the next ': ' or '; ': a label quoted “…” (because it holds
#: a separator) is read whole, so a separator inside the quotes never ends the part.
PART = r"(?:“[^”]*”|(?!: |; )[^“])+?"


def split(text: str, separator: str) -> list[str]:
    """``text`` cut at each ``separator`` that is not inside a quoted label “…”."""
    parts, start, depth = [], 0, 0
    i = 0
    while i < len(text):
        if text[i] == "“":
            depth += 1
        elif text[i] == "”" and depth:
            depth -= 1
        elif not depth and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i = i + len(separator)
            continue
        i += 1
    return [*parts, text[start:]]


class Untrue(Exception):
    """A claim is false or misleading as printed; the message says why, in a reader's terms."""


_SIGNS = {" ": "␣", "\t": "⇥", "\n": "↵", "\r": "↵"}


def fold(text: str) -> str:
    """A label as a reader sees it printed (docs/reading-a-report.md): control characters as ``U+XXXX``; a
    single space between words as itself; any other whitespace made visible (␣ ⇥ ↵, else ``U+XXXX``).
    A printed label folds to itself, so a raw label and its printed form compare after folding both."""
    text = _CONTROL.sub(lambda m: f"U+{ord(m.group()):04X}", str(text))

    def shown(m: re.Match) -> str:
        if m.group() == " " and 0 < m.start() and m.end() < len(text):
            return " "
        return "".join(_SIGNS.get(c, f"U+{ord(c):04X}") for c in m.group())

    return re.sub(r"\s+", shown, text)


def number(text: str) -> Decimal | None:
    """The exact number a printed numeral stands for (``−`` read as minus), or None if it is not one."""
    text = str(text).strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.replace("−", "-").replace("+", ""))
    except InvalidOperation:
        return None


def approx(printed: str) -> tuple[Decimal, bool] | None:
    """A printed number and whether it is marked approximate (``≈0.25``)."""
    text = printed.strip()
    marked = text.startswith("≈")
    value = number(text.lstrip("≈").strip())
    return None if value is None else (value, marked)


def printed_value(printed: str) -> tuple[float, float]:
    """A printed number, and how far the value it stands for may lie from it: half a unit of its last
    digit when marked ``≈``, else nothing (the checkers add their own float noise)."""
    read = approx(printed)
    if read is None:
        raise Untrue(f"{printed!r} is not a number")
    shown, marked = read
    exponent = shown.as_tuple().exponent
    slack = float(Decimal(5).scaleb(exponent - 1)) if marked and isinstance(exponent, int) else 0.0
    return float(shown), slack


def stands_for(printed: str, value: Decimal) -> bool:
    """Does a printed number stand for ``value``: equal, or, marked ``≈``, equal to it rounded at its last digit."""
    read = approx(printed)
    if read is None:
        return False
    shown, marked = read
    if shown == value:
        return True
    if not marked:
        return False
    exponent = shown.as_tuple().exponent
    return abs(value - shown) <= Decimal(5).scaleb(exponent - 1)


@dataclass
class Axis:
    """One axis of the file, in the report's order: each label's raw text, and a reader's index of them."""

    texts: list[str]
    numbers: list[Decimal | None] = field(init=False)
    _by_text: dict[str, list[int]] = field(init=False, repr=False)
    _by_number: dict[Decimal, list[int]] = field(init=False, repr=False)

    def __post_init__(self):
        self.numbers = [number(t) for t in self.texts]
        self._by_text, self._by_number = {}, {}
        for i, (t, n) in enumerate(zip(self.texts, self.numbers)):
            self._by_text.setdefault(fold(t), []).append(i)
            if n is not None:
                self._by_number.setdefault(n.normalize(), []).append(i)

    def __len__(self) -> int:
        return len(self.texts)

    @functools.cached_property
    def numeric(self) -> bool:
        """Asked once per range a sentence prints (hundreds in a long profile): counted once."""
        return all(n is not None for n in self.numbers)

    def between(self, low: Decimal, high: Decimal) -> list[int]:
        """The labels numbered from ``low`` to ``high`` (both included), in file order: two bisections
        of the numbers sorted once, instead of comparing every label for every range a sentence prints."""
        keys, places = self._by_value
        return sorted(places[bisect.bisect_left(keys, low):bisect.bisect_right(keys, high)])

    @functools.cached_property
    def _by_value(self) -> tuple[list[Decimal], list[int]]:
        ordered = sorted((n, i) for i, n in enumerate(self.numbers) if n is not None)
        return [n for n, _ in ordered], [i for _, i in ordered]

    @functools.cached_property
    def whole(self) -> bool:
        """Every label a whole number (``3`` or ``3.0``): odd and even apply."""
        return self.numeric and all(n == n.to_integral_value() for n in self.numbers)

    def candidates(self, printed: str) -> list[int]:
        printed = fold(printed)
        if len(printed) > 2 and printed[0] == "“" and printed[-1] == "”":
            return sorted(set(self._candidates(printed)) | set(self._candidates(printed[1:-1])))
        return self._candidates(printed)

    def _candidates(self, printed: str) -> list[int]:
        found = set(self._by_text.get(printed, ()))
        value = number(printed)
        if value is not None:
            found.update(self._by_number.get(value.normalize(), ()))
        if printed.endswith(ELLIPSIS) and len(printed) > 1:
            stem = printed[:-1]
            found.update(i for i, t in enumerate(self.texts) if fold(t).startswith(stem) and fold(t) != stem)
        return sorted(found)

    def identify(self, printed: str, what: str = "label") -> int:
        """The one label ``printed`` names, or :class:`Untrue` (names none, or could be two)."""
        found = self.candidates(printed)
        if not found:
            raise Untrue(f"{what} {printed!r} is not a label of the file")
        if len(found) > 1:
            shown = ", ".join(repr(self.texts[i]) for i in found[:3])
            raise Untrue(f"{what} {printed!r} could be any of {len(found)} labels of the file ({shown})")
        return found[0]


_MORE = re.compile(r"(.*) and (\d+) more")


def listing(text: str, item: Callable[[str], object]) -> tuple[list, int]:
    """Read 'a, b and c' (or 'a, b and N more') with ``item`` reading each part: (items, how many more).

    Labels may themselves hold ', ' or ' and ', so every way of cutting the text is
    tried, and exactly one must read as items: two readings make the list ambiguous.
    """
    m = _MORE.fullmatch(text)
    quick = [r for r in ((_as_printed(text, item), 0), (_as_printed(m.group(1), item) if m else None,
                                                          int(m.group(2)) if m else 0)) if r[0] is not None]
    if len(quick) == 1:  # the one reading by the page's notation; no other cut needs trying
        return quick[0]
    readings = [(r, 0) for r in _lists(text, item)]
    if m:
        readings += [(r, int(m.group(2))) for r in _commas(m.group(1), item)]
    distinct = []
    for r in readings:
        if r not in distinct:
            distinct.append(r)
    if not distinct:
        raise Untrue(f"cannot read {text!r} as a list")
    if len(distinct) > 1:
        raise Untrue(f"the list {text!r} reads in more than one way")
    return distinct[0]


def _as_printed(text: str, item) -> list | None:
    """The list cut where the notation cuts it: at each ', ' and at the one ' and ' outside quoted labels
    (a label holding a separator prints quoted), or None when that does not read as items."""
    ends = split(text, " and ")
    if len(ends) > 2:
        return None
    items = [_try(item, part) for part in [*split(ends[0], ", "), *ends[1:]]]
    return None if any(x is _FAIL for x in items) else items


def _lists(text: str, item, limit: int = 2) -> list[list]:
    """Readings of 'a', or 'a, b and c' (the last part after ' and ')."""
    out = []
    one = _try(item, text)
    if one is not _FAIL:
        out.append([one])
    for m in re.finditer(" and ", text):
        last = _try(item, text[m.end():])
        if last is _FAIL:
            continue
        for head in _commas(text[:m.start()], item, limit):
            out.append(head + [last])
        if len(out) >= limit:
            break
    return out[:limit]


def _commas(text: str, item, limit: int = 2) -> list[list]:
    """Readings of 'a, b, c' (parts separated by ', '), at most ``limit``."""
    cuts = [m.start() for m in re.finditer(", ", text)]
    memo: dict[int, list[list]] = {}

    def rest(start: int) -> list[list]:
        if start in memo:
            return memo[start]
        out = []
        whole = _try(item, text[start:])
        if whole is not _FAIL:
            out.append([whole])
        for cut in cuts:
            if cut <= start or len(out) >= limit:
                continue
            first = _try(item, text[start:cut])
            if first is _FAIL:
                continue
            out.extend([first, *tail] for tail in rest(cut + 2))
        memo[start] = out[:limit]
        return memo[start]

    return rest(0)


_FAIL = object()


def _try(item: Callable[[str], object], part: str):
    if not part or part != part.strip():
        return _FAIL
    try:
        return item(part)
    except Untrue:
        return _FAIL


def unwrap(markdown: str) -> list[str]:
    """The page's lines as a reader sees them: a wrapped prose line joined back to the line it continues.

    Markdown reads a line break inside a paragraph or list item as a space, and the
    renderer wraps long lines only before a letter (render's ``readable_lines``), so a
    line whose first non-blank character is a letter, right after a non-blank line,
    continues it. Fenced blocks stay as they are.
    """
    out: list[str] = []
    fence = False
    for line in markdown.splitlines():
        if line.startswith(("```", "~~~")):
            fence = not fence
        rest = line.lstrip(" ")
        if not fence and out and out[-1].strip() and rest[:1].isalpha() and not out[-1].lstrip().startswith(("```", "~~~", "---", "#", "|", "<")):
            out[-1] = out[-1] + " " + rest
        else:
            out.append(line)
    return out
