"""Adversarial labels and values: every sentence of the rendered page, read as text, is true of the raw file.

The checker here is written for this test, separately from the verify stage: it
knows only the file the test wrote (each label's text, each cell's digits) and the
notation of docs/reading-a-report.md. It reads the Markdown page a reader gets
(unescaped), parses each sentence it knows, and confirms it against the file; a
sentence it cannot confirm fails the test. Builds run with verify.strict on, so
the verify stage must also accept every claim it printed.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings, strategies as st

from generator import report
from generator.errors import InputError

# --- the data ---------------------------------------------------------------------------

LABEL_KINDS = {
    "ints": st.lists(st.integers(-5, 40), min_size=2, max_size=9, unique=True).map(lambda xs: [str(x) for x in xs]),
    "whole_floats": st.lists(st.integers(0, 30), min_size=2, max_size=9, unique=True)
    .map(lambda xs: [f"{x}.0" for x in xs]),
    "half_steps": st.lists(st.integers(0, 30), min_size=2, max_size=9, unique=True)
    .map(lambda xs: [str(x / 2) for x in xs]),
    "large_offsets": st.lists(st.integers(0, 12), min_size=2, max_size=8, unique=True)
    .map(lambda xs: [str(1000 + x / 4) for x in xs]),
    "negatives": st.lists(st.integers(-9, 0), min_size=2, max_size=8, unique=True).map(lambda xs: [str(x) for x in xs]),
    "tokens": st.lists(st.sampled_from(["the", "The", "cat", "sat", "on", "mat", "[CLS]", "[SEP]", "."]),
                       min_size=2, max_size=8, unique=True),
    "punctuation": st.lists(st.sampled_from(["a, b", "a", "b", "x and y", "x", "c: d", "e–f", "(g)", "h; i", "1.", "#j"]),
                            min_size=2, max_size=6, unique=True),
    "whitespace": st.lists(st.sampled_from(["the", "the ", " the", "The", "a b", "a  b", "a\tb", "x"]), min_size=2,
                           max_size=6, unique=True),
    "long_prefix": st.lists(st.sampled_from(["p" * 90 + s for s in ("a", "b", "ca", "cb", "")]), min_size=2, max_size=4,
                            unique=True),
}


def _value_kind(kind: str):
    if kind == "ties":
        return st.sampled_from(["0.5", "0.25", "0.5", "1"])
    if kind == "negative_zero":
        return st.sampled_from(["-0.0", "0.0", "0.3", "-0.3"])
    if kind == "tiny":
        return st.integers(-50, 50).map(lambda x: f"{x}e-9")
    if kind == "huge":
        return st.integers(0, 90).map(lambda x: f"{x}e9")
    if kind == "few_integers":
        return st.sampled_from(["0", "1", "2"])
    if kind == "on_cut":
        return st.sampled_from(["0.1", "0.5", "0.9", "0.5"])
    return st.integers(0, 1000).map(lambda x: str(x / 1000))


VALUE_KINDS = ["ties", "negative_zero", "tiny", "huge", "few_integers", "on_cut", "plain"]


@st.composite
def tables(draw):
    columns = draw(LABEL_KINDS[draw(st.sampled_from(sorted(LABEL_KINDS)))])
    rows = draw(LABEL_KINDS[draw(st.sampled_from(sorted(LABEL_KINDS)))])
    value_kind = draw(st.sampled_from(VALUE_KINDS))
    cell = st.one_of(_value_kind(value_kind), _value_kind(value_kind), st.just(""))
    body = [draw(st.lists(cell, min_size=len(columns), max_size=len(columns))) for _ in rows]
    if len(rows) > 1 and draw(st.booleans()):
        body[1] = list(body[0])  # identical rows
    if draw(st.booleans()):
        body[0] = [body[0][0]] * len(columns)  # a constant row
    if len(rows) > 2 and draw(st.booleans()):
        body[-1] = [""] * len(columns)  # an empty row
    rule = draw(st.sampled_from([None, {"rule": "thresholds", "high": 0.5, "low": 0.5},
                                 {"rule": "thresholds", "high": 0.9, "low": 0.1},
                                 {"rule": "quantiles", "high": 0.75, "low": 0.25}]))
    return rows, columns, body, rule


def csv_of(rows, columns, body) -> bytes:
    def field(x: str) -> str:
        return '"' + x.replace('"', '""') + '"' if any(c in x for c in ',"\n') else x

    lines = [",".join(["label", *map(field, columns)])]
    lines += [",".join([field(r), *cells]) for r, cells in zip(rows, body)]
    return ("\n".join(lines) + "\n").encode()


# --- the checker: the raw file and the page, as text --------------------------------------


class Raw:
    """The file as the test wrote it: label texts and cell digits, by number where they are numbers."""

    def __init__(self, rows, columns, body):
        self.rows, self.columns = list(rows), list(columns)
        self.numeric_columns = all(_num(c) is not None for c in columns)
        if self.numeric_columns:
            order = sorted(range(len(columns)), key=lambda i: _num(columns[i]))
            self.columns = [columns[i] for i in order]
            body = [[line[i] for i in order] for line in body]
        self.cells = {(r, c): Decimal(v) for r, line in zip(self.rows, body) for c, v in zip(self.columns, line)
                      if v != ""}

    def named(self, printed: str, axis: list[str]) -> str:
        """The one label a printed name stands for (else the sentence is not true as read)."""
        printed = printed.strip()
        quoted = len(printed) > 2 and printed[0] == "“" and printed[-1] == "”"
        if quoted:  # a label holding a separator
            printed = printed[1:-1]
        hits = [x for x in axis if _shown(x) == printed and (quoted or not any(sep in x for sep in SEPARATORS))
                or (_num(printed) is not None and _num(x) == _num(printed))
                or (printed.endswith("…") and x.startswith(printed[:-1]) and x != printed[:-1])]
        assert len(hits) == 1, f"{printed!r} names {len(hits)} labels of {axis}"
        return hits[0]


#: What joins the parts of a sentence's lists (docs/reading-a-report.md): a label holding one prints quoted.
SEPARATORS = (", ", " and ", "; ", ": ", "–", " to ", " by ")


def _shown(label: str) -> str:
    """A label as docs/reading-a-report.md says it prints: a single space between words as a space, any
    other space as ␣, a tab as ⇥."""
    return re.sub(r"\s+", lambda m: " " if m.group() == " " and 0 < m.start() and m.end() < len(label)
                  else m.group().replace(" ", "␣").replace("\t", "⇥"), label)


def _num(text: str):
    try:
        return Decimal(text.replace("−", "-"))
    except Exception:
        return None


def _lists(text: str, item) -> set[tuple]:
    """Every reading of 'a', 'a and b' or 'a, b and c' (', ' between items, ' and ' before the last) as items."""
    def commas(rest: str) -> list[list]:
        found = []
        for m in [None, *re.finditer(", ", rest)]:
            head = rest if m is None else rest[: m.start()]
            first = item(head)
            if first is None:
                continue
            found += [[first]] if m is None else [[first, *tail] for tail in commas(rest[m.end():])]
        return found

    options = set()
    one = item(text)
    if one is not None:
        options.add((one,))
    for m in re.finditer(" and ", text):
        last = item(text[m.end():])
        if last is not None:
            options |= {tuple([*head, last]) for head in commas(text[: m.start()])}
    return options


def _names(text: str, raw: Raw, axis: list[str], noun_ok: bool = True) -> list[str]:
    """'a, b and c' against the labels: the only way of cutting it into labels of the axis."""
    def item(part: str):
        try:
            return raw.named(_strip_noun(part, axis) if noun_ok else part, axis)
        except AssertionError:
            return None

    options = _lists(text, item)
    assert len(options) == 1, f"{text!r} reads as {len(options)} lists"
    return list(options.pop())


def _strip_noun(text: str, axis: list[str]) -> str:
    m = re.fullmatch(r"[a-z]+ (.+)", text)
    if m and all(_num(x) is not None for x in axis):
        return m.group(1)
    return text


def _level_of(raw: Raw, rule_line: str):
    """The printed rule as a function of a cell's exact value."""
    m = re.search(r"every value is \S+, so every cell is (\w+)", rule_line)
    if m:
        return lambda v: m.group(1)
    m = re.search(r"cells at or above (\S+) are (\w+), cells (at or below|below) (\S+) are (\w+)"
                  r"(?:, the rest are (\w+)| and none are (\w+))", rule_line)
    assert m, rule_line
    high, low = Fraction(_num(m.group(1))), Fraction(_num(m.group(4)))
    inclusive = m.group(3) == "at or below"

    def level(v: Decimal) -> str:
        v = Fraction(v)
        if v >= high:
            assert not (v <= low if inclusive else v < low), f"{v} is in two levels as printed"
            return m.group(2)
        if v <= low if inclusive else v < low:
            return m.group(5)
        return m.group(6) or m.group(7)

    return level


