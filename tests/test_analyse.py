"""The analyse stage: each finder on data with a known answer (tests/test_verify.py checks the sentences)."""

from __future__ import annotations

import numpy as np
import pytest

from generator.analyse.levels import level_grid
from generator.analyse.table import find_extremes, analyse
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


def test_an_exclusive_period_is_found_with_its_phase_and_level():
    columns = list(range(1, 13))
    row = ["Low" if c % 3 == 0 else ("High" if c % 2 else "Neutral") for c in columns]
    grid = grid_of(["x"], columns, [row])
    periodic = kinds(analyse(grid, AnalysisSettings()), "periodic")
    assert [(p.period, p.phase, p.level, p.exclusive, p.columns) for p in periodic] == [(3, 0, "Low", True, 4)]


def test_a_non_numeric_axis_counts_periods_by_position():
    grid = grid_of(["x"], list("abcdefgh"), [["A", "B"] * 4])
    periodic = kinds(analyse(grid, AnalysisSettings()), "periodic")
    assert {(p.period, p.phase, p.level) for p in periodic} == {(2, 0, "A"), (2, 1, "B")}


def test_level_runs_list_every_column_and_ranges_that_expand_to_them():
    grid = grid_of(["r"], [2, 4, 5, 6, 8], [["H", "H", "L", "H", "N"]])
    runs = {o.level: o for o in kinds(analyse(grid, AnalysisSettings()), "level_runs")}
    assert runs["H"].columns == [2, 4, 6] and runs["H"].ranges == [[2, 6, 2]]


def test_axis_gaps_name_the_labels_a_regular_axis_lacks():
    grid = grid_of(["r"], [0, 10, 20, 40, 50], [[1, 2, 3, 4, 5]], kind="numeric")
    [gaps] = kinds(analyse(grid, AnalysisSettings()), "axis_gaps")
    assert (gaps.step, gaps.missing) == (10, [30])


def test_missing_cells_and_extremes_on_numeric_data():
    grid = grid_of(["a", "b"], [1, 2, 3], [[0.1, np.nan, 0.9], [0.9, 0.5, 0.2]], kind="numeric")
    analysis = analyse(grid, AnalysisSettings())
    [missing] = kinds(analysis, "missing_cells")
    assert missing.cells == [["a", 2]]
    top, bottom = kinds(analysis, "extremes")
    assert top.value == 0.9 and top.cells == [["a", 3, 0.9], ["b", 1, 0.9]]
    assert bottom.value == 0.1 and bottom.cells == [["a", 1, 0.1]]


def test_similar_rows_are_close_in_value_not_merely_correlated():
    grid = grid_of(["a", "b", "c", "d"], [1, 2, 3, 4],
                   [[1, 2, 3, 4], [1.1, 2.1, 2.9, 4.2], [4, 1, 3, 2], [11, 12, 13, 14]], kind="numeric")
    [similar] = kinds(analyse(grid, AnalysisSettings()), "similar_rows")
    assert similar.rows == ["a", "b"] and similar.metric == "max_difference"
    assert similar.value == pytest.approx(0.2) and similar.shared == 4
    assert similar.threshold == 1.3  # a tenth of the value range 1..14, to 2 significant digits
    # d is a plus 10: perfectly correlated (r = 1), but nowhere near in value, so not similar


def test_rows_equal_in_value_are_identical_whatever_their_bytes():
    grid = grid_of(["a", "b"], [1, 2, 3], [[-0.0, 0.5, 1.0], [0.0, 0.5, 1.0]], kind="numeric")
    [same] = kinds(analyse(grid, AnalysisSettings()), "identical_rows")
    assert same.rows == ["a", "b"]
    assert kinds(analyse(grid, AnalysisSettings()), "similar_rows") == []


def test_rows_with_no_value_are_stated_as_such_not_as_identical():
    grid = grid_of(["a", "b", "c"], [1, 2], [[np.nan, np.nan], [np.nan, np.nan], [0.2, 0.8]], kind="numeric")
    analysis = analyse(grid, AnalysisSettings())
    assert kinds(analysis, "identical_rows") == []
    [empty] = kinds(analysis, "empty")
    assert (empty.axis, empty.labels) == ("rows", ["a", "b"])


def test_whole_number_float_labels_get_parity_and_half_steps_count_by_position():
    row = [["A", "B"] * 4]
    floats = grid_of(["x"], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], row)
    by = {(p.period, p.phase, p.by) for p in kinds(analyse(floats, AnalysisSettings()), "periodic")}
    assert by == {(2, 1, "label"), (2, 0, "label")}
    halves = grid_of(["x"], [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0], row)
    assert {p.by for p in kinds(analyse(halves, AnalysisSettings()), "periodic")} == {"position"}


def test_a_period_above_two_counts_by_position_when_labels_do_not_step_evenly():
    columns = [1, 2, 4, 5, 7, 8, 10, 11, 13]
    row = [["A" if i % 3 == 0 else "B" for i in range(len(columns))]]
    periods = kinds(analyse(grid_of(["x"], columns, row), AnalysisSettings()), "periodic")
    assert periods and all(p.by == "position" for p in periods if p.period > 2)


def test_signed_extremes_name_the_strongest_effect_of_each_sign_stronger_first():
    grid = grid_of(["a"], [1, 2, 3], [[-2.4, -0.001, 0.3]], kind="numeric")
    extremes = find_extremes(grid)  # the finder's order; the report's order is the ranking's
    assert [(e.extreme, e.value) for e in extremes] == [("strongest_negative", -2.4), ("strongest_positive", 0.3)]


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


