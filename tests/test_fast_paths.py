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
    pairs.sort(key=lambda p: p.value if p.metric == "max_difference" else -p.value)  # closest first
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
    offset = data.draw(st.sampled_from([10.0, 10.0, 1e6]))  # far from 0: centring must stay exact enough
    values = base[picks] + noise * rng.random((n_rows, 1)) + rng.random((n_rows, 1)) * offset
    if data.draw(st.booleans()):  # flat rows: constant, or varying far below their size
        values[rng.integers(0, n_rows)] = offset
        values[rng.integers(0, n_rows)] = offset + rng.normal(0, 1e-12 * offset, n_cols)
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


# --- pyarrow's CSV reader (load.fast_csv) against the plain csv-module path ------------------

from pathlib import Path  # noqa: E402

from generator.errors import InputError  # noqa: E402
from generator.settings import InputSettings  # noqa: E402

_TOKENS = ["0.5", "1", "-2.25", " 3 ", "1e-3", "+1", ".5", "5.", "1E5", "1e", "e5", "-0", "nan", "NaN",
           "inf", "-Infinity", "1e400", "1_000", "0x10", "N/A", "null", "true", "", " ", "\u00a01",
           '"2.5"', '""', '"1"2', '1"2', '"a,b"', '"x\ny"', '"q""q"', "\u0661", "a", "L0", "02"]
_LABELS = ["0", "1", "2", "a", "b", "L0", "02", "2.5", " x ", "", '"q"', '"a"b', "1.0", "-3", '"x\ny"']


def _read(path: Path, arrow: bool, settings: InputSettings):
    try:
        return read_matrix_or_error(path, settings, arrow)
    except InputError as exc:
        return str(exc)


def read_matrix_or_error(path: Path, settings: InputSettings, arrow: bool):
    return tabular.read_matrix(path, settings, raw=path.read_bytes(), arrow=arrow)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_arrow_reader_gives_exactly_what_the_plain_reader_gives(tmp_path_factory, data):
    """Values, labels and their types, or the very same one-line error: Arrow never decides alone."""
    n_cols = data.draw(st.integers(1, 5))
    n_rows = data.draw(st.integers(0, 5))
    delimiter = data.draw(st.sampled_from([",", "\t"]))
    newline = data.draw(st.sampled_from(["\n", "\r\n", "\r"]))
    numbers = st.floats(-1e6, 1e6, allow_nan=False).map(repr)
    odd = data.draw(st.sampled_from([0.0, 0.05, 0.3]))  # share of tricky cells: most files are clean
    cell = st.floats(0, 1).flatmap(lambda u: st.sampled_from(_TOKENS) if u < odd else numbers)
    header = ["token"] + [data.draw(st.sampled_from(_LABELS)) if data.draw(st.floats(0, 1)) < odd else str(c)
                          for c in range(n_cols)]
    lines = [delimiter.join(header)]
    for r in range(n_rows):
        label = data.draw(st.sampled_from(_LABELS)) if data.draw(st.floats(0, 1)) < odd else str(r)
        width = n_cols + (data.draw(st.sampled_from([1, -1])) if data.draw(st.floats(0, 1)) < odd else 0)
        lines.append(delimiter.join([label] + [data.draw(cell) for _ in range(max(0, width))]))
        if data.draw(st.floats(0, 1)) < odd:
            lines.append(data.draw(st.sampled_from(["", " ", delimiter * n_cols])))
    text = ("\ufeff" if data.draw(st.booleans()) else "") + newline.join(lines) + data.draw(
        st.sampled_from([newline, ""]))
    path = tmp_path_factory.mktemp("csv") / ("t.tsv" if delimiter == "\t" else "t.csv")
    path.write_bytes(text.encode("utf-8"))
    limits = InputSettings(max_cells=data.draw(st.sampled_from([10**6, 6])))
    fast, plain = _read(path, True, limits), _read(path, False, limits)
    if isinstance(plain, str) or isinstance(fast, str):
        assert fast == plain
        return
    assert (fast.rows, fast.columns, fast.kind) == (plain.rows, plain.columns, plain.kind)
    assert [type(x) for x in fast.rows + fast.columns] == [type(x) for x in plain.rows + plain.columns]
    np.testing.assert_array_equal(fast.values, plain.values)


