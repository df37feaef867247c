"""The event writer gives the bytes icalendar gives for the same properties, whatever the text
(escapes, commas in parameters, multi-byte characters at a fold), the zone and the status."""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Event

from tug_portal.calendars.builders import meeting_event, meeting_event_bytes
from tug_portal.calendars.facts import (
    ContactFacts,
    DialInFacts,
    MeetingFacts,
    ProgramFacts,
    TopicFacts,
)
from tug_portal.calendars.ics_writer import STAMP, property_line, stamp_line

NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
# Letters, digits, the characters RFC 5545 escapes, quotes, carets, accents, CJK and emoji.
TEXT = st.text(
    alphabet=st.sampled_from(list("aZ9 ,;:\\\"'^\n\r\t-–éß漢😀’")) | st.characters(codec="utf-8"),
    max_size=120,
)
ZONES = st.sampled_from(["America/Los_Angeles", "America/Denver", "Europe/Paris", "UTC"])


@st.composite
def meetings(draw) -> MeetingFacts:
    starts_at = datetime(2018, 1, 2, 18, tzinfo=UTC) + timedelta(days=draw(st.integers(0, 4000)))
    contact = draw(st.none() | st.builds(ContactFacts, name=TEXT, email=st.just("a@b.org")))
    topics = st.builds(
        TopicFacts,
        title=TEXT,
        start_time=st.none() | st.just(time(10)),
        end_time=st.just(time(10, 30)),
        facilitators=st.lists(TEXT, max_size=2).map(tuple),
        systems=st.lists(st.sampled_from(["DRRS", "OMS", "A,B"]), max_size=2).map(tuple),
    )
    dial_ins = st.builds(
        DialInFacts, label=TEXT, number=st.just("(866) 528-2256"), access_code=st.just("389")
    )
    return MeetingFacts(
        uid=uuid.UUID(int=draw(st.integers(0, 2**128 - 1))),
        slug="tug-2018-01-02",
        title=draw(TEXT),
        program=ProgramFacts(acronym=draw(st.sampled_from(["TUG", "C;G"])), contact=contact),
        contact=draw(st.none() | st.builds(ContactFacts, name=TEXT, email=st.just("c@d.org"))),
        status=draw(st.sampled_from(list(MeetingFacts.Status))),
        time_zone=draw(ZONES),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        created_at=NOW - timedelta(days=3),
        updated_at=NOW - timedelta(days=1),
        calendar_sequence=draw(st.integers(0, 50)),
        calendar_changed_at=draw(st.none() | st.just(NOW - timedelta(days=2))),
        change_summary=draw(TEXT),
        web_conference_url=draw(st.sampled_from(["", "https://example.webex.com/meet/x?a=1,2"])),
        meeting_number=draw(TEXT),
        web_access_code="",
        is_recorded=draw(st.booleans()),
        recording_url=draw(st.sampled_from(["", "https://rec.example.org/1"])),
        recording_available_until=draw(st.none() | st.just(date(2026, 6, 30))),
        cancellation_reason=draw(TEXT),
        replacement_slug="",
        topics=tuple(draw(st.lists(topics, max_size=3))),
        dial_ins=tuple(draw(st.lists(dial_ins, max_size=2))),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(meeting=meetings())
def test_event_bytes_are_icalendars_for_any_text_zone_and_status(meeting):
    expected = meeting_event(meeting, now=NOW).to_ical()

    written, stamp_at = meeting_event_bytes(meeting, now=NOW)
    assert written == expected
    assert stamp_at == -1


@settings(max_examples=50, deadline=None)
@given(meeting=meetings())
def test_event_written_without_dtstamp_takes_the_builds_line_at_its_offset(meeting):
    expected = meeting_event(meeting, now=NOW).to_ical()

    piece, stamp_at = meeting_event_bytes(meeting, now=NOW, stamp=STAMP)
    assert piece[:stamp_at] + stamp_line(NOW) + piece[stamp_at:] == expected


# Long lines of any text: ASCII and multi-byte characters, and escapes and carets (a backslash
# escape is never split from what it escapes) around every fold.
LONG_TEXT = st.text(
    alphabet=st.sampled_from(list("a \\^,;\n–é漢😀")) | st.characters(codec="utf-8"),
    min_size=60,
    max_size=400,
)


@settings(max_examples=500, deadline=None)
@given(text=LONG_TEXT)
def test_a_long_line_is_folded_as_icalendar_folds_it(text):
    event = Event()
    event.add("description", text)
    expected = event.to_ical().removeprefix(b"BEGIN:VEVENT\r\n").removesuffix(b"\r\nEND:VEVENT\r\n")

    assert property_line("description", text, None).encode() == expected
