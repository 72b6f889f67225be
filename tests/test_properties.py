"""On random valid matrices the generator never fails, and every observation it prints is true.

The re-checks here are written independently of the generator's own checks: they
work from the test's raw cells and the level rule stated in the findings.
"""

from __future__ import annotations

import math
from functools import reduce

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import report

LEVELS = ["High", "Low", "Neutral"]


@st.composite
def matrices(draw):
    n_rows = draw(st.integers(1, 5))
    numeric_labels = draw(st.booleans())
    if numeric_labels:
        columns = sorted(draw(st.sets(st.integers(0, 60), min_size=1, max_size=24)))
    else:
        columns = [f"c{i}" for i in range(draw(st.integers(1, 20)))]
    rows = [f"r{i}" for i in range(n_rows)]
    categorical = draw(st.booleans())
    if categorical:
        cell = st.one_of(st.sampled_from(LEVELS), st.sampled_from(LEVELS), st.none())
    else:
        cell = st.one_of(st.floats(-1, 1).map(lambda x: round(x, 3)), st.none())
    base = [draw(st.lists(cell, min_size=len(columns), max_size=len(columns))) for _ in rows]
    if n_rows > 1 and draw(st.booleans()):
        base[1] = list(base[0])  # make identical rows likely
    if draw(st.booleans()) and numeric_labels:  # plant a periodic level
        for row in base:
            for i, c in enumerate(columns):
                if c % 2 == 1:
                    row[i] = "Low" if categorical else -1.0
    return rows, columns, base, categorical


def frame_of(rows, columns, cells):
    records = [{"row": r, "column": c, "value": v}
               for r, line in zip(rows, cells) for c, v in zip(columns, line) if v is not None]
    return pd.DataFrame.from_records(records, columns=["row", "column", "value"])


