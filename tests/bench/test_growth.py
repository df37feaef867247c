"""Growth from the small dataset to the large one: each row's cost at both sizes, and one
verdict per row."""

from bench.growth import FLAT, LINEAR, combine, combine_all, format_grown_table
from bench.table import FAILED, MET, MISSED, RECORDED, Row, Target

TEN = Target("<=", 10)


def _row(key, ratio, target=TEN):
    return Row(key=key, name=f"row {key}", ratio=ratio, target=target).settle()


def test_growth_is_the_ratio_at_the_large_size_over_the_small_one():
    grown = combine(_row("8a", 4.0), _row("8a", 4.4))

    assert round(grown.growth, 3) == 1.1
    assert (grown.growth_target, grown.status) == (FLAT, MET)


def test_a_page_that_grows_with_the_archive_misses_although_both_sizes_meet_their_target():
    grown = combine(_row("8c", 4.0), _row("8c", 8.0))

    assert grown.status == MISSED


def _build(key, ratio, events, target):
    """A row of a feed build, measured against a build of the whole archive (which grows with
    the data as the archive does)."""
    return Row(
        key=key, name=f"row {key}", ratio=ratio, target=target, figures={"events": events}
    ).settle()


def test_the_cold_build_may_grow_linearly():
    small = _build("3c", 0.80, 1294, Target("<=", 1))

    grown = combine(small, _build("3c", 0.81, 5194, Target("<=", 1)))

    assert grown.growth_target == LINEAR
    assert (round(grown.growth, 2), grown.status) == (4.06, MET)


def test_a_builds_growth_is_its_ratios_times_the_archives():
    # Its baseline (a bare build of the same archive) grows fourfold too: a ratio up by a third
    # is a build that grew a third faster than the data.
    grown = combine(
        _build("3", 0.10, 1000, Target("<=", 1.5)), _build("3", 0.13, 4000, Target("<=", 1.5))
    )

    assert (round(grown.growth, 2), grown.status) == (5.2, MISSED)


def test_the_one_edit_rebuild_must_not_grow_with_the_archive():
    # Against the cold build it is measured by, it even looks smaller at the larger size: at
    # 42.9 and 83.0 ms, the figures of a run on SQLite.
    small = _build("3d", 0.0427, 1294, Target("<=", 0.05))
    large = _build("3d", 0.0216, 5194, Target("<=", 0.05))

    grown = combine(small, large)

    assert (grown.growth_target, round(grown.growth, 2), grown.status) == (FLAT, 2.03, MISSED)
    assert combine(small, _build("3d", 0.012, 5194, Target("<=", 0.05))).status == MET


def test_a_throughput_row_grows_when_its_ratio_falls():
    grown = combine(_row("4", 0.8, Target(">=", 0.5)), _row("4", 0.4, Target(">=", 0.5)))

    assert grown.growth == 2.0
    assert grown.status == MISSED  # missed at the large size


def test_a_row_missed_at_either_size_is_missed():
    assert combine(_row("8a", 12.0), _row("8a", 5.0)).status == MISSED


def test_a_row_without_targets_is_recorded_with_its_growth():
    grown = combine(_row("6a", 1.3, None), _row("6a", 1.5, None))

    assert grown.status == RECORDED
    assert round(grown.growth, 2) == 1.15


def test_a_failed_size_fails_the_row_and_has_no_growth():
    failed = Row.failed("8e", "admin", Target("<=", 20), ValueError("boom"))

    grown = combine(_row("8e", 5.0), failed)

    assert (grown.status, grown.growth) == (FAILED, None)


def test_without_the_large_size_rows_keep_their_own_verdict():
    grown = combine_all([_row("8a", 4.0), _row("8b", 11.0)], None)

    assert [row.status for row in grown] == [MET, MISSED]
    assert "| 8b " in format_grown_table(grown)
