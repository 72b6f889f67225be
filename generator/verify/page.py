"""Verify one table report: its printed claims against the file, read again from its bytes.

The entry point of the stage for tables. The build calls :func:`verify_table` on
every report it makes, before writing anything; ``attention-report verify`` calls
it on a published report folder. Both read the same things a reader has: the data
file, the findings (each observation's sentence, as printed, with its fields) and,
when given, the page's Markdown (the level rule as printed, the Overview's counts,
and the Key Observations, which must be the findings' sentences).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np

from .levels import MISSING, Rule, category_codes, codes, exact_rule, in_both, printed_rule
from .reading import Axis, Untrue, fold, unwrap
from .source import RawTable, read_raw
from .table import Claim, Evidence, all_checks


@dataclass(frozen=True)
class Verdict:
    """One claim's result: ``where`` it is printed, its kind and sentence, and why it fails (``reason``)."""

    where: str
    kind: str
    text: str
    ok: bool
    reason: str = ""
    observation: int | None = None  # 0-based index into the findings' observations
    skipped: bool = False  # not checked here (``reason`` says why); not a failure

    def line(self) -> str:
        mark = "skip" if self.skipped else "ok  " if self.ok else "FAIL"
        why = f" -- {self.reason}" if not self.ok or self.skipped else ""
        return f"{mark} {self.where}: {self.text}{why}"


def verify_table(raw: bytes, suffix: str, findings: dict, markdown: str | None = None) -> list[Verdict]:
    """Every claim of one table report, checked; the first verdict is the data file's hash."""
    verdicts: list[Verdict] = []
    data = _verdict("data", "sha256", f"SHA-256 {findings['dataset']['sha256']}",
                    lambda: _same_hash(raw, findings))
    verdicts.append(data)
    names = tuple(findings["settings"]["input"][k] for k in ("row_column", "column_column", "value_column"))
    try:
        table = read_raw(raw, suffix, names)
    except (Untrue, ValueError, KeyError, IndexError) as exc:
        return verdicts + [Verdict("data", "read", "the data file", False, f"cannot be read again: {exc}")]
    page = _Page(markdown) if markdown is not None else None
    rule_verdict, ev = _evidence(table, findings, page)
    verdicts.append(rule_verdict)
    if page is not None:
        verdicts.append(_verdict("overview", "overview", page.overview or "", lambda: _overview(page, table)))
        verdicts.append(_verdict("levels", "level_counts", page.counts or "", lambda: _counts(page.counts, ev)))
    checks = all_checks()
    for i, o in enumerate(findings["observations"]):
        claim = Claim(f"observation {o.get('rank', i + 1)}", o["kind"], o["text"], o)
        verdicts.append(_verdict(claim.where, claim.kind, claim.text,
                                 lambda: _observation(claim, ev, page, i, checks), observation=i))
    return verdicts


def _verdict(where, kind, text, check, observation=None) -> Verdict:
    try:
        check()
    except Untrue as exc:
        return Verdict(where, kind, text, False, str(exc), observation)
    except NotChecked as exc:
        return Verdict(where, kind, text, True, str(exc), observation, skipped=True)
    except (ArithmeticError, LookupError, TypeError, ValueError) as exc:  # a sentence the checker cannot read
        return Verdict(where, kind, text, False, f"cannot be read back ({type(exc).__name__}: {exc})", observation)
    return Verdict(where, kind, text, True, "", observation)


def _same_hash(raw: bytes, findings: dict) -> None:
    import hashlib

    if hashlib.sha256(raw).hexdigest() != findings["dataset"]["sha256"]:
        raise Untrue("the data file's SHA-256 differs from the one the findings record")


def _observation(claim: Claim, ev: Evidence | None, page, i: int, checks: dict) -> None:
    if page is not None and page.observations is not None:
        number = int(claim.fields.get("rank", i + 1))
        if page.observations.get(number) != claim.text:
            raise Untrue(f"the page does not print this sentence as observation {number}")
    if ev is None:
        raise Untrue("the level rule failed, so no level can be trusted")
    check = checks.get(claim.kind)
    if check is None:
        raise NotChecked(f"no independent check exists yet for observations of kind {claim.kind!r}; "
                          "the analysis stage's own check gated it")
    check(claim, ev)


class NotChecked(Exception):
    """A kind verify has no reader for yet: reported as skipped, never as verified or false."""


class _Page:
    """The parts of a report page that verify reads, unescaped to the text a reader sees."""

    def __init__(self, markdown: str):
        lines = [html.unescape(x) for x in unwrap(markdown)]
        self.overview = next((x for x in lines if " holds a " in x and " matrix of " in x), None)
        self.rule = _item(lines, "Level rule")
        self.counts = _item(lines, "Levels")
        self.observations = _numbered(lines, ("## Key Observations", "## Detailed Analysis"))


def _item(lines: list[str], name: str) -> str | None:
    for line in lines:
        m = re.match(rf"- \*\*{name}\*\*(?: \(([^)]*)\))?: (.*)$", line)
        if m:
            return m.group(2)
    return None