def levels_from_rule(findings, value):
    """Re-apply the level rule the findings state, to a raw value."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    rule = findings["levels"]
    high, mid, low = rule["names"]
    if rule["high_from"] is None:  # every value equal
        return mid
    if value <= rule["low_to"]:
        return low
    if value >= rule["high_from"]:
        return high
    return mid


def verify(obs, rows, columns, cells, findings):
    present_rows = findings["rows"]
    present_cols = findings["columns"]
    grid = {(r, c): v for r, line in zip(rows, cells) for c, v in zip(columns, line) if v is not None}
    level = {k: levels_from_rule(findings, v) for k, v in grid.items()}
    kind = obs["kind"]
    if kind == "identical_rows":
        first = obs["rows"][0]
        same = all(grid.get((r, c)) == grid.get((first, c)) for r in obs["rows"] for c in present_cols)
        return same and obs["positions"] == sum((first, c) in grid for c in present_cols)
    if kind == "empty":
        labels = obs["labels"]
        if obs["axis"] == "rows":
            return all((r, c) not in grid for r in labels for c in present_cols)
        return all((r, c) not in grid for r in present_rows for c in labels)
    if kind == "periodic":
        def key(i, c):
            return int(c) if obs["by"] == "label" else i
        on = [c for i, c in enumerate(present_cols) if key(i, c) % obs["period"] == obs["phase"]]
        off = [c for c in present_cols if c not in on]
        holds = all(level.get((r, c)) == obs["level"] for r in obs["rows"] for c in on)
        excl = not any(level.get((r, c)) == obs["level"] for r in obs["rows"] for c in off)
        return holds and len(on) == obs["columns"] and excl == obs["exclusive"]
    if kind == "level_runs":
        want = [c for c in present_cols if level.get((obs["row"], c)) == obs["level"]]
        expanded = []
        for first, last, step in obs["ranges"]:
            if isinstance(first, str):
                i, j = present_cols.index(first), present_cols.index(last)
                expanded += present_cols[i:j + 1:step]
            else:
                expanded += list(range(first, last + 1, step))
        same_rows = all(level.get((r, c)) == level.get((obs["row"], c)) for r in obs["same_rows"] for c in present_cols)
        return obs["columns"] == want == expanded and same_rows
    if kind == "axis_gaps":
        labels = sorted(present_cols if obs["axis"] == "columns" else present_rows)
        step = reduce(math.gcd, [b - a for a, b in zip(labels, labels[1:])])
        missing = [x for x in range(labels[0], labels[-1] + 1, step) if x not in labels]
        return step == obs["step"] and missing == obs["missing"]
    if kind == "missing_cells":
        want = [[r, c] for r in present_rows for c in present_cols if (r, c) not in grid]
        return obs["cells"] == want
    if kind == "extremes":
        values = [v for v in grid.values()]
        target = max(values) if obs["extreme"] in ("max", "strongest_positive") else min(values)
        want = [[r, c, target] for r in present_rows for c in present_cols if grid.get((r, c)) == target]
        return obs["value"] == target and obs["cells"] == want
    if kind == "similar_rows":
        a, b = obs["rows"]
        shared = [c for c in present_cols if (a, c) in grid and (b, c) in grid]
        if obs["metric"] == "max_difference":
            value = max(abs(grid[(a, c)] - grid[(b, c)]) for c in shared)
            return abs(value - obs["value"]) < 1e-9 and 0 < value <= obs["threshold"]
        else:
            value = np.mean([level[(a, c)] == level[(b, c)] for c in shared])
        return abs(value - obs["value"]) < 1e-9 and value >= obs["threshold"]
    if kind in NEW_KINDS:
        return NEW_KINDS[kind](obs, rows, present_cols, grid, level, findings)
    raise AssertionError(f"unknown kind {kind}")


# --- the kinds of ranked findings (issue 10), re-derived from the raw cells by plain loops ---

def _total(grid):
    return sum(abs(v) for v in grid.values())


def _strong(findings):
    names = findings["levels"]["names"]
    return [names[0], names[2]] if findings["levels"]["signed"] else [names[0]]


def _region(obs, rows, cols, grid, level, findings):
    cells = [tuple(x) for x in obs["cells"]]
    want = obs["level"]
    if want not in _strong(findings) or any(level.get(c) != want for c in cells):
        return False
    ri, ci = {r: i for i, r in enumerate(rows)}, {c: j for j, c in enumerate(cols)}
    seen, todo = {cells[0]}, [cells[0]]
    while todo:  # flood fill from the first cell over neighbours of the same level
        r, c = todo.pop()
        for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            i, j = ri[r] + dr, ci[c] + dc
            if 0 <= i < len(rows) and 0 <= j < len(cols):
                n = (rows[i], cols[j])
                if level.get(n) == want and n not in seen:
                    seen.add(n)
                    todo.append(n)
    if seen != set(cells):
        return False
    peak = max(cells, key=lambda c: abs(grid[c]))
    share = sum(abs(grid[c]) for c in cells) / _total(grid)
    return (abs(grid[tuple(obs["peak_at"])]) == abs(grid[peak]) and grid[tuple(obs["peak_at"])] == obs["peak"]
            and abs(share - obs["share"]) < 1e-9
            and obs["rows"] == [min(cells, key=lambda c: ri[c[0]])[0], max(cells, key=lambda c: ri[c[0]])[0]])


def _profile(obs, rows, cols, grid, level, findings):
    line = [(obs["label"], c) for c in cols] if obs["axis"] == "rows" else [(r, obs["label"]) for r in rows]
    where = [k for k in line if level.get(k) == obs["level"]]
    present = [k for k in line if k in grid]
    if not where or len(where) != obs["count"] or len(where) > 0.5 * len(present):
        return False
    other = [k[1] if obs["axis"] == "rows" else k[0] for k in where]
    expanded = []
    for first, last, step in obs["ranges"]:
        axis = cols if obs["axis"] == "rows" else rows
        if isinstance(first, str):
            expanded += axis[axis.index(first):axis.index(last) + 1:step]
        else:
            expanded += list(range(first, last + 1, step))
    peak = max(where, key=lambda k: abs(grid[k]))
    share = sum(abs(grid[k]) for k in where) / _total(grid)
    return expanded == other and abs(grid[peak]) == abs(obs["peak"]) and abs(share - obs["share"]) < 1e-9


def _ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):  # ties share their average rank
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def _rho(xs):
    r = _ranks(xs)
    n = len(r)
    mr, mp = sum(r) / n, (n - 1) / 2
    cov = sum((a - mr) * (b - mp) for a, b in zip(r, range(n)))
    var = math.sqrt(sum((a - mr) ** 2 for a in r) * sum((b - mp) ** 2 for b in range(n)))
    return cov / var if var else 0.0


def _trend(obs, rows, cols, grid, level, findings):
    along = cols if obs["axis"] == "columns" else rows
    others = rows if obs["axis"] == "columns" else cols
    def at(x, y):
        return grid.get((y, x) if obs["axis"] == "columns" else (x, y))
    if obs["label"] is None:
        series = [sum(at(x, y) for y in others) / len(others) for x in along]
    else:
        series = [at(x, obs["label"]) for x in along]
    th = obs["threshold"]
    if obs["shape"] in ("rise", "fall"):
        rho = _rho(series)
        return abs(rho - obs["rho"][0]) < 1e-6 and (rho >= th if obs["shape"] == "rise" else rho <= -th)
    t = along.index(obs["turn"])
    left, right = _rho(series[:t + 1]), _rho(series[t:])
    ok = (left >= th and right <= -th) if obs["shape"] == "rise_fall" else (left <= -th and right >= th)
    return ok and abs(left - obs["rho"][0]) < 1e-6 and abs(right - obs["rho"][1]) < 1e-6


def _sign(obs, rows, cols, grid, level, findings):
    vals = list(grid.values())
    pos, neg = [v for v in vals if v > 0], [v for v in vals if v < 0]
    sign = "mixed" if pos and neg else "nonpositive" if not pos else "nonnegative"
    return (sign == obs["sign"] and [len(pos), len(neg)] == [obs["positive"], obs["negative"]]
            and abs(sum(pos) / _total(grid) - obs["positive_share"]) < 1e-9)


def _rare(obs, rows, cols, grid, level, findings):
    held = [[r, c] for r in rows for c in cols if level.get((r, c)) == obs["level"]]
    return held == obs["cells"] and len(held) <= obs["threshold"] * len(level) and obs["present"] == len(level)


def _concentration(obs, rows, cols, grid, level, findings):
    cells = sorted(grid.items(), key=lambda kv: -abs(kv[1]))
    total, held, k = _total(grid), 0.0, 0
    while held < obs["target"] * total - 1e-12 * total:
        held += abs(cells[k][1])
        k += 1
    top = sorted(abs(v) for _, v in cells[:k])
    return k == obs["count"] and sorted(abs(x[2]) for x in obs["cells"]) == top and k <= 0.2 * len(grid)


def _exception(obs, rows, cols, grid, level, findings):
    def key(i, c):
        return c if all(isinstance(x, int) for x in cols) else i
    on = [c for i, c in enumerate(cols) if key(i, c) % obs["period"] == obs["phase"]]
    off = [c for c in cols if c not in on]
    misses = [[r, c, level.get((r, c))] for r in obs["rows"] for c in on if level.get((r, c)) != obs["level"]]
    return (misses == obs["exceptions"] and misses
            and not any(level.get((r, c)) == obs["level"] for r in obs["rows"] for c in off))


def _swap(obs, rows, cols, grid, level, findings):
    a, b = obs["rows"]
    x, y = obs["levels"]
    flip = {x: y, y: x}
    pairs = {(level.get((a, c)), level.get((b, c))) for c in cols if level.get((a, c)) != level.get((b, c))}
    return all(level.get((b, c)) == flip.get(level.get((a, c)), level.get((a, c))) for c in cols) \
        and pairs == {(x, y), (y, x)}


NEW_KINDS = {"region": _region, "profile": _profile, "trend": _trend, "sign_structure": _sign, "rare_level": _rare,
             "concentration": _concentration, "level_exception": _exception, "swapped_rows": _swap}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrices())
def test_every_printed_observation_is_true_of_the_raw_cells(data):
    rows, columns, cells, categorical = data
    frame = frame_of(rows, columns, cells)
    if frame.empty:
        return
    findings = report(frame, name="random", settings={"chart": {"static_image": False}}).findings
    assert findings["rejected"] == 0
    ranks = [obs["rank"] for obs in findings["observations"]]
    assert ranks == list(range(1, len(ranks) + 1))
    scores = [obs["rank_score"] for obs in findings["observations"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= x <= 1 for x in scores)
    assert sum(obs["section"] == "key" for obs in findings["observations"]) <= 8
    for obs in findings["observations"]:
        assert obs["text"].strip()
        assert verify(obs, rows, columns, cells, findings), obs


@st.composite
def planted(draw):
    """Matrices with a planted trend, a swapped pair of rows and a periodic rule with one exception."""
    n = draw(st.integers(8, 16))
    columns = list(range(n))
    noise = st.floats(-0.05, 0.05).map(lambda x: round(x, 3))
    peak = draw(st.integers(3, n - 4))
    hill = [round(1 - abs(i - peak) / n, 3) for i in columns]
    ramp = [round(i / n + draw(noise) / 10, 3) for i in columns]
    flat = [draw(noise) for _ in columns]
    levels = [["Low" if i % 2 else draw(st.sampled_from(["High", "Neutral"])) for i in columns] for _ in range(2)]
    levels[1] = [{"High": "Neutral", "Neutral": "High"}.get(v, v) for v in levels[0]]
    if "High" not in levels[0] or "Neutral" not in levels[0]:
        levels[0][0], levels[1][0] = "High", "Neutral"
        levels[0][2], levels[1][2] = "Neutral", "High"
    broken = list(levels[0])
    broken[draw(st.sampled_from([c for c in columns if c % 2]))] = "Neutral"
    return columns, [hill, ramp, flat], [levels[0], levels[1], broken]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted())
def test_planted_trends_swaps_and_exceptions_are_found_and_true(data):
    columns, numeric, categorical = data
    for rows, cells, expect in ((["hill", "ramp", "flat"], numeric, {"trend"}),
                                (["A", "B", "C"], categorical, {"swapped_rows", "level_exception"})):
        frame = frame_of(rows, columns, cells)
        findings = report(frame, name="planted", settings={"chart": {"static_image": False}}).findings
        assert findings["rejected"] == 0
        kinds = {o["kind"] for o in findings["observations"]}
        assert expect <= kinds, kinds
        for obs in findings["observations"]:
            assert verify(obs, rows, columns, cells, findings), obs
