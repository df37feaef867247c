from datetime import UTC, date, datetime, time, timedelta

from tug_portal.meetings.phone import tel_uri
from tug_portal.meetings.recurrence import describe_rrule, occurrence_dates
from tug_portal.meetings.timeutil import format_time_range, local_span_to_utc, local_to_utc

PACIFIC = "America/Los_Angeles"


def test_ten_am_pacific_before_spring_forward_is_six_pm_utc():
    assert local_to_utc(date(2019, 3, 5), time(10), PACIFIC) == datetime(2019, 3, 5, 18, tzinfo=UTC)


def test_ten_am_pacific_after_spring_forward_is_five_pm_utc():
    assert local_to_utc(date(2019, 3, 12), time(10), PACIFIC) == datetime(
        2019, 3, 12, 17, tzinfo=UTC
    )


def test_ten_am_pacific_either_side_of_fall_back():
    assert local_to_utc(date(2018, 10, 30), time(10), PACIFIC).hour == 17
    assert local_to_utc(date(2018, 11, 6), time(10), PACIFIC).hour == 18


def test_span_without_end_uses_duration_and_end_past_midnight_rolls_over():
    starts, ends = local_span_to_utc(
        date(2018, 10, 16), time(10), None, PACIFIC, timedelta(hours=1)
    )
    assert ends - starts == timedelta(hours=1)
    starts, ends = local_span_to_utc(date(2018, 10, 16), time(23), time(1), PACIFIC, timedelta())
    assert ends - starts == timedelta(hours=2)


def test_time_range_shares_meridiem_when_it_can():
    assert format_time_range(time(10), time(11)) == "10:00-11:00 AM"
    assert format_time_range(time(11, 30), time(12, 30)) == "11:30 AM-12:30 PM"
    assert format_time_range(time(14), time(15)) == "2:00-3:00 PM"


def test_tel_uri_dials_number_then_access_code_and_pound():
    assert tel_uri("(866) 528-2256", "389 588 9") == "tel:+18665282256,,3895889%23"
    assert tel_uri("+44 20 7946 0958") == "tel:+442079460958"


def test_recurrence_every_other_tuesday():
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    start = date(2018, 10, 16)

    assert describe_rrule(rule, start) == "every other Tuesday"
    assert occurrence_dates(rule, start, after=date(2018, 10, 17), count=2) == [
        date(2018, 10, 30),
        date(2018, 11, 13),
    ]


def test_recurrence_first_thursday_of_the_month():
    assert describe_rrule("FREQ=MONTHLY;BYDAY=1TH", date(2018, 11, 1)) == (
        "the first Thursday of every month"
    )