def _numbered(lines: list[str], headings: tuple[str, ...]) -> dict[int, str] | None:
    """The numbered lines ('3. text') of the named sections, by number; None if no such section."""
    if not any(h in lines for h in headings):
        return None
    out: dict[int, str] = {}
    inside = False
    for line in lines:
        if line.startswith("## "):
            inside = line in headings
            continue
        m = re.match(r"(\d+)\. (.*)$", line) if inside else None
        if m:
            out.setdefault(int(m.group(1)), m.group(2))
    return out


def _evidence(table: RawTable, findings: dict, page: _Page | None) -> tuple[Verdict, Evidence | None]:
    """The axes in report order and every cell's level under the printed rule (checked against the exact one)."""
    row_order = np.arange(len(table.rows))
    if table.columns.numeric:
        column_order = np.array(sorted(range(len(table.columns)), key=lambda i: table.columns.numbers[i]), dtype=int)
    else:
        column_order = np.arange(len(table.columns))
    rows = Axis([table.rows.texts[i] for i in row_order])
    columns = Axis([table.columns.texts[i] for i in column_order])
    levels = findings["levels"]
    text = page.rule if page is not None and page.rule is not None else None
    try:
        if levels["rule"] == "categories":
            names = tuple(levels["names"])
            grid = category_codes(table, names)
            where = "the levels are the categories given in the data"
        else:
            exact = exact_rule(table, levels, findings["settings"]["levels"])
            grid = codes(table, exact)
            names = exact.names
            where = text or "(rule from the settings)"
            if text is not None:
                shown, printed_names = printed_rule(_rule_sentence(text))
                if printed_names != names and len(printed_names) == 3:
                    raise Untrue(f"the levels are {', '.join(names)}")
                by_page = codes(table, shown)
                _both_cuts(table, shown)
                differ = np.argwhere(by_page != grid)
                if len(differ):
                    r, c = differ[0]
                    raise Untrue(f"the printed rule puts the cell ({table.rows.texts[r]!r}, {table.columns.texts[c]!r}) "
                                 f"= {table.digits(r, c)} in {shown.names[by_page[r, c]]}, the rule itself in "
                                 f"{names[grid[r, c]]}")
    except Untrue as exc:
        return Verdict("level rule", "level_rule", text or "", False, str(exc)), None
    grid = _in_order(grid, row_order, column_order)
    values = None if table.values is None else _in_order(table.values, row_order, column_order)
    present = _in_order(table.present, row_order, column_order)
    max_listed = int(findings["settings"]["analysis"]["max_listed_cells"])
    ev = Evidence(table, rows, columns, row_order, column_order, names, grid, values, present, max_listed,
                  dict(findings["settings"]["analysis"]))
    return Verdict("level rule", "level_rule", where, True), ev


def _in_order(cells: np.ndarray, row_order: np.ndarray, column_order: np.ndarray) -> np.ndarray:
    """``cells`` in report order: the array itself where that is the file's order (checkers only read it),
    instead of a copy (32 MB for a 2,000 × 2,000 table of numbers)."""
    if np.array_equal(row_order, np.arange(cells.shape[0])) and np.array_equal(column_order, np.arange(cells.shape[1])):
        return cells
    return cells[np.ix_(row_order, column_order)]


def _rule_sentence(text: str) -> str:
    """'cells at or above 0.5 are High, …, the rest are Neutral. Values run from …' -> the rule alone."""
    return text.split(". Values run from ")[0].rstrip(".")


def _both_cuts(table: RawTable, rule: Rule) -> None:
    """No cell may satisfy both printed conditions (equal cuts must say which level a cell on them is)."""
    both = np.argwhere(in_both(table, rule))
    if len(both):
        r, c = both[0]
        raise Untrue(f"the cell ({table.rows.texts[r]!r}, {table.columns.texts[c]!r}) is in two levels as printed")


def _overview(page: _Page, table: RawTable) -> None:
    m = re.search(r"holds a (\d+) × (\d+) matrix of .*?: (\d+) \w+ by (\d+) \w+, (\d+) of (\d+) cells? with a value",
                  page.overview or "")
    if not m:
        raise Untrue("cannot read the Overview's counts")
    rows, cols = len(table.rows), len(table.columns)
    want = (rows, cols, rows, cols, int(table.present.sum()), table.present.size)
    got = tuple(int(x) for x in m.groups())
    if got != want:
        raise Untrue(f"the file holds {rows} × {cols} cells, {want[4]} with a value")


def _counts(text: str | None, ev: Evidence | None) -> None:
    if text is None or ev is None:
        raise Untrue("no level counts printed" if text is None else "the level rule failed")
    parts = [p + ")" if not p.endswith(")") else p for p in text.rstrip(".").split("), ")]
    seen = {}
    for part in parts:
        m = re.fullmatch(r"(.+?) \((?:#[0-9a-fA-F]{3,8}, )?(\d+|no) cells?\)", part)
        if not m:
            raise Untrue(f"cannot read {part!r}")
        seen[m.group(1)] = 0 if m.group(2) == "no" else int(m.group(2))
    seen = {fold(name): n for name, n in seen.items()}
    for i, name in enumerate(ev.names):
        n = int(np.sum(ev.codes == i))
        if seen.get(fold(name), 0) != n:
            raise Untrue(f"{name} holds {n} cells")
    missing = int(np.sum(ev.codes == MISSING))
    if "no value" in seen and seen["no value"] != missing:
        raise Untrue(f"{missing} cells have no value")
