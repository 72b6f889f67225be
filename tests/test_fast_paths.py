"""The fast paths added for large inputs give exactly what the plain paths give.

* wide numeric tables go straight into an array (``tabular._wide_numeric``);
  the cell-by-cell path must build the same matrix;
* similar rows are prefiltered by matrix products (``analyse._similar_candidates``);
  the result must equal the plain double loop over every pair.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.load import table as tabular
from generator.analyse.levels import level_grid
from generator.analyse.table import find_similar, identical_groups, similar_pair
from generator.settings import AnalysisSettings, LevelRule

cell = st.one_of(st.just(""), st.sampled_from(["0.5", "1", "-2.25", " 3 ", "1e-3"]),
                 st.floats(-5, 5, allow_nan=False).map(lambda x: f"{x:.3g}"))
label = st.one_of(st.integers(0, 30).map(str), st.sampled_from(["a", "b", "L0", "02", "2.5", "x y"]))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_the_wide_fast_path_builds_what_the_cell_path_builds(data):
    columns = data.draw(st.lists(label, min_size=1, max_size=6, unique=True))
    rows = data.draw(st.lists(label, min_size=1, max_size=6, unique=True))
    body = [[r] + [data.draw(cell) for _ in columns] for r in rows]
    table = tabular._Table(["label", *columns], body, [f"line {i + 2}" for i in range(len(rows))], "column")
    labels = tabular._wide_columns(table, "t.csv", 10**6)
    fast = tabular._wide_numeric(table, labels)
    slow = tabular._build_matrix(tabular._wide_cells(table, labels, "t.csv"), "t.csv", None, ())
    if fast is None:
        return  # fell back: the cell path decides, nothing to compare
    assert slow.kind == "numeric"
    assert (fast.rows, fast.columns) == (slow.rows, slow.columns)
    assert [type(x) for x in fast.columns] == [type(x) for x in slow.columns]
    np.testing.assert_array_equal(fast.values, slow.values)


def _plain_similar(grid, groups, s: AnalysisSettings):
    """Every pair, no prefilter: what find_similar must return if its prefilter drops nothing."""
    reps = [g[0] for g in groups]
    pairs = [pair for i, a in enumerate(reps) for b in reps[i + 1:]
             if (pair := similar_pair(grid, a, b, s.similar_min)) is not None]
    pairs.sort(key=lambda p: -p.value)
    return pairs[: s.similar_max_pairs]


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_prefiltered_similar_rows_equal_the_plain_double_loop(data):
    n_rows = data.draw(st.integers(2, 14))
    n_cols = data.draw(st.integers(1, 10))
    categorical = data.draw(st.booleans())
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    base = rng.random((3, n_cols)).round(data.draw(st.integers(0, 2)))
    picks = rng.integers(0, 3, n_rows)
    noise = rng.normal(0, data.draw(st.sampled_from([0.0, 0.01, 0.3])), (n_rows, n_cols))
    values = base[picks] + noise * rng.random((n_rows, 1)) + rng.random((n_rows, 1)) * 10
    values[rng.random((n_rows, n_cols)) < data.draw(st.sampled_from([0.0, 0.2]))] = np.nan
    if np.isnan(values).all():
        values[0, 0] = 1.0
    from generator.load.dataset import Matrix

    rows = tuple(f"r{i}" for i in range(n_rows))
    columns = tuple(range(n_cols))
    if categorical:
        names = np.array(["High", "Neutral", "Low"], dtype=object)
        cats = names[(np.nan_to_num(values, nan=0) * 3).astype(int) % 3]
        cats[np.isnan(values)] = None
        matrix = Matrix(rows, columns, cats, "categorical")
    else:
        matrix = Matrix(rows, columns, values, "numeric")
    grid = level_grid(matrix, LevelRule(), source="t")
    s = AnalysisSettings(similar_min=data.draw(st.sampled_from([0.5, 0.9, 0.99, 1.0])), similar_max_pairs=100)
    groups = identical_groups(grid)
    assert find_similar(grid, groups, s) == _plain_similar(grid, groups, s)