def test_the_arrow_reader_is_the_one_used_for_a_plain_numeric_csv(tmp_path, monkeypatch):
    """A plain wide numeric file really takes the Arrow path (the equivalence test is not vacuous)."""
    path = tmp_path / "m.csv"
    path.write_text("token,0,1,2\n0,0.1,0.2,0.7\n1,0.3,,0.4\n", encoding="utf-8")
    from generator.load import fast_csv

    calls = []
    real = fast_csv.read_wide
    monkeypatch.setattr(tabular, "read_wide", lambda *a: calls.append(real(*a)) or calls[-1])
    matrix = tabular.read_matrix(path, InputSettings())
    assert calls and calls[0] is not None
    assert matrix.rows == (0, 1) and matrix.columns == (0, 1, 2)
    np.testing.assert_array_equal(matrix.values, [[0.1, 0.2, 0.7], [0.3, np.nan, 0.4]])


# --- block summaries of big charts (render.blocks) against the plain per-block loop ---------------

from collections import Counter  # noqa: E402

from generator.render.blocks import block_means, block_modes  # noqa: E402


def _plain_blocks(levels, values, block):
    modes, means = [], []
    for r in range(0, levels.shape[0], block):
        mode_row, mean_row = [], []
        for c in range(0, levels.shape[1], block):
            counts = Counter(x for x in levels[r:r + block, c:c + block].ravel() if x is not None)
            mode_row.append(counts.most_common(1)[0][0] if counts else None)
            cells = values[r:r + block, c:c + block]
            finite = cells[~np.isnan(cells)]
            mean_row.append(float(finite.mean()) if finite.size else float("nan"))
        modes.append(mode_row)
        means.append(mean_row)
    return modes, np.array(means)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 5), st.integers(0, 2**32 - 1), st.sampled_from([0, 0.3, 1]))
def test_block_summaries_equal_the_plain_per_block_loop(n_rows, n_cols, block, seed, missing):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 4, (n_rows, n_cols)).astype(float)  # few distinct values: many ties
    values[rng.random(values.shape) < missing] = np.nan
    if np.isnan(values).all():
        values[0, 0] = 1.0
    from generator.load.dataset import Matrix

    grid = level_grid(Matrix(tuple(range(n_rows)), tuple(range(n_cols)), values, "numeric"), LevelRule(), source="t")
    modes, means = _plain_blocks(grid.levels, values, block)
    names = np.array([*grid.scheme.names, None], dtype=object)
    assert names[block_modes(grid.codes, block, len(grid.scheme.names))].tolist() == modes
    np.testing.assert_allclose(block_means(values, block), means, rtol=1e-12, equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6).map(lambda x: x / 2), min_size=2, max_size=60))
def test_the_fast_spearman_is_scipys(values):
    """The trend test's rho (numpy ranks) is scipy's Spearman rho against position, ties and all."""
    from scipy import stats

    from generator.analyse.numeric_kinds import spearman

    x = np.array(values)
    expected = 0.0 if np.ptp(x) == 0 else stats.spearmanr(x, np.arange(len(x))).statistic
    assert abs(spearman(x) - expected) < 1e-12


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4).map(lambda x: x / 2), min_size=6, max_size=6), min_size=1, max_size=5))
def test_spearman_of_every_row_at_once_is_each_rows(rows):
    from generator.analyse.spearman import spearman, spearman_rows

    matrix = np.array(rows)
    np.testing.assert_array_equal(spearman_rows(matrix), [spearman(r) for r in matrix])  # bit for bit


