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
    raise AssertionError(f"unknown kind {kind}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrices())
def test_every_printed_observation_is_true_of_the_raw_cells(data):
    rows, columns, cells, categorical = data
    frame = frame_of(rows, columns, cells)
    if frame.empty:
        return
    findings = report(frame, name="random", settings={"chart": {"static_image": False}}).findings
    assert findings["rejected"] == 0
    for obs in findings["observations"]:
        assert obs["text"].strip()
        assert verify(obs, rows, columns, cells, findings), obs
