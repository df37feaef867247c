from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from tug_portal.calendars.vtimezone import vtimezone

PACIFIC_2007_RULES = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:America/Los_Angeles\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "DTSTART:20070311T020000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"
    "TZNAME:PDT\r\n"
    "TZOFFSETFROM:-0800\r\n"
    "TZOFFSETTO:-0700\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:20071104T020000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"
    "TZNAME:PST\r\n"
    "TZOFFSETFROM:-0700\r\n"
    "TZOFFSETTO:-0800\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_vtimezone_for_recent_pacific_events_is_the_2007_rules_as_rrules():
    component = vtimezone("America/Los_Angeles", _utc(2016, 1, 5), _utc(2028, 12, 1))

    assert component.to_ical().decode() == PACIFIC_2007_RULES


def test_vtimezone_reaching_before_2007_closes_the_old_rules_with_until():
    component = vtimezone("America/Los_Angeles", _utc(2005, 6, 1), _utc(2018, 10, 16))

    text = component.to_ical().decode()
    assert "RRULE:FREQ=YEARLY;UNTIL=20060402T100000Z;BYDAY=1SU;BYMONTH=4\r\n" in text
    assert "RRULE:FREQ=YEARLY;UNTIL=20061029T090000Z;BYDAY=-1SU;BYMONTH=10\r\n" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n" in text
    assert "RDATE" not in text


def _offsets_read_by_vobject(component):
    text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n"
    text += component.to_ical().decode() + "END:VCALENDAR\r\n"
    return vobject.readOne(text).vtimezone.gettzinfo()


def _unambiguous_local_times(zone: ZoneInfo, first: datetime, last: datetime):
    """Every 11 hours from first to last (so every hour of the day in turn), as wall-clock
    times that exist exactly once."""
    instant = first
    while instant < last:
        local = instant.astimezone(zone).replace(tzinfo=None)
        if local.replace(tzinfo=zone, fold=1).utcoffset() == local.replace(tzinfo=zone).utcoffset():
            yield local, instant.astimezone(zone).utcoffset()
        instant += timedelta(hours=11)


@pytest.mark.parametrize(
    ("tz_name", "first", "last"),
    [
        ("America/Los_Angeles", _utc(2016, 1, 1), _utc(2030, 12, 31)),
        ("America/Los_Angeles", _utc(1999, 1, 1), _utc(2009, 12, 31)),
        ("Europe/Berlin", _utc(2016, 1, 1), _utc(2030, 12, 31)),
        ("Australia/Sydney", _utc(2016, 1, 1), _utc(2030, 12, 31)),
        ("America/Phoenix", _utc(2016, 1, 1), _utc(2020, 12, 31)),
    ],
)
def test_vtimezone_gives_the_zoneinfo_offset_at_every_local_time(tz_name, first, last):
    component = vtimezone(tz_name, first, last)

    read = _offsets_read_by_vobject(component)

    zone = ZoneInfo(tz_name)
    wrong = [
        local
        for local, offset in _unambiguous_local_times(zone, first, last)
        if local.replace(tzinfo=read).utcoffset() != offset
    ]
    assert wrong == []


def test_vtimezone_for_an_instant_before_its_first_observance_still_describes_the_zone():
    """Found from outside: a meeting in year 1 (max() of no transition) stopped every feed
    holding it. Meetings are now kept within 1970-2099; the zone's description still copes."""
    component = vtimezone(
        "America/Los_Angeles", datetime(1, 1, 2, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)
    )

    assert component.walk("STANDARD")
