"""Checks of the numeric kinds of ranked findings (region, profile, trend, sign structure, rare level,
concentration), each read from its printed sentence and recomputed from the re-read file.

Written apart from ``generator/analyse/numeric_kinds.py`` (which this module never imports): the
sentence is parsed back into cells and numbers through the reader model of
:mod:`generator.verify.reading`, then recomputed with whole-array numpy on ``ev.values`` /
``ev.codes``. A printed share or rho is rounded to the digits shown: it must stand for the
recomputed value within half a unit of its last digit.
"""

from __future__ import annotations

import re

import numpy as np

from .reading import PART, Untrue, listing, number, printed_value, split


def _shown(printed: str, value: float, what: str) -> None:
    """A printed number stands for ``value``: exactly (up to the float noise of summing in another order),
    or, marked ``≈``, within half a unit of its last digit."""
    shown, slack = printed_value(printed)
    if abs(float(value) - shown) > slack + abs(float(value)) * 1e-9:
        raise Untrue(f"the {what} is {value:.6g}, not {printed}")


def _mags(ev) -> np.ndarray:
    if ev.values is None:
        raise Untrue("a claim about values on a table of category labels")
    return ev.magnitudes


def _strong(ev, level: int) -> None:
    names = ev.names
    if level not in (0, len(names) - 1):
        raise Untrue(f"{names[level]} is not a strong level (the first or the last)")


def _axis_span(ev, text: str, rows: bool) -> tuple[int, int]:
    """'2:Tower*' / 'layer 3' (one label), 'layers 4–7' or 'tokens a to b' (first and last)."""
    axis, one = (ev.rows, ev.row) if rows else (ev.columns, ev.column)
    try:
        i = one(text)
        return i, i
    except Untrue:
        pass
    m = re.fullmatch(r"[a-z][a-z-]*s ((?:“[^”]*”|[^“])+?)(?:–| to )(.+)", text)  # no cut inside a quoted label
    if not m:
        raise Untrue(f"cannot read {text!r} as a span")
    return axis.identify(m.group(1)), axis.identify(m.group(2))


def check_region(claim, ev) -> None:
    m = re.fullmatch(r"A block of (\d+) (.+?) cells sits on (.+) at (.+), peaking at (\S+) \((.+)\); "
                     r"it holds (\S+)% of the total \|value\|\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a region")
    level = ev.level(m.group(2))
    _strong(ev, level)
    (r0, r1), (c0, c1) = _axis_span(ev, m.group(3), True), _axis_span(ev, m.group(4), False)
    [(pr, pc)], more = ev.cells(m.group(6))
    same = ev.codes == level
    if not same[pr, pc]:
        raise Untrue("the peak is not of that level")
    block = _block_around(same, pr, pc, (r0, r1, c0, c1))
    where = np.argwhere(block)
    if int(block.sum()) != int(m.group(1)):
        raise Untrue(f"the block of {ev.names[level]} around the peak has {int(block.sum())} cells")
    if (where[:, 0].min(), where[:, 0].max(), where[:, 1].min(), where[:, 1].max()) != (r0, r1, c0, c1):
        raise Untrue("the block does not span the rows and columns named")
    mags = _mags(ev)
    if mags[pr, pc] != mags[block].max():
        raise Untrue("the cell named is not the block's peak")
    if not _close_cell(ev, pr, pc, m.group(5)):
        raise Untrue(f"the peak is not {m.group(5)}")
    _shown(m.group(7), 100 * mags[block].sum() / ev.total_magnitude, "share")
    if share_level_is_background(ev, level):
        raise Untrue(f"{ev.names[level]} is held by most cells: the background, not a region")


def _block_around(same: np.ndarray, r: int, c: int, box: tuple[int, int, int, int]) -> np.ndarray:
    """The 4-connected block of ``same`` cells around (r, c), on the whole grid.

    Flooded first inside the claimed rows and columns (``box``) and a margin of one cell: the
    block can leave the box only through the margin, so a flood that never reaches the margin is
    the whole block, found on a few hundred cells instead of the whole grid once per ring. A
    block that does reach it is flooded on the whole grid, so the check names its true size.
    """
    r0, r1, c0, c1 = box
    if r0 <= r <= r1 and c0 <= c <= c1:
        top, left = max(r0 - 1, 0), max(c0 - 1, 0)
        window = _flood(same[top:r1 + 2, left:c1 + 2], r - top, c - left)
        if window.sum() == window[r0 - top:r1 - top + 1, c0 - left:c1 - left + 1].sum():
            block = np.zeros_like(same)
            block[top:r1 + 2, left:c1 + 2] = window
            return block
    return _flood(same, r, c)


