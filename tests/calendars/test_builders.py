from datetime import UTC, date, datetime, timedelta

import pytest

from tests.calendars.parsers import parse_events, vobject_calendar
from tug_portal.calendars.builders import CalendarInfo, build_meeting_ics, calendar_ics
from tug_portal.meetings.models import Meeting, Program
from tug_portal.meetings.selectors import meetings_with_calendar_facts
from tug_portal.meetings.services import meeting_create

SITE = "https://portal.example.org"
NOW = datetime(2018, 10, 20, 12, 0, tzinfo=UTC)
INFO = CalendarInfo(name="Test feed", description="For tests.", time_zone="America/Los_Angeles")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def _build(*meetings, now=NOW) -> bytes:
    queryset = Meeting.objects.filter(pk__in=[meeting.pk for meeting in meetings])
    return calendar_ics(meetings_with_calendar_facts(queryset), info=INFO, now=now)


def _lines(data: bytes) -> list[str]:
    """Content lines, unfolded."""
    return data.replace(b"\r\n ", b"").decode().split("\r\n")


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_seed_meeting_is_at_17_to_18_utc(seed):
    data = _build(seed)

    event = parse_events(data)[f"{seed.uid}@tug-portal"]
    assert (event.start, event.end) == (_utc(2018, 10, 16, 17), _utc(2018, 10, 16, 18))
    assert "DTSTART;TZID=America/Los_Angeles:20181016T100000" in _lines(data)
    assert "DTEND;TZID=America/Los_Angeles:20181016T110000" in _lines(data)


@pytest.mark.parametrize(
    ("day", "start_utc"),
    [
        (date(2019, 3, 5), _utc(2019, 3, 5, 18)),  # before DST starts (Sunday 10 March)
        (date(2019, 3, 12), _utc(2019, 3, 12, 17)),  # after DST started
        (date(2019, 10, 29), _utc(2019, 10, 29, 17)),  # before DST ends (Sunday 3 November)
        (date(2019, 11, 5), _utc(2019, 11, 5, 18)),  # after DST ended
    ],
)
def test_meetings_around_dst_changes_are_at_the_right_instant(demo, day, start_utc):
    program = Program.objects.get(slug="tug")
    meeting = meeting_create(program=program, day=day, is_published=True)

    event = parse_events(_build(meeting))[f"{meeting.uid}@tug-portal"]

    assert (event.start, event.end) == (start_utc, start_utc + timedelta(hours=1))


def test_event_carries_identity_state_and_every_calendar_fact(seed):
    data = _build(seed)

    lines = _lines(data)
    assert f"UID:{seed.uid}@tug-portal" in lines
    assert "SUMMARY:TUG: Technology User Group" in lines
    assert "STATUS:CONFIRMED" in lines
    assert f"SEQUENCE:{seed.calendar_sequence}" in lines
    assert f"LAST-MODIFIED:{seed.calendar_changed_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in lines
    assert "DTSTAMP:20181020T120000Z" in lines
    assert "LOCATION:https://caiso.webex.com/meet/CAISO-TUG" in lines
    assert f"URL:{SITE}/meetings/tug-2018-10-16/" in lines
    assert "CATEGORIES:TUG,DRRS,OMS" in lines
    assert 'ORGANIZER;CN="Indu Nambiar":mailto:inambiar@caiso.com' in lines
    assert [line for line in lines if line.startswith("CONFERENCE")] == [
        "CONFERENCE;FEATURE=AUDIO,VIDEO,SCREEN;LABEL=Web;VALUE=URI:"
        "https://caiso.webex.com/meet/CAISO-TUG",
        "CONFERENCE;FEATURE=PHONE;LABEL=Domestic Call-In;VALUE=URI:tel:+18665282256,,3895889%23",
        "CONFERENCE;FEATURE=PHONE;LABEL=International Call-In;VALUE=URI:"
        "tel:+12167067052,,3895889%23",
    ]


