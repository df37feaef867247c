from datetime import timedelta

import pytest

from tests.calendars.parsers import vobject_calendar
from tug_portal.calendars.alarms import parse_alarms, with_alarms
from tug_portal.calendars.feed_specs import BadFeedRequest
from tug_portal.calendars.ics_responses import content_etag

CALENDAR = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n"
    b"BEGIN:VEVENT\r\nUID:a@test\r\nDTSTAMP:20181020T120000Z\r\n"
    b"DTSTART:20181016T170000Z\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n"
    b"BEGIN:VEVENT\r\nUID:b@test\r\nDTSTAMP:20181020T120000Z\r\n"
    b"DTSTART:20181030T170000Z\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ()), ("", ()), ("30", (30,)), ("15,1440", (1440, 15)), ("0, 30,30", (30, 0))],
)
def test_parse_alarms_reads_minutes_largest_first(value, expected):
    assert parse_alarms(value) == expected


@pytest.mark.parametrize("value", ["soon", "-5", "40321", "1,2,3,4,5", ","])
def test_parse_alarms_refuses_what_is_not_a_few_minutes_counts(value):
    with pytest.raises(BadFeedRequest):
        parse_alarms(value)


def test_with_alarms_adds_valarms_to_events_that_are_not_cancelled():
    data = with_alarms(CALENDAR, (30, 0))

    events = {event.uid.value: event for event in vobject_calendar(data).vevent_list}
    triggers = [alarm.trigger.value for alarm in events["a@test"].valarm_list]
    assert triggers == [timedelta(minutes=-30), timedelta(0)]
    assert not hasattr(events["b@test"], "valarm")
    assert data.count(b"BEGIN:VALARM\r\nACTION:DISPLAY\r\n") == 2


def test_content_etag_ignores_dtstamp_only():
    restamped = CALENDAR.replace(b"DTSTAMP:20181020T120000Z", b"DTSTAMP:20990101T000000Z")
    moved = CALENDAR.replace(b"DTSTART:20181016T170000Z", b"DTSTART:20181016T180000Z")

    assert content_etag(restamped) == content_etag(CALENDAR)
    assert content_etag(moved) != content_etag(CALENDAR)
