"""Meetings → iCalendar (RFC 5545, with RFC 7986's NAME, REFRESH-INTERVAL and CONFERENCE).

Pure functions: they read the meetings they are given, as `facts.MeetingFacts` (feeds load them
with `selectors.feed_event_facts`) or as meetings loaded with
`meetings.selectors.meetings_with_calendar_facts`, and settings, and query nothing else.
`calendar_ics` writes the calendar one event at a time (see there why).

What calendar clients rely on:
- UID never changes once published (the meeting's uuid at a stable domain), so an edit updates
  the event instead of duplicating it; PRODID is stable too.
- SEQUENCE and LAST-MODIFIED come from the meeting's calendar state, which the core bumps on
  every change a calendar shows; a cancelled meeting stays as STATUS:CANCELLED so that clients
  remove it.
- Times are written in the meeting's zone with a VTIMEZONE of RRULE-based observances.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vDuration, vText, vUri

from tug_portal.meetings.models import Meeting

from .describe import (
    clean_text,
    meeting_description,
    meeting_location,
    meeting_summary,
)
from .facts import MeetingFacts, event_facts
from .links import meeting_ics_url
from .vtimezone import vtimezone

PRODID = "-//TUG Portal//Meeting calendars//EN"
# Clients that honour it (Apple, Outlook, Thunderbird) check a subscription this often.
REFRESH_INTERVAL = timedelta(hours=1)

EVENT_STATUS = {
    Meeting.Status.SCHEDULED: "CONFIRMED",
    Meeting.Status.HELD: "CONFIRMED",
    Meeting.Status.TENTATIVE: "TENTATIVE",
    Meeting.Status.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class CalendarInfo:
    """What a calendar says about itself."""

    name: str
    description: str
    time_zone: str
    source_url: str = ""


def event_uid(meeting) -> str:
    return f"{meeting.uid}@{settings.TUG_ICAL_UID_DOMAIN}"


def _conferences(event: Event, meeting) -> None:
    """RFC 7986 CONFERENCE: clients with a "join" button (Apple, Thunderbird) use these. None
    for a cancelled meeting: its event stays (STATUS:CANCELLED) but offers no way to join."""
    if meeting.is_cancelled:
        return
    if meeting.web_conference_url:
        event.add(
            "conference",
            vUri(meeting.web_conference_url),
            parameters={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO", "SCREEN"], "LABEL": "Web"},
        )
    for dial_in in meeting.dial_ins:
        event.add(
            "conference",
            vUri(dial_in.tel_uri),
            parameters={
                "VALUE": "URI",
                "FEATURE": ["PHONE"],
                "LABEL": clean_text(dial_in.label, single_line=True) or "Phone",
            },
        )


def _attachments(event: Event, meeting) -> None:
    """RFC 5545 ATTACH: each public material by URI, with its checked type (FMTTYPE) when it is
    a file of the portal's (a link's type is not known)."""
    for material in meeting.materials:
        parameters = {"FMTTYPE": material.content_type} if material.content_type else {}
        event.add("attach", vUri(material.url), parameters=parameters)


def _categories(meeting) -> list[str]:
    systems = {code for topic in meeting.topics for code in topic.systems}
    return [meeting.program.acronym, *sorted(systems)]


def _organizer(event: Event, meeting) -> None:
    contact = meeting.effective_contact
    if contact and contact.email:
        event.add(
            "organizer",
            vUri(f"mailto:{contact.email}"),
            parameters={"CN": clean_text(contact.name, single_line=True)},
        )


def meeting_event(meeting: MeetingFacts, *, now: datetime) -> Event:
    event = Event()
    event.add("uid", event_uid(meeting))
    event.add("dtstamp", now)
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.calendar_changed_at or meeting.updated_at)
    event.add("sequence", meeting.calendar_sequence)
    event.add("dtstart", meeting.local_start)
    event.add("dtend", meeting.local_end)
    event.add("status", EVENT_STATUS[meeting.status])
    event.add("summary", meeting_summary(meeting))
    event.add("description", meeting_description(meeting, now=now))
    if location := meeting_location(meeting):
        event.add("location", location)
    event.add("url", vUri(meeting.page_url))
    _conferences(event, meeting)
    _attachments(event, meeting)
    event.add("categories", _categories(meeting))
    _organizer(event, meeting)
    return event


def _calendar(info: CalendarInfo) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = clean_text(info.name, single_line=True)
    calendar.add("name", name)
    calendar.add("x-wr-calname", vText(name))
    if description := clean_text(info.description):
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", vText(description))
    calendar.add("x-wr-timezone", info.time_zone)
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    if info.source_url:
        calendar.add("source", vUri(info.source_url), parameters={"VALUE": "URI"})
    return calendar


def _add_timezones(calendar: Calendar, meetings) -> None:
    """One VTIMEZONE per zone the events use, right for every event written in it."""
    spans: dict[str, list[datetime]] = defaultdict(list)
    for meeting in meetings:
        spans[meeting.time_zone] += [meeting.starts_at, meeting.ends_at]
    for tz_name, instants in sorted(spans.items()):
        calendar.add_component(vtimezone(tz_name, min(instants), max(instants)))


# What `Calendar.to_ical` writes after the last component.
CALENDAR_END = b"END:VCALENDAR\r\n"


def calendar_ics(meetings, *, info: CalendarInfo, now: datetime | None = None) -> bytes:
    """RFC 5545 bytes (UTF-8, CRLF line ends, lines folded at 75 octets) of a calendar of the
    given meetings; `now` is the one DTSTAMP of the whole build.

    The same bytes as serializing one Calendar holding every event, but each event is
    serialized as soon as it is built: a whole-archive feed never holds its thousand event
    trees at once, which spares memory and the garbage collector's full passes over them
    (with them all held, those took about a quarter of the build's time)."""
    now = (now or timezone.now()).astimezone(UTC).replace(microsecond=0)
    meetings = [event_facts(meeting) for meeting in meetings]
    calendar = _calendar(info)
    _add_timezones(calendar, meetings)
    head = calendar.to_ical().removesuffix(CALENDAR_END)
    events = (meeting_event(meeting, now=now).to_ical() for meeting in meetings)
    return b"".join([head, *events, CALENDAR_END])


def build_meeting_ics(meeting, *, now: datetime | None = None) -> bytes:
    """One meeting as a standalone calendar, for mail attachments and downloads. Pass a meeting
    from `meetings_with_calendar_facts` (or `meeting_get`) to avoid a query per fact."""
    info = CalendarInfo(
        name=meeting_summary(meeting),
        description="",
        time_zone=meeting.time_zone,
        source_url=meeting_ics_url(meeting),
    )
    return calendar_ics([meeting], info=info, now=now)