def test_event_description_has_agenda_facilitators_join_details_and_page(seed):
    data = _build(seed)

    description = vobject_calendar(data).vevent.description.value
    assert description == (
        "Agenda:\n"
        "- Agenda and Roll Call (Indu Nambiar)\n"
        "- DRRS – Acceptable Use Policy Changes (Nalini Chari)\n"
        "- OMS – CPG Announcement (Justin Wong)\n"
        "\n"
        "Join the web conference: https://caiso.webex.com/meet/CAISO-TUG\n"
        "Meeting number: 966 010 353\n"
        "Access code: 389 588 9\n"
        "\n"
        "Domestic Call-In: (866) 528-2256, access code 389 588 9\n"
        "International Call-In: (216) 706-7052, access code 389 588 9\n"
        "\n"
        "This meeting is recorded.\n"
        "\n"
        f"Meeting page: {SITE}/meetings/tug-2018-10-16/\n"
        "Questions and agenda requests: Indu Nambiar, inambiar@caiso.com"
    )


def test_calendar_says_what_it_is_and_how_often_to_refresh(seed):
    lines = _lines(_build(seed))

    assert lines[:4] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//TUG Portal//Meeting calendars//EN",
        "CALSCALE:GREGORIAN",
    ]
    for line in (
        "METHOD:PUBLISH",
        "NAME:Test feed",
        "X-WR-CALNAME:Test feed",
        "DESCRIPTION:For tests.",
        "X-WR-CALDESC:For tests.",
        "X-WR-TIMEZONE:America/Los_Angeles",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert line in lines


def test_one_dtstamp_for_the_whole_build(demo):
    lines = _lines(_build(*Meeting.objects.select_related("program")))

    stamps = {line for line in lines if line.startswith("DTSTAMP")}
    assert stamps == {"DTSTAMP:20181020T120000Z"}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Meeting.Status.SCHEDULED, "CONFIRMED"),
        (Meeting.Status.HELD, "CONFIRMED"),
        (Meeting.Status.TENTATIVE, "TENTATIVE"),
        (Meeting.Status.CANCELLED, "CANCELLED"),
    ],
)
def test_meeting_status_maps_to_event_status(seed, status, expected):
    Meeting.objects.filter(pk=seed.pk).update(status=status)

    event = parse_events(_build(seed))[f"{seed.uid}@tug-portal"]

    assert event.status == expected


def test_cancelled_meeting_says_so_in_summary_and_description(seed):
    Meeting.objects.filter(pk=seed.pk).update(status=Meeting.Status.CANCELLED)

    event = vobject_calendar(_build(seed)).vevent

    assert event.summary.value == "Cancelled: TUG: Technology User Group"
    assert event.description.value.startswith("This meeting is cancelled.\n\nAgenda:\n")


def test_cancelled_meeting_description_gives_the_reason_and_the_replacement(seed):
    replacement = meeting_create(program=seed.program, day=date(2018, 10, 23), is_published=True)
    Meeting.objects.filter(pk=seed.pk).update(
        status=Meeting.Status.CANCELLED,
        cancellation_reason="Moved a week for the release.",
        replacement=replacement,
    )

    event = vobject_calendar(_build(seed)).vevent

    assert event.status.value == "CANCELLED"
    assert event.description.value.startswith(
        "This meeting is cancelled. Moved a week for the release.\n"
        "It is replaced by: https://portal.example.org/meetings/tug-2018-10-23/\n\nAgenda:\n"
    )


def test_cancelled_meeting_event_drops_join_details_dial_ins_and_recording_notice(seed):
    Meeting.objects.filter(pk=seed.pk).update(is_recorded=True)
    live = vobject_calendar(_build(seed)).vevent
    Meeting.objects.filter(pk=seed.pk).update(
        status=Meeting.Status.CANCELLED, cancellation_reason="No topics."
    )

    data = _build(seed)
    event = vobject_calendar(data).vevent

    lines = _lines(data)
    assert not [line for line in lines if line.startswith(("CONFERENCE", "LOCATION"))]
    description = event.description.value
    for detail in ("webex", "Meeting number", "Access code", "(866) 528-2256", "recorded"):
        assert detail not in description
    assert description.startswith("This meeting is cancelled. No topics.\n\nAgenda:\n")
    assert (event.uid.value, event.status.value, event.sequence.value) == (
        live.uid.value,
        "CANCELLED",
        live.sequence.value,
    )
    assert event.dtstart.value == live.dtstart.value


