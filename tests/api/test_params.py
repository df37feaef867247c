from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tug_portal.api.params import instant, parse_date_or_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-10-16", date(2018, 10, 16)),
        ("2018-10-16T00:00:00", datetime(2018, 10, 16, 0, 0)),
        ("2018-10-16T10:00:00-07:00", datetime(2018, 10, 16, 17, 0, tzinfo=UTC)),
        ("2018-10-16 10:00Z", datetime(2018, 10, 16, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_date_or_datetime_tells_a_day_from_a_moment(text, expected):
    assert parse_date_or_datetime(text) == expected
    assert type(parse_date_or_datetime(text)) is type(expected)


@pytest.mark.parametrize("text", ["1539700000", "yesterday", "16/10/2018", ""])
def test_parse_date_or_datetime_refuses_anything_else(text):
    with pytest.raises(ValueError, match="expected an ISO 8601 date"):
        parse_date_or_datetime(text)


def test_instant_of_a_day_is_its_pacific_midnight():
    assert instant(date(2018, 10, 16)) == datetime(2018, 10, 16, 7, 0, tzinfo=UTC)


def test_instant_of_a_day_that_ends_is_the_next_pacific_midnight():
    assert instant(date(2018, 10, 16), day_ends=True) == datetime(2018, 10, 17, 7, 0, tzinfo=UTC)


def test_instant_of_a_time_without_offset_is_read_in_pacific_time():
    assert instant(datetime(2018, 12, 1, 9, 30)) == datetime(2018, 12, 1, 17, 30, tzinfo=UTC)


def test_instant_of_a_time_with_offset_keeps_it():
    plus_two = timezone(timedelta(hours=2))

    assert instant(datetime(2018, 12, 1, 9, 30, tzinfo=plus_two)) == datetime(
        2018, 12, 1, 7, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("value", "day_ends", "expected"),
    [
        (date.max, True, datetime.max.replace(tzinfo=UTC)),
        (datetime.max, False, datetime.max.replace(tzinfo=UTC)),
        (
            datetime.min.replace(tzinfo=timezone(timedelta(hours=14))),
            False,
            datetime.min.replace(tzinfo=UTC),
        ),
    ],
)
def test_instant_beyond_what_a_datetime_holds_is_clamped(value, day_ends, expected):
    assert instant(value, day_ends=day_ends) == expected


def test_instant_of_nothing_is_nothing():
    assert instant(None) is None
