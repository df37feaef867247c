"""Reading our feeds the way calendar clients do, with two parsers that are not `icalendar`
(which builds them): vobject (uses our VTIMEZONE) and allenporter's ical (Home Assistant's)."""

from dataclasses import dataclass
from datetime import UTC, datetime

import vobject
from ical.calendar_stream import IcsCalendarStream


@dataclass(frozen=True)
class ParsedEvent:
    uid: str
    start: datetime  # UTC
    end: datetime  # UTC
    status: str
    sequence: int
    summary: str


def _vobject_events(data: bytes) -> list[ParsedEvent]:
    calendar = vobject.readOne(data.decode())
    return [
        ParsedEvent(
            uid=event.uid.value,
            start=event.dtstart.value.astimezone(UTC),
            end=event.dtend.value.astimezone(UTC),
            status=event.status.value,
            sequence=int(event.sequence.value),
            summary=event.summary.value,
        )
        for event in getattr(calendar, "vevent_list", [])
    ]


def _ical_events(data: bytes) -> list[ParsedEvent]:
    calendar = IcsCalendarStream.calendar_from_ics(data.decode())
    return [
        ParsedEvent(
            uid=event.uid,
            start=event.dtstart.astimezone(UTC),
            end=event.dtend.astimezone(UTC),
            status=str(event.status.value),
            sequence=event.sequence,
            summary=event.summary,
        )
        for event in calendar.events
    ]


def parse_events(data: bytes) -> dict[str, ParsedEvent]:
    """The events by UID, after checking that both parsers read the same events at the same
    UTC instants."""
    by_vobject, by_ical = _vobject_events(data), _ical_events(data)
    assert by_vobject == by_ical
    return {event.uid: event for event in by_vobject}


def vobject_calendar(data: bytes):
    return vobject.readOne(data.decode())