_tied_rows = st.integers(1, 6).flatmap(lambda n: st.lists(
    st.lists(st.one_of(st.integers(0, 4).map(lambda x: x / 2), st.floats(-3, 3, allow_nan=False),
                       st.sampled_from([np.inf, -np.inf, 0.0, -0.0])), min_size=n, max_size=n),
    min_size=1, max_size=6))


@settings(max_examples=200, deadline=None)
@given(_tied_rows, st.data())
def test_spearman_of_windows_is_each_windows_bit_for_bit(rows, data):
    """The batched windows (each row sorted once) give the one-at-a-time rho exactly, ties and all,
    so a rho sitting on the trend threshold is decided the same way."""
    from generator.analyse.spearman import spearman, spearman_windows

    matrix = np.array(rows)
    m, n = matrix.shape
    windows = []
    for _ in range(data.draw(st.integers(1, 3))):
        starts = np.array([data.draw(st.integers(0, n)) for _ in range(m)])
        windows.append((starts, np.array([data.draw(st.integers(int(s), n)) for s in starts])))
    for (starts, stops), got in zip(windows, spearman_windows(matrix, windows)):
        np.testing.assert_array_equal(got, [spearman(row[s:e]) for row, s, e in zip(matrix, starts, stops)])


@settings(max_examples=200, deadline=None)
@given(st.integers(4, 24).flatmap(lambda n: st.lists(st.lists(st.integers(0, 5), min_size=n, max_size=n),
                                                      min_size=1, max_size=5)),
       st.sampled_from([0.5, 0.8, 0.9, 1.0]), st.integers(4, 12))
def test_the_batched_trend_test_decides_as_the_one_at_a_time_test(rows, min_rho, min_points):
    """Small integer series sit on the thresholds often (rho = 0.9 over 5 points, = 1 over a tie-free run)."""
    from generator.analyse.numeric_kinds import series_rhos, trend_of

    matrix = np.array(rows, dtype=np.float64)
    rhos, sides = series_rhos(matrix)
    for series, rho, turns in zip(matrix, rhos, sides):
        assert trend_of(series, min_rho, min_points, float(rho), turns) == trend_of(series, min_rho, min_points)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 3).map(float), st.floats(0, 10, allow_nan=False)), min_size=5, max_size=80),
       st.sampled_from([0.3, 0.5, 0.9]), st.sampled_from([0.05, 0.2, 0.5]))
def test_concentration_skips_its_sort_only_when_the_sort_would_find_too_many_cells(mags, share, max_cells_share):
    from dataclasses import replace

    from generator.analyse.numeric_kinds import _too_spread

    s = replace(AnalysisSettings(), concentration_share=share, concentration_max_cells_share=max_cells_share)
    mags = np.array(mags)
    total = float(mags.sum())
    running = np.cumsum(mags[np.argsort(-mags, kind="stable")])  # the finder's own sum
    k = min(int(np.searchsorted(running, share * total - 1e-12 * total) + 1), len(mags))
    if _too_spread(mags, total, s):
        assert k > max_cells_share * len(mags)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10), st.integers(1, 10), st.integers(0, 2**32 - 1), st.booleans())
def test_the_region_check_floods_its_box_to_the_block_the_whole_grid_gives(height, width, seed, claimed_box):
    """The verify stage floods a region inside the rows and columns the sentence names (plus a margin);
    the block must be the one a flood over the whole grid finds, whether the box is right or not."""
    from generator.verify.numeric_kinds import _block_around, _flood

    rng = np.random.default_rng(seed)
    same = rng.random((height, width)) < rng.uniform(0.2, 0.8)
    r, c = int(rng.integers(height)), int(rng.integers(width))
    same[r, c] = True
    whole = _flood(same, r, c)
    where = np.argwhere(whole)
    box = ((where[:, 0].min(), where[:, 0].max(), where[:, 1].min(), where[:, 1].max()) if claimed_box
           else (*sorted(rng.integers(height, size=2)), *sorted(rng.integers(width, size=2))))
    np.testing.assert_array_equal(_block_around(same, r, c, tuple(int(x) for x in box)), whole)