def test_recent_change_is_the_first_line_of_the_description(seed):
    Meeting.objects.filter(pk=seed.pk).update(
        change_summary="time moved from Tue Oct 16 9:00 AM to Tue Oct 16 10:00 AM",
        calendar_changed_at=_utc(2018, 10, 19, 20),
    )

    description = vobject_calendar(_build(seed)).vevent.description.value

    assert description.startswith(
        "Updated Oct 19, 2018: time moved from Tue Oct 16 9:00 AM to Tue Oct 16 10:00 AM\n\n"
        "Agenda:\n"
    )
    assert "Join the web conference: https://caiso.webex.com/meet/CAISO-TUG" in description


def test_change_note_is_dropped_after_the_window(seed, settings):
    settings.TUG_ICAL_CHANGE_NOTE_DAYS = 14
    Meeting.objects.filter(pk=seed.pk).update(
        change_summary="topic added: Roll call", calendar_changed_at=_utc(2018, 10, 5, 12)
    )

    description = vobject_calendar(_build(seed)).vevent.description.value

    assert description.startswith("Agenda:\n")


def test_recording_link_only_while_available(seed):
    Meeting.objects.filter(pk=seed.pk).update(
        recording_url="https://example.org/recording.mp4",
        recording_available_until=date(2099, 1, 31),
    )
    available = vobject_calendar(_build(seed)).vevent.description.value
    Meeting.objects.filter(pk=seed.pk).update(recording_available_until=date(2018, 11, 30))
    expired = vobject_calendar(_build(seed)).vevent.description.value

    line = "Recording: https://example.org/recording.mp4 (available until Jan 31, 2099)"
    assert line in available
    assert "Recording:" not in expired


def test_control_characters_and_line_breaks_in_titles_break_nothing(seed):
    Meeting.objects.filter(pk=seed.pk).update(title="Special\r\nsession\x07 on\tDRRS\x1b")

    data = _build(seed)

    event = parse_events(data)[f"{seed.uid}@tug-portal"]
    assert event.summary == "TUG: Special session on DRRS"
    assert b"\x07" not in data
    assert b"\x1b" not in data


def test_meeting_without_web_conference_is_located_at_its_first_dial_in(seed):
    Meeting.objects.filter(pk=seed.pk).update(web_conference_url="")

    lines = _lines(_build(seed))

    assert "LOCATION:Domestic Call-In: (866) 528-2256\\, access code 389 588 9" in lines
    assert not [line for line in lines if line.startswith("CONFERENCE;FEATURE=AUDIO")]


def test_build_meeting_ics_is_a_standalone_calendar_of_one_event(seed):
    data = build_meeting_ics(seed, now=NOW)

    events = parse_events(data)
    assert list(events) == [f"{seed.uid}@tug-portal"]
    lines = _lines(data)
    assert "BEGIN:VTIMEZONE" in lines
    assert "METHOD:PUBLISH" in lines
    assert "NAME:TUG: Technology User Group" in lines
    assert f"SOURCE;VALUE=URI:{SITE}/meetings/tug-2018-10-16.ics" in lines


def test_a_calendars_name_is_escaped_as_text_like_its_x_wr_calname(seed):
    """NAME (RFC 7986) is TEXT: a meeting titled with a backslash, a comma or a semicolon is
    named in its one-meeting calendar with them escaped (icalendar writes a property it does not
    know as it is: clients cut the name at the comma, or read `\\n` as a line break)."""
    seed.title = "Road map \\ Q1, Q2; later"
    seed.save()

    lines = _lines(build_meeting_ics(seed, now=NOW))

    assert "NAME:TUG: Road map \\\\ Q1\\, Q2\\; later" in lines
    assert "X-WR-CALNAME:TUG: Road map \\\\ Q1\\, Q2\\; later" in lines


def test_build_meeting_ics_queries_only_its_materials_for_a_prefetched_meeting(
    seed, django_assert_num_queries
):
    meeting = meetings_with_calendar_facts(Meeting.objects.filter(pk=seed.pk)).get()

    # The meeting's public materials (its ATTACH lines) are read by the materials app.
    with django_assert_num_queries(1):
        build_meeting_ics(meeting, now=NOW)