def _flood(same: np.ndarray, r: int, c: int) -> np.ndarray:
    """Flood from (r, c) through ``same`` cells, one ring of 4-neighbours at a time."""
    block = np.zeros_like(same)
    block[r, c] = True
    while True:
        grown = block.copy()
        grown[1:] |= block[:-1]
        grown[:-1] |= block[1:]
        grown[:, 1:] |= block[:, :-1]
        grown[:, :-1] |= block[:, 1:]
        grown &= same
        if (grown == block).all():
            return block
        block = grown


def share_level_is_background(ev, level: int) -> bool:
    return int((ev.codes == level).sum()) > 0.5 * int(ev.present.sum())


def _close_cell(ev, r: int, c: int, printed: str) -> bool:
    try:
        _shown(printed, float(ev.decimal(r, c)), "value")
        return True
    except Untrue:
        return False


def check_profile(claim, ev) -> None:
    m = re.fullmatch(rf"({PART}): ({PART}) at (\d+) (\w+?)s?: (.+?)(?: \((each range .+)\))?, peaking at (\S+) at \w+ "
                     r"(.+?); these cells hold (\S+)% of the total \|value\|\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a profile")
    level = ev.level(m.group(2))
    _strong(ev, level)
    by_row = claim.fields.get("axis") == "rows"
    if by_row:
        i = ev.row(m.group(1))
        line, codes, mags = ev.codes[i], ev.codes[i] == level, _mags(ev)[i]
        named, more = ev.ranges(m.group(5), m.group(6))
        peak = ev.column(m.group(8))
    else:
        label = re.sub(r"^\S+ ", "", m.group(1))
        i = ev.columns.identify(label)
        line, codes, mags = ev.codes[:, i], ev.codes[:, i] == level, _mags(ev)[:, i]
        named, more = _row_ranges(ev, m.group(5), m.group(6))
        peak = ev.row(m.group(8))
    where = np.flatnonzero(codes).tolist()
    if not by_row:
        where = sorted(where, key=lambda k: ev.rows.numbers[k])  # numbered rows are listed by value
    listed = where[: len(named)] == named and len(named) < len(where) if more else where == named
    if not listed or len(where) != int(m.group(3)):
        raise Untrue(f"the {ev.names[level]} cells are at {len(where)} places, not those named")
    if len(where) > 0.5 * int((line >= 0).sum()):
        raise Untrue("more than half the line: not a profile")
    if mags[peak] != mags[where].max():
        raise Untrue("the place named is not the peak")
    value = float(ev.values[i, peak]) if by_row else float(ev.values[peak, i])
    _shown(m.group(7), value, "peak")
    _shown(m.group(9), 100 * mags[where].sum() / ev.total_magnitude, "share")


def _row_ranges(ev, text: str, step_note: str | None = None) -> tuple[list[int], int]:
    """Ranges of numbered rows ('0–3, 5 and 9–11', '−1 to 0'), read by value as numbered labels are: a range
    holds every row whose number lies between its ends (in its step, if one is printed), in any file order."""
    common = None
    if step_note:
        k = re.fullmatch(r"each range in steps of (\S+)", step_note)
        if not k:
            raise Untrue(f"cannot read {step_note!r} for rows")
        common = number(k.group(1))

    def one(part: str) -> list[int]:
        by = re.fullmatch(r"(.+) by (\S+)", part)
        step = number(by.group(2)) if by else common
        part = by.group(1) if by else part
        readings = []
        try:
            readings.append([ev.rows.identify(part)])
        except Untrue:
            pass
        for dash in re.finditer("–| to ", part):
            try:
                a, b = ev.rows.identify(part[: dash.start()]), ev.rows.identify(part[dash.end():])
            except Untrue:
                continue
            low, high = ev.rows.numbers[a], ev.rows.numbers[b]
            if low is None or high is None or high <= low:
                continue
            readings.append([k for k in ev.rows.between(low, high)
                             if step is None or (ev.rows.numbers[k] - low) % step == 0])
        if len(readings) != 1:
            raise Untrue(f"{part!r} reads as {len(readings)} ranges of rows")
        return readings[0]

    parts, more = listing(text, one)
    return sorted((k for p in parts for k in p), key=lambda k: ev.rows.numbers[k]), more