def check_page(markdown: str, raw: Raw) -> int:
    """Confirm every sentence this checker reads; returns how many it read."""
    lines = []  # a wrapped line (its continuation starts with a letter) read back as the one line it is
    for x in markdown.splitlines():
        if lines and lines[-1].strip() and x.lstrip(" ")[:1].isalpha() and lines[-1][:1] not in "#|<`-"[:4]:
            lines[-1] += " " + html.unescape(x.lstrip(" "))
        else:
            lines.append(html.unescape(x))
    rule = next(x for x in lines if x.startswith("- **Level rule**"))
    level = _level_of(raw, rule)
    levels = {k: level(v) for k, v in raw.cells.items()}
    read = 1
    counts = next(x for x in lines if x.startswith("- **Levels**"))
    for name, n in re.findall(r"(\w+) \((no|\d+) cells?\)", counts):
        assert sum(1 for v in levels.values() if v == name) == (0 if n == "no" else int(n)), counts
    read += 1
    overview = next(x for x in lines if " matrix of " in x)
    m = re.search(r"holds a (\d+) × (\d+) matrix.*?(\d+) of (\d+) cells? with a value", overview)
    assert m and [int(g) for g in m.groups()] == [len(raw.rows), len(raw.columns), len(raw.cells),
                                                  len(raw.rows) * len(raw.columns)], overview
    read += 1
    start = lines.index("## Key Observations")
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        m = re.match(r"\d+\. (.*)$", line)
        if m:
            check_sentence(m.group(1), raw, levels)
            read += 1
    return read


