from datetime import UTC, date, datetime, timedelta

from tug_portal.digest import schedule

PACIFIC, BERLIN = "America/Los_Angeles", "Europe/Berlin"


def test_monday_eight_stays_eight_local_across_the_autumn_change():
    # US clocks go back on Sunday 2026-11-01: 08:00 Pacific is 15:00 UTC before, 16:00 after.
    before = schedule.send_moment(week=date(2026, 10, 26), weekday=0, hour=8, time_zone=PACIFIC)
    after = schedule.send_moment(week=date(2026, 11, 2), weekday=0, hour=8, time_zone=PACIFIC)
    assert before == datetime(2026, 10, 26, 15, tzinfo=UTC)
    assert after == datetime(2026, 11, 2, 16, tzinfo=UTC)


def test_monday_eight_stays_eight_local_across_the_spring_change():
    before = schedule.send_moment(week=date(2026, 3, 2), weekday=0, hour=8, time_zone=PACIFIC)
    after = schedule.send_moment(week=date(2026, 3, 9), weekday=0, hour=8, time_zone=PACIFIC)
    assert (before.hour, after.hour) == (16, 15)


def test_an_hour_that_does_not_exist_that_day_is_read_as_the_clock_before_the_change():
    # 02:00 on Sunday 2026-03-08 does not exist in Pacific: it is 10:00 UTC (03:00 PDT).
    moment = schedule.send_moment(week=date(2026, 3, 2), weekday=6, hour=2, time_zone=PACIFIC)
    assert moment == datetime(2026, 3, 8, 10, tzinfo=UTC)


def test_the_week_is_the_subscribers_local_one():
    # Monday 00:30 in Berlin is still Sunday in UTC: the Berlin reader's week has begun.
    now = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    found = schedule.moments_near(
        now=now, weekday=0, hour=1, time_zone=BERLIN, ahead=timedelta(hours=1), grace=timedelta(0)
    )
    assert found == [(date(2026, 3, 2), datetime(2026, 3, 2, 0, tzinfo=UTC))]


def test_moments_near_finds_last_weeks_moment_within_the_grace_across_the_weeks_end():
    # Sunday 23:00 Pacific, 2 hours later it is Monday: last week's moment is still in grace.
    now = datetime(2026, 3, 9, 9, tzinfo=UTC)  # Monday 02:00 PDT
    found = schedule.moments_near(
        now=now,
        weekday=6,
        hour=23,
        time_zone=PACIFIC,
        ahead=timedelta(hours=1),
        grace=timedelta(hours=6),
    )
    assert found == [(date(2026, 3, 2), datetime(2026, 3, 9, 6, tzinfo=UTC))]