def _spearman(series: np.ndarray) -> float:
    """Spearman's rho against position, from average ranks computed here (ties share their mean rank)."""
    n = len(series)
    order = np.argsort(series, kind="mergesort")
    ranks = np.empty(n)
    sorted_values = series[order]
    i = 0
    while i < n:
        j = i
        while j + 1 < n and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2
        i = j + 1
    x, y = ranks - ranks.mean(), np.arange(n) - (n - 1) / 2
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denominator) if denominator else 0.0


def check_trend(claim, ev) -> None:
    m = re.fullmatch(r"(.+?) (rises|falls) (?:with (\w+): Spearman ρ = (\S+) over (\d+) \w+"
                     r"|up to \w+ (.+?), then (rises|falls): Spearman ρ = (\S+) up to it and (\S+) from it) "
                     r"\(\|ρ\| of at least (\S+) counts as a trend\)\.", claim.text)
    if not m or ev.values is None:
        raise Untrue("the sentence does not read as a trend")
    along_columns = claim.fields.get("axis") == "columns"
    values = ev.values if along_columns else ev.values.T
    present = ev.present if along_columns else ev.present.T
    subject = m.group(1)
    if subject.startswith("The mean over "):
        if not present.all():
            raise Untrue("a mean over a line with a missing cell")
        series = values.mean(axis=0)
    else:
        i = ev.row(subject) if along_columns else ev.columns.identify(re.sub(r"^\S+ ", "", subject))
        if not present[i].all():
            raise Untrue("a trend over a line with a missing cell")
        series = values[i]
    axis = ev.columns if along_columns else ev.rows
    if not axis.numeric:
        raise Untrue("a trend needs a numbered axis")
    limit = float(ev.analysis["trend_min_rho"])
    _shown(m.group(10), limit, "trend threshold (analysis.trend_min_rho)")
    if m.group(3):
        rho = _spearman(series)
        _shown(m.group(4), rho, "rho")
        if int(m.group(5)) != len(series) or (rho < limit if m.group(2) == "rises" else rho > -limit):
            raise Untrue(f"rho is {rho:.4f} over {len(series)} points")
        return
    turn = axis.identify(m.group(6))
    left, right = _spearman(series[: turn + 1]), _spearman(series[turn:])
    _shown(m.group(8), left, "rho before the turn")
    _shown(m.group(9), right, "rho after the turn")
    up = m.group(2) == "rises"
    if (m.group(7) == "falls") != up or min(turn + 1, len(series) - turn) < 4:
        raise Untrue("the turn leaves too few points on a side, or the shape is misnamed")
    if (left < limit or right > -limit) if up else (left > -limit or right < limit):
        raise Untrue(f"rho is {left:.4f} up to the turn and {right:.4f} after it")


def check_sign_structure(claim, ev) -> None:
    if ev.values is None:
        raise Untrue("signs of category labels")
    values = ev.values[ev.present]
    pos, neg, zero = int((values > 0).sum()), int((values < 0).sum()), int((values == 0).sum())
    m = re.fullmatch(r"Every value is (≤|≥) 0: the values run from (\S+) to (\S+)\.", claim.text)
    if m:
        if (m.group(1) == "≤" and pos) or (m.group(1) == "≥" and neg):
            raise Untrue(f"{pos} values are positive and {neg} negative")
        _shown(m.group(2), float(values.min()), "minimum")
        _shown(m.group(3), float(values.max()), "maximum")
        return
    m = re.fullmatch(r"(\d+) cells are positive, (\d+) negative and (\d+) zero; the positive cells hold (\S+)% "
                     r"of the total \|value\|\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a sign structure")
    if (int(m.group(1)), int(m.group(2)), int(m.group(3))) != (pos, neg, zero):
        raise Untrue(f"{pos} positive, {neg} negative, {zero} zero")
    _shown(m.group(4), 100 * values[values > 0].sum() / np.abs(values).sum(), "positive share")