def test_prefiltered_similar_rows_equal_the_plain_double_loop_by_matrix_products_too(monkeypatch):
    """The same property when every block's survivors are too many for the pair-by-pair rms."""
    from generator.analyse import table

    monkeypatch.setattr(table, "_DIRECT_MAX", -1)
    test_prefiltered_similar_rows_equal_the_plain_double_loop()


@settings(max_examples=200, deadline=None)
@given(_tied_rows, st.data())
def test_spearman_on_both_sides_of_a_turn_is_each_sides_bit_for_bit(rows, data):
    from generator.analyse.spearman import spearman, spearman_turns

    matrix = np.array(rows)
    m, n = matrix.shape
    turns = [np.array([data.draw(st.integers(0, n - 1)) for _ in range(m)]) for _ in range(2)]
    whole, sides = spearman_turns(matrix, turns)
    np.testing.assert_array_equal(whole, [spearman(row) for row in matrix])
    for turn, (before, after) in zip(turns, sides):
        np.testing.assert_array_equal(before, [spearman(row[: t + 1]) for row, t in zip(matrix, turn)])
        np.testing.assert_array_equal(after, [spearman(row[t:]) for row, t in zip(matrix, turn)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1, 2, 65534, 65535, 65536, 65537, 131070, 131071, 131072, 131073]),
                          st.sampled_from([",", "\n", "\r", "\t"])), min_size=1, max_size=6),
       st.sampled_from([",", "\t"]))
def test_the_field_length_check_passes_a_file_only_when_every_field_is_within_the_csv_limit(pieces, delimiter):
    """Arrow reads fields of any length; the csv module refuses those over its limit, so the fast
    path may only run when none is. Near the limit, at window edges, with every kind of break."""
    import csv
    import re

    from generator.load.fast_csv import _fields_fit

    raw = b"".join(b"a" * n + cut.encode() for n, cut in pieces)
    longest = max(len(f) for f in re.split(rb"[" + re.escape(delimiter.encode()) + rb"\r\n]", raw))
    limit = csv.field_size_limit()
    if _fields_fit(raw, delimiter):
        assert longest <= limit
    if longest < limit:
        assert _fields_fit(raw, delimiter)


_CELL = st.one_of(st.just(""), st.sampled_from(["0.5", "1", "-2", "1e-3", "1E5", "nan", "NA", "inf", " 3 ", "x", "true",
                                                 "9007199254740993", "123456789012345678901234567890", "0.1000000000000000055511151231257827"]),
                  st.floats(-5, 5, allow_nan=False).map(repr), st.integers(-10**20, 10**20).map(str))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=5))
def test_the_wide_reader_of_verify_gives_what_its_general_reader_gives(body):
    """The float read of a wide table (``_wide_numbers``) is a shortcut: where it answers, the general
    reader (every cell as text, then cast) must find the same cells present and the same floats.
    Hypothesis found two places where they parted: Arrow's default missing-value spellings ("NA")
    and a NaN written in a cell (present as text, missing as a float)."""
    from generator.verify import source

    lines = ["row,a,b,c"] + [f"r{i}," + ",".join(cells) for i, cells in enumerate(body)]
    raw = ("\n".join(lines) + "\n").encode()
    fast = source._wide_numbers(raw, ".csv", ("row", "column", "value"))
    if fast is None:
        return
    header, columns = source._strings(raw, ".csv")
    data = [source.pc.utf8_trim_whitespace(c) for c in columns[1:]]
    general = source._floats(data)
    header_fast, labels, values = fast
    assert header_fast == header and labels == columns[0].to_pylist()
    assert general is not None, "the shortcut read numbers where the general reader finds text"
    present = np.column_stack([source.pc.not_equal(c, "").to_numpy(zero_copy_only=False) for c in data])
    np.testing.assert_array_equal(~np.isnan(values), present)
    np.testing.assert_array_equal(values, general)