def check_sentence(text: str, raw: Raw, levels: dict) -> None:
    m = re.fullmatch(r"(.+) are identical: they hold the same (?:value|level) at (?:every one of their (\d+) \w+|"
                     r"their one \w+)\.", text)
    if m:
        rows = _names(m.group(1), raw, raw.rows)
        first = [raw.cells.get((rows[0], c)) for c in raw.columns]
        assert all([raw.cells.get((r, c)) for c in raw.columns] == first for r in rows), text
        filled = sum(v is not None for v in first)
        assert filled == int(m.group(2) or 1) and filled > 0, text
        return
    m = re.fullmatch(r"(.+) (?:has|have) no value at all\.", text)
    if m:
        assert all((r, c) not in raw.cells for r in _names(m.group(1), raw, raw.rows) for c in raw.columns), text
        return
    m = re.fullmatch(r"(\d+) of (\d+) cells (?:has|have) no value: (.+)\.", text)
    if m:
        empty = [(r, c) for r in raw.rows for c in raw.columns if (r, c) not in raw.cells]
        assert int(m.group(1)) == len(empty) and int(m.group(2)) == len(raw.rows) * len(raw.columns), text
        return
    m = re.fullmatch(r"The (largest|smallest) value, (\S+), is at (.+)\.", text) or \
        re.fullmatch(r"The strongest (positive|negative) effect is (\S+), at (.+)\.", text)
    if m:
        values = list(raw.cells.values())
        if m.group(1) in ("largest", "smallest"):
            assert min(values) >= 0, f"'{m.group(1)} value' in data with negative values: {text}"
        target = max(values) if m.group(1) in ("largest", "positive") else min(values)
        assert _num(m.group(2)) == target, text
        ties = sum(1 for v in values if v == target)
        k = re.match(r"(\d+) cells: ", m.group(3))
        assert (int(k.group(1)) if k else 1) == ties, text
        return
    m = re.fullmatch(r"(.+) are close in value but not identical: at their (\d+) shared \w+ they differ by at most "
                     r"(\S+) \(at most (\S+) counts as close\)\.", text)
    if m:
        a, b = _names(m.group(1), raw, raw.rows)
        shared = [c for c in raw.columns if (a, c) in raw.cells and (b, c) in raw.cells]
        gap = max(abs(raw.cells[(a, c)] - raw.cells[(b, c)]) for c in shared)
        shown = m.group(3)
        assert len(shared) == int(m.group(2)) and 0 < gap <= _num(m.group(4)), text
        assert gap == _num(shown) or (shown.startswith("≈") and abs(gap - _num(shown[1:])) <= Decimal(5).scaleb(
            _num(shown[1:]).as_tuple().exponent - 1)), text
        return
    m = re.fullmatch(r"In (every \w+|.+?), every (odd|even)-numbered \w+ is (\w+) \((\d+) \w+\)(, and no (?:odd|even)-numbered \w+ is)?\.",
                     text)
    if m:
        assert all(_num(c) is not None and _num(c) == _num(c).to_integral_value() for c in raw.columns), \
            f"parity of labels that are not whole numbers: {text}"
        rows = raw.rows if m.group(1).startswith("every ") else _names(m.group(1), raw, raw.rows)
        parity = 1 if m.group(2) == "odd" else 0
        on = [c for c in raw.columns if int(_num(c)) % 2 == parity]
        assert len(on) == int(m.group(4)), text
        assert all(levels.get((r, c)) == m.group(3) for r in rows for c in on), text
        if m.group(5):
            assert not any(levels.get((r, c)) == m.group(3) for r in rows for c in raw.columns if c not in on), text
        return
    m = re.fullmatch(r"In (every \w+|.+?), every (\d+)\w\w \w+ counting from the (\d+)\w\w is (\w+) \((\d+) \w+\)"
                     r"(, and no other \w+ is \w+)?\.", text)
    if m:
        rows = raw.rows if m.group(1).startswith("every ") else _names(m.group(1), raw, raw.rows)
        period, start = int(m.group(2)), int(m.group(3)) - 1
        on = [c for i, c in enumerate(raw.columns) if i >= start and (i - start) % period == 0]
        assert len(on) == int(m.group(5)) and all(levels.get((r, c)) == m.group(4) for r in rows for c in on), text
        if m.group(6):
            assert not any(levels.get((r, c)) == m.group(4) for r in rows for c in raw.columns if c not in on), text
        return
    m = re.fullmatch(r"(.+?): (\w+) at (\d+) \w+: (.+?)(?: \(each range (?:in steps of (\S+)|takes every (\d+)\w\w \w+)\))?, "
                     r"peaking at (\S+) at \w+ (.+?); these cells hold (\S+)% of the total \|value\|\.", text)
    if m:  # a row's profile: where it holds a strong level, its peak and share
        try:
            [row] = _names(m.group(1), raw, raw.rows)
        except AssertionError:
            return  # a column's profile ('Column 3: …'), its rows read by value: the verify stage checks it
        actual = [c for c in raw.columns if levels.get((row, c)) == m.group(2)]
        assert len(actual) == int(m.group(3)), text
        named = _ranges(m.group(4), m.group(5) or m.group(6), raw)
        assert named is None or named == actual, f"{text}: ranges give {named}, the file {actual}"
        peak = raw.named(m.group(8), raw.columns)
        assert peak in actual and abs(raw.cells[(row, peak)]) == max(abs(raw.cells[(row, c)]) for c in actual), text
        assert _shows(m.group(7), raw.cells[(row, peak)]), text
        total = sum(abs(v) for v in raw.cells.values())
        assert _shows(m.group(9), 100 * sum(abs(raw.cells[(row, c)]) for c in actual) / total), text
        return
    m = re.fullmatch(r"Every value is (≤|≥) 0: the values run from (\S+) to (\S+)\.", text)
    if m:  # the sign of every value
        values = list(raw.cells.values())
        assert all(v <= 0 for v in values) if m.group(1) == "≤" else all(v >= 0 for v in values), text
        assert _shows(m.group(2), min(values)) and _shows(m.group(3), max(values)), text
        return
    for cut in re.finditer(": ", text):  # level runs: 'ROWS: LEVEL at N nouns: RANGES.'
        rest = re.fullmatch(r"(\w+) at (\d+) \w+: (.+?)(?: \(each range (?:in steps of (\S+)|takes every (\d+)\w\w \w+)\))?\.",
                            text[cut.end():])
        if not rest:
            continue
        try:
            rows = _names(text[: cut.start()], raw, raw.rows)
        except AssertionError:
            continue
        named = _ranges(rest.group(3), rest.group(4) or rest.group(5), raw)
        for r in rows:
            actual = [c for c in raw.columns if levels.get((r, c)) == rest.group(1)]
            assert len(actual) == int(rest.group(2)), text
            if named is not None:
                assert named == actual, f"{text}: ranges give {named}, the file {actual}"
        return
    # other kinds (axis gaps, periods by number, categorical similarity) are checked by the verify stage
    # and the unit tests; this checker only has to find nothing false in what it reads
    assert not re.search(r"\b(a (?=[aeiou])\w+ head|querys|head head)\b", text), text


