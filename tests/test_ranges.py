from hypothesis import given
from hypothesis import strategies as st

from generator.analyse.ranges import compress, expand


def test_the_seed_high_positions_compress_to_step_two_ranges_without_two_member_ranges():
    high = [16, 18, 20, 24, 26, 28, 36, 44, 46, 50, 52, 54, 56, 60, 62, 68, 72, 74, 76, 80]
    ranges = compress(high, unit=1)
    assert ranges[:3] == [[16, 20, 2], [24, 28, 2], [36, 36, 1]]
    assert [44, 44, 1] in ranges and [46, 46, 1] in ranges  # never "44–46"
    assert expand(ranges) == high


def test_neighbours_one_unit_apart_form_a_range():
    assert compress([3, 4], unit=1) == [[3, 4, 1]]


@given(st.sets(st.integers(-50, 200), max_size=60))
def test_expand_inverts_compress(values):
    assert expand(compress(sorted(values))) == sorted(values)


@given(st.sets(st.integers(-50, 200), max_size=60))
def test_every_range_with_a_wide_step_has_three_or_more_members(values):
    for first, last, step in compress(sorted(values)):
        if first != last and step != 1:
            assert (last - first) / step >= 2