def check_rare_level(claim, ev) -> None:
    m = re.fullmatch(rf"(\d+) of (\d+) cells (?:is|are) ({PART})(?: \((at or above|below|at or below|above) (\S+)"
                     rf"(?: and below (\S+))?\))?(?:, the other (\d+) ({PART}))?: (.+)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a rare level")
    level = ev.level(m.group(3))
    held = ev.codes == level
    count, present = int(held.sum()), int(ev.present.sum())
    if (int(m.group(1)), int(m.group(2))) != (count, present):
        raise Untrue(f"{count} of {present} cells are {ev.names[level]}")
    if count > float(ev.analysis["rare_max_share"]) * present:
        raise Untrue("not rare: more than the share that counts as rare")
    if m.group(8):
        other = ev.level(m.group(8))
        if int((ev.codes == other).sum()) != int(m.group(7)) or int(m.group(7)) + count != present:
            raise Untrue(f"the other cells are not all {ev.names[other]}")
    if m.group(4) and ev.values is not None:
        vals = ev.values[held]
        low, slack = printed_value(m.group(5))
        if m.group(4) == "at or above":
            ok = vals >= low - slack
        elif m.group(4) == "below":
            ok = vals < low + slack
        elif m.group(4) == "at or below":
            ok = vals <= low + slack
        else:
            high, high_slack = printed_value(m.group(6)) if m.group(6) else (np.inf, 0.0)
            ok = (vals > low - slack) & (vals < high + high_slack)
        if not ok.all():
            raise Untrue(f"a {ev.names[level]} cell lies outside '{m.group(4)} {m.group(5)}'")
        others = ev.values[ev.present & ~held]
        strict = {"at or above": others >= low + slack, "below": others < low - slack,
                  "at or below": others <= low - slack}.get(m.group(4))
        if strict is not None and strict.any():
            raise Untrue(f"cells of other levels are {m.group(4)} {m.group(5)} too: it is not the level's cut")
    listed = []
    groups = split(m.group(9), "; ")
    tail = re.fullmatch(r"and (\d+) more \w+", groups[-1])
    if tail:
        groups = groups[:-1]
    for group in groups:
        g = re.fullmatch(rf"({PART}): \w+? (.+)", group)
        if not g:
            raise Untrue(f"cannot read {group!r}")
        r = ev.row(g.group(1))
        cols, more = listing(g.group(2), ev.column)
        actual = np.flatnonzero(held[r]).tolist()
        if (cols != actual[: len(cols)] or len(cols) + more != len(actual)) if more else cols != actual:
            raise Untrue(f"in {ev.rows.texts[r]!r} the {ev.names[level]} cells are not those named")
        listed.append(r)
    rows_held = np.flatnonzero(held.any(axis=1)).tolist()
    if listed != rows_held[: len(listed)] or (not tail and len(listed) != len(rows_held)):
        raise Untrue("the rows named are not those holding the level")


def check_concentration(claim, ev) -> None:
    m = re.fullmatch(r"The (\d+) cells of largest \|value\| \((\S+)% of the (\d+) cells with a value\) hold (\S+)% "
                     r"of the total \|value\|: (.+)\.", claim.text)
    if not m:
        raise Untrue("the sentence does not read as a concentration")
    mags = _mags(ev)
    k, present = int(m.group(1)), int(ev.present.sum())
    if int(m.group(3)) != present:
        raise Untrue(f"{present} cells have a value")
    flat = np.sort(mags[ev.present])[::-1]
    held = flat[:k].sum() / flat.sum()
    _shown(m.group(4), 100 * held, "share")
    _shown(m.group(2), 100 * k / present, "share of the cells")
    target = float(ev.analysis["concentration_share"])
    if held < target - 1e-12 or (k > 1 and flat[: k - 1].sum() / flat.sum() >= target - 1e-12):
        raise Untrue(f"{k} is not the fewest cells holding {target:.0%} of the total")
    cells, more = ev.cells(m.group(5))
    if len(set(cells)) != len(cells):
        raise Untrue("a cell is named twice")
    if more + len(cells) != k:
        raise Untrue(f"{len(cells) + more} cells are named or counted, not {k}")
    if any(mags[r, c] < flat[k - 1] for r, c in cells):
        raise Untrue("a cell named is not among the largest")
    order = [float(mags[r, c]) for r, c in cells]
    if order != sorted(order, reverse=True):
        raise Untrue("the cells are not named largest first")


CHECKS = {"region": check_region, "profile": check_profile, "trend": check_trend,
          "sign_structure": check_sign_structure, "rare_level": check_rare_level,
          "concentration": check_concentration}
