"""Meetings → iCalendar (RFC 5545, with RFC 7986's NAME, REFRESH-INTERVAL and CONFERENCE).

Pure functions: they read the meetings they are given, as `facts.MeetingFacts` (feeds load them
with `selectors.feed_event_facts`) or as meetings loaded with
`meetings.selectors.meetings_with_calendar_facts`, and settings, and query nothing else.
`event_properties` is the one place that says what an event holds; `ics_writer` writes it
(the same bytes icalendar writes, without its component trees).

What calendar clients rely on:
- UID never changes once published (the meeting's uuid at a stable domain), so an edit updates
  the event instead of duplicating it; PRODID is stable too.
- SEQUENCE and LAST-MODIFIED come from the meeting's calendar state, which the core bumps on
  every change a calendar shows; a cancelled meeting stays as STATUS:CANCELLED so that clients
  remove it.
- Times are written in the meeting's zone with a VTIMEZONE of RRULE-based observances.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import chain

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
from .ics_responses import pieces_etag
from .ics_writer import event_bytes, stamp_line
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


def _conferences(meeting) -> list:
    """RFC 7986 CONFERENCE: clients with a "join" button (Apple, Thunderbird) use these. None
    for a cancelled meeting: its event stays (STATUS:CANCELLED) but offers no way to join."""
    if meeting.is_cancelled:
        return []
    conferences = []
    if meeting.web_conference_url:
        web = {"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO", "SCREEN"], "LABEL": "Web"}
        conferences.append(("conference", vUri(meeting.web_conference_url), web))
    for dial_in in meeting.dial_ins:
        label = clean_text(dial_in.label, single_line=True) or "Phone"
        phone = {"VALUE": "URI", "FEATURE": ["PHONE"], "LABEL": label}
        conferences.append(("conference", vUri(dial_in.tel_uri), phone))
    return conferences


def _attachments(meeting) -> list:
    """RFC 5545 ATTACH: each public material by URI, with its checked type (FMTTYPE) when it is
    a file of the portal's (a link's type is not known)."""
    return [
        ("attach", vUri(m.url), {"FMTTYPE": m.content_type} if m.content_type else None)
        for m in meeting.materials
    ]


def _categories(meeting) -> list[str]:
    systems = {code for topic in meeting.topics for code in topic.systems}
    return [meeting.program.acronym, *sorted(systems)]


def _organizer(meeting) -> list:
    contact = meeting.effective_contact
    if not (contact and contact.email):
        return []
    cn = {"CN": clean_text(contact.name, single_line=True)}
    return [("organizer", vUri(f"mailto:{contact.email}"), cn)]


def event_properties(meeting: MeetingFacts, *, now: datetime, stamp=None) -> list:
    """Every property of the meeting's VEVENT, as (name, value, parameters): the one place
    that says what an event holds (`ics_writer` says how it is written, and in which order).
    `now` decides what depends on the day (the change note, the recording); DTSTAMP is
    `stamp`, by default `now` (`ics_writer.STAMP` leaves it to the feed's assembly)."""
    properties = [
        ("uid", event_uid(meeting), None),
        ("dtstamp", now if stamp is None else stamp, None),
        ("created", meeting.created_at, None),
        ("last-modified", meeting.calendar_changed_at or meeting.updated_at, None),
        ("sequence", meeting.calendar_sequence, None),
        ("dtstart", meeting.local_start, None),
        ("dtend", meeting.local_end, None),
        ("status", EVENT_STATUS[meeting.status], None),
        ("summary", meeting_summary(meeting), None),
        ("description", meeting_description(meeting, now=now), None),
    ]
    if location := meeting_location(meeting):
        properties.append(("location", location, None))
    properties.append(("url", vUri(meeting.page_url), None))
    properties += _conferences(meeting)
    properties += _attachments(meeting)
    properties.append(("categories", _categories(meeting), None))
    properties += _organizer(meeting)
    return properties


def meeting_event(meeting: MeetingFacts, *, now: datetime) -> Event:
    """The event as an icalendar component (the library's reading of the same properties;
    the feeds write `event_properties` with `ics_writer`, which gives the same bytes)."""
    event = Event()
    for name, value, parameters in event_properties(meeting, now=now):
        event.add(name, value, parameters=parameters)
    return event


def meeting_event_bytes(meeting: MeetingFacts, *, now: datetime, stamp=None) -> tuple[bytes, int]:
    """The event's bytes (see `ics_writer.event_bytes`)."""
    return event_bytes(event_properties(event_facts(meeting), now=now, stamp=stamp))


def _calendar(info: CalendarInfo) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = clean_text(info.name, single_line=True)
    # TEXT (RFC 7986), escaped: icalendar writes a property it does not know as it is.
    calendar.add("name", vText(name))
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


@lru_cache(maxsize=256)
def _vtimezone_ical(tz_name: str, first: datetime, last: datetime) -> bytes:
    # Every build of a feed asks for the same spans: computing the eras once is enough.
    return vtimezone(tz_name, first, last).to_ical()


def time_zone_spans(meetings) -> dict[str, tuple[datetime, datetime]]:
    """{zone: (earliest, latest)} instant of the events written in each zone: what its
    VTIMEZONE must cover (the meetings need only `time_zone`, `starts_at` and `ends_at`)."""
    spans: dict[str, list[datetime]] = {}
    for meeting in meetings:  # thousands in an archive: plain comparisons, no min()/max()
        start, end = meeting.starts_at, meeting.ends_at
        low, high = (start, end) if start <= end else (end, start)
        span = spans.get(meeting.time_zone)
        if span is None:
            spans[meeting.time_zone] = [low, high]
        else:
            if low < span[0]:
                span[0] = low
            if high > span[1]:
                span[1] = high
    return {zone: (low, high) for zone, (low, high) in spans.items()}


def timezones_ical(spans: dict[str, tuple[datetime, datetime]]) -> bytes:
    """One VTIMEZONE per zone the events use (`time_zone_spans`), right for every event
    written in it."""
    return b"".join(_vtimezone_ical(tz, *span) for tz, span in sorted(spans.items()))


# What `Calendar.to_ical` writes after the last component.
CALENDAR_END = b"END:VCALENDAR\r\n"


def build_time(now: datetime | None) -> datetime:
    """A build's one instant (its DTSTAMP), to the second."""
    return (now or timezone.now()).astimezone(UTC).replace(microsecond=0)


def calendar_head(spans: dict[str, tuple[datetime, datetime]], *, info: CalendarInfo) -> bytes:
    """Everything before the first event: the calendar's properties and its VTIMEZONEs (of
    these `time_zone_spans`)."""
    # What Calendar.to_ical writes with the VTIMEZONEs as its components, written apart.
    return _calendar_ical(info) + timezones_ical(spans)


@lru_cache(maxsize=256)
def _calendar_ical(info: CalendarInfo) -> bytes:
    # A feed's properties change with its description only: rebuilds mostly ask for the same.
    return _calendar(info).to_ical().removesuffix(CALENDAR_END)


def calendar_ics(
    meetings, *, info: CalendarInfo, now: datetime | None = None, stamp: datetime | None = None
) -> bytes:
    """RFC 5545 bytes (UTF-8, CRLF line ends, lines folded at 75 octets) of a calendar of the
    given meetings; `now` is the one DTSTAMP of the whole build, unless `stamp` is given.

    The same bytes as serializing one Calendar holding every event with icalendar, but each
    event is written by `ics_writer` straight from its properties: no component tree."""
    now = build_time(now)
    stamp = build_time(stamp) if stamp is not None else None
    meetings = [event_facts(meeting) for meeting in meetings]
    events = (meeting_event_bytes(meeting, now=now, stamp=stamp)[0] for meeting in meetings)
    head = calendar_head(time_zone_spans(meetings), info=info)
    return b"".join([head, *events, CALENDAR_END])


def calendar_etag(head: bytes, digests) -> str:
    """The ETag of the calendar of this head and events of these digests (`event_store`'s
    pieces keep each event's, its DTSTAMP left out; joined ones, a layout's parts keep): the
    DTSTAMP left out, as `content_etag` does, from the digests alone (no pass over the whole)."""
    return pieces_etag(head, digests, CALENDAR_END)


def calendar_from_pieces(head: bytes, pieces, *, now: datetime) -> bytes:
    """A calendar assembled from its head and its events' pieces, with `now` as every event's
    DTSTAMP (the build's)."""
    stamp = stamp_line(now)
    # head, before, DTSTAMP, after, before, ..., end: the pieces' (before, after, digest)
    # spread out around the DTSTAMPs by slice assignment, not a Python loop over thousands of
    # events, into the one list `join` reads (a chain would be copied into another first).
    flat = list(chain.from_iterable(pieces))
    parts = [stamp] * (3 * len(pieces) + 2)
    parts[0], parts[-1] = head, CALENDAR_END
    parts[1:-1:3] = flat[0::3]
    parts[3:-1:3] = flat[1::3]
    return b"".join(parts)


def build_meeting_ics(
    meeting, *, now: datetime | None = None, stamp: datetime | None = None
) -> bytes:
    """One meeting as a standalone calendar, for mail attachments and downloads. Pass a meeting
    from `meetings_with_calendar_facts` (or `meeting_get`) to avoid a query per fact. `stamp`:
    the DTSTAMP, when not the moment of the build (a download: the calendar's last change, so
    that the bytes served under one ETag never differ)."""
    info = CalendarInfo(
        name=meeting_summary(meeting),
        description="",
        time_zone=meeting.time_zone,
        source_url=meeting_ics_url(meeting),
    )
    return calendar_ics([meeting], info=info, now=now, stamp=stamp)
