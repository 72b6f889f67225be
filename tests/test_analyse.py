"""The analyse stage: each finder on data with a known answer, and each check refusing a false claim."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from generator.analyse.levels import level_grid
from generator.analyse.observations import (
    AxisGaps,
    Extremes,
    IdenticalRows,
    LevelRuns,
    MissingCells,
    Periodic,
    SimilarRows,
)
from generator.analyse.table import analyse
from generator.load.dataset import Matrix
from generator.settings import AnalysisSettings, LevelRule


def grid_of(rows, columns, values, kind="categorical", rule=LevelRule()):
    array = np.array(values, dtype=object if kind == "categorical" else float)
    return level_grid(Matrix(tuple(rows), tuple(columns), array, kind), rule, source="test")


def kinds(analysis, kind):
    return [o for o in analysis.observations if o.kind == kind]


def test_identical_rows_are_found_and_a_changed_cell_breaks_the_check():
    grid = grid_of(["a", "b", "c"], [1, 2, 3], [["H", "L", "H"], ["H", "L", "H"], ["L", "L", "H"]])
    [obs] = kinds(analyse(grid, AnalysisSettings()), "identical_rows")
    assert obs.rows == ["a", "b"] and obs.positions == 3
    assert not IdenticalRows(rows=["a", "c"], positions=3, levels=2).check(grid)
    assert not IdenticalRows(rows=["a", "b"], positions=2, levels=2).check(grid)


def test_an_exclusive_period_is_found_with_its_phase_and_level():
    columns = list(range(1, 13))
    row = ["Low" if c % 3 == 0 else ("High" if c % 2 else "Neutral") for c in columns]
    grid = grid_of(["x"], columns, [row])
    periodic = kinds(analyse(grid, AnalysisSettings()), "periodic")
    assert [(p.period, p.phase, p.level, p.exclusive, p.columns) for p in periodic] == [(3, 0, "Low", True, 4)]


def test_a_period_claim_is_refused_when_one_cell_breaks_it():
    grid = grid_of(["x"], [0, 1, 2, 3, 4, 5, 6, 7], [["A", "B", "A", "B", "A", "B", "B", "B"]])
    assert not Periodic(rows=["x"], period=2, phase=0, level="A", exclusive=True, columns=4).check(grid)
    assert Periodic(rows=["x"], period=2, phase=1, level="B", exclusive=False, columns=4).check(grid)
    assert not Periodic(rows=["x"], period=2, phase=1, level="B", exclusive=True, columns=4).check(grid)


def test_a_non_numeric_axis_counts_periods_by_position():
    grid = grid_of(["x"], list("abcdefgh"), [["A", "B"] * 4])
    periodic = kinds(analyse(grid, AnalysisSettings()), "periodic")
    assert {(p.period, p.phase, p.level) for p in periodic} == {(2, 0, "A"), (2, 1, "B")}


def test_level_runs_list_every_column_and_ranges_that_expand_to_them():
    grid = grid_of(["r"], [2, 4, 5, 6, 8], [["H", "H", "L", "H", "N"]])
    runs = {o.level: o for o in kinds(analyse(grid, AnalysisSettings()), "level_runs")}
    assert runs["H"].columns == [2, 4, 6] and runs["H"].ranges == [[2, 6, 2]]
    bad = dataclasses.replace(runs["H"], ranges=[[2, 8, 2]])
    assert not bad.check(grid)


def test_axis_gaps_name_the_labels_a_regular_axis_lacks():
    grid = grid_of(["r"], [0, 10, 20, 40, 50], [[1, 2, 3, 4, 5]], kind="numeric")
    [gaps] = kinds(analyse(grid, AnalysisSettings()), "axis_gaps")
    assert (gaps.step, gaps.missing) == (10, [30])
    assert not dataclasses.replace(gaps, missing=[30, 60]).check(grid)


def test_missing_cells_and_extremes_on_numeric_data():
    grid = grid_of(["a", "b"], [1, 2, 3], [[0.1, np.nan, 0.9], [0.9, 0.5, 0.2]], kind="numeric")
    analysis = analyse(grid, AnalysisSettings())
    [missing] = kinds(analysis, "missing_cells")
    assert missing.cells == [["a", 2]]
    top, bottom = kinds(analysis, "extremes")
    assert top.value == 0.9 and top.cells == [["a", 3, 0.9], ["b", 1, 0.9]]
    assert bottom.value == 0.1 and bottom.cells == [["a", 1, 0.1]]
    assert not Extremes(extreme="max", value=0.9, cells=[["a", 3, 0.9]]).check(grid)
    assert not MissingCells(cells=[], total=6).check(grid)


def test_similar_rows_by_pearson_and_its_check_recomputes_the_value():
    grid = grid_of(["a", "b", "c"], [1, 2, 3, 4], [[1, 2, 3, 4], [1.1, 2.1, 2.9, 4.2], [4, 1, 3, 2]], kind="numeric")
    [similar] = kinds(analyse(grid, AnalysisSettings()), "similar_rows")
    assert similar.rows == ["a", "b"] and similar.metric == "pearson"
    assert similar.value == pytest.approx(np.corrcoef([1, 2, 3, 4], [1.1, 2.1, 2.9, 4.2])[0, 1])
    assert not SimilarRows(rows=["a", "b"], metric="pearson", value=0.5, threshold=0.9).check(grid)


def test_numeric_levels_follow_the_thirds_rule_and_the_signed_rule():
    grid = grid_of(["r"], [1, 2, 3, 4], [[0.0, 0.35, 0.7, 0.9]], kind="numeric")
    assert grid.levels[0].tolist() == ["Low", "Neutral", "High", "High"]
    assert grid.scheme.high_from == pytest.approx(0.6) and grid.scheme.low_to == pytest.approx(0.3)
    signed = grid_of(["r"], [1, 2, 3], [[-0.9, 0.1, 0.6]], kind="numeric")
    assert signed.scheme.names == ("Positive", "Neutral", "Negative")
    assert signed.levels[0].tolist() == ["Negative", "Neutral", "Positive"]


def test_threshold_and_quantile_rules():
    values = [[0.05, 0.2, 0.5, 0.8]]
    fixed = grid_of(["r"], [1, 2, 3, 4], values, kind="numeric", rule=LevelRule("thresholds", high=0.5, low=0.1))
    assert fixed.levels[0].tolist() == ["Low", "Neutral", "High", "High"]
    quant = grid_of(["r"], [1, 2, 3, 4], values, kind="numeric", rule=LevelRule("quantiles", high=0.75, low=0.25))
    assert quant.levels[0].tolist() == ["Low", "Neutral", "Neutral", "High"]


def test_a_constant_grid_is_all_neutral_and_states_no_extremes():
    grid = grid_of(["a", "b"], [1, 2], [[0.5, 0.5], [0.5, 0.5]], kind="numeric")
    assert set(grid.levels.ravel()) == {"Neutral"}
    assert kinds(analyse(grid, AnalysisSettings()), "extremes") == []


def test_level_runs_with_a_bad_column_list_fail_their_check():
    grid = grid_of(["r"], [1, 2, 3], [["A", "B", "A"]])
    assert not LevelRuns(row="r", level="A", columns=[1], ranges=[[1, 1, 1]], same_rows=[]).check(grid)
    assert LevelRuns(row="r", level="A", columns=[1, 3], ranges=[[1, 1, 1], [3, 3, 1]], same_rows=[]).check(grid)
    assert not AxisGaps(axis="columns", step=1, first=1, last=3, missing=[2]).check(grid)