def _shows(printed: str, value: Decimal) -> bool:
    """A printed number is the value, or, marked '≈', the value rounded at its last digit."""
    marked = printed.startswith("≈")
    shown = _num(printed.lstrip("≈"))
    if shown is None:
        return False
    if not marked:
        return abs(shown - value) <= abs(value) * Decimal("1e-12")  # exact, up to float noise in a share
    return abs(shown - value) <= Decimal(5).scaleb(shown.as_tuple().exponent - 1)


def _ranges(text: str, step: str | None, raw: Raw):
    """The columns a ranges phrase names (docs/reading-a-report.md), or None for a list cut short."""
    if re.search(r" and \d+ more$", text):
        return None
    out = []
    for part in _split(text, raw, step):
        out += part
    return sorted(out, key=raw.columns.index)


def _split(text: str, raw: Raw, step: str | None = None) -> list[list[str]]:
    options = _lists(text, lambda part: (None if (r := _range(part, raw, step)) is None else tuple(r)))
    assert len(options) == 1, f"{text!r} reads as {len(options)} sets of ranges"
    return [list(x) for x in options.pop()]


def _range(part: str, raw: Raw, common: str | None = None):
    by = None
    m = re.fullmatch(r"(.+) by (\S+)", part)
    if m:
        part, by = m.group(1), m.group(2)
    readings = []
    try:
        readings.append([raw.named(part, raw.columns)])
    except AssertionError:
        pass
    for dash in re.finditer("–| to ", part):
        try:
            a, b = raw.named(part[: dash.start()], raw.columns), raw.named(part[dash.end():], raw.columns)
        except AssertionError:
            continue
        i, j = raw.columns.index(a), raw.columns.index(b)
        if j <= i:
            continue  # a range runs forwards
        if raw.numeric_columns:
            step = _num(by) if by else (_num(common) if common else None)
            readings.append([c for c in raw.columns if _num(a) <= _num(c) <= _num(b)
                             and (step is None or (_num(c) - _num(a)) % step == 0)])
        else:
            readings.append(raw.columns[i: j + 1: int(by or common or 1)])
    if len(readings) != 1:
        return None
    return readings[0]


# --- the property -----------------------------------------------------------------------

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(tables())
def test_every_sentence_on_the_page_is_true_of_the_raw_file(tmp_path_factory, data):
    rows, columns, body, rule = data
    folder = tmp_path_factory.mktemp("adv")
    path = folder / "adversarial.csv"
    path.write_bytes(csv_of(rows, columns, body))
    if all(v == "" for line in body for v in line):
        return
    overrides = {"chart": {"static_image": False}}
    if rule:
        overrides["levels"] = rule
    try:
        page = report(path, settings=overrides)
    except InputError as exc:
        # refusing the file is allowed only for the documented reasons, never for a false claim
        assert "verify" not in str(exc) and re.search(r"repeats|duplicate|text .* in a column of numbers", str(exc)), exc
        return
    assert check_page(page.markdown, Raw(rows, columns, body)) >= 3  # the rule, the counts, the overview at least
    assert page.findings["rejected"] == 0
