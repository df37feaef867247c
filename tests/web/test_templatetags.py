"""How meetings are written: each in its own zone, as the agendas print them."""

from datetime import date, time, timedelta

import pytest

from tug_portal.meetings.models import Meeting, MeetingDialIn, Person, Program
from tug_portal.meetings.timeutil import local_span_to_utc
from tug_portal.web import row_cache
from tug_portal.web.templatetags import portal


def meeting_at(day, start, end, zone="America/Los_Angeles") -> Meeting:
    starts_at, ends_at = local_span_to_utc(day, start, end, zone, timedelta(hours=1))
    program = Program(name="Technology User Group", acronym="TUG", slug="tug")
    return Meeting(program=program, slug="x", starts_at=starts_at, ends_at=ends_at, time_zone=zone)


@pytest.mark.parametrize(
    ("meeting", "long", "short"),
    [
        (
            meeting_at(date(2018, 10, 16), time(10), time(11)),
            "Tuesday, October 16, 2018, 10:00-11:00 AM Pacific",
            "Tue 16 Oct 2018, 10:00-11:00 AM PT",
        ),
        (
            # After the switch to standard time, still "Pacific"; 2:00 PM, not 14:00.
            meeting_at(date(2018, 11, 1), time(14), time(15)),
            "Thursday, November 1, 2018, 2:00-3:00 PM Pacific",
            "Thu 1 Nov 2018, 2:00-3:00 PM PT",
        ),
        (
            meeting_at(date(2019, 3, 5), time(11, 30), time(12, 30), zone="America/New_York"),
            "Tuesday, March 5, 2019, 11:30 AM-12:30 PM Eastern",
            "Tue 5 Mar 2019, 11:30 AM-12:30 PM ET",
        ),
        (
            meeting_at(date(2019, 3, 5), time(9), time(10), zone="Europe/Berlin"),
            "Tuesday, March 5, 2019, 9:00-10:00 AM Europe/Berlin",
            "Tue 5 Mar 2019, 9:00-10:00 AM Europe/Berlin",
        ),
    ],
)
def test_meeting_times_are_written_in_the_meeting_zone(meeting, long, short):
    assert portal.when_long(meeting) == long
    assert portal.when_short(meeting) == short


def test_local_date_uses_the_meeting_zone_not_the_server_zone():
    # 23:30 in Tokyo on 5 March is still 4 March in the server's zone (Pacific).
    meeting = meeting_at(date(2019, 3, 5), time(23, 30), time(23, 45), zone="Asia/Tokyo")

    assert portal.local_date(meeting, "D j M") == "Tue 5 Mar"


def test_group_by_month_keeps_order_and_groups_neighbours():
    meetings = [
        meeting_at(date(2018, 10, 16), time(10), time(11)),
        meeting_at(date(2018, 10, 30), time(10), time(11)),
        meeting_at(date(2018, 11, 1), time(14), time(15)),
    ]

    groups = row_cache.group_by_month(meetings)

    assert [(label, len(group)) for label, group in groups] == [
        ("October 2018", 2),
        ("November 2018", 1),
    ]


def test_mailto_subject_names_the_meeting_or_the_program():
    contact = Person(name="Indu Nambiar", email="inambiar@caiso.com")
    meeting = meeting_at(date(2018, 10, 16), time(10), time(11))
    meeting.program.contact = contact

    assert portal.agenda_request_mailto(meeting) == (
        "mailto:inambiar@caiso.com?subject=Agenda%20request%3A%20TUG%202018-10-16%20%2810%3A00-11%3A00%20Pacific%29"
    )
    assert portal.agenda_request_mailto(meeting.program) == (
        "mailto:inambiar@caiso.com?subject=Agenda%20request%3A%20TUG"
    )


def test_mailto_is_empty_without_a_contact_address():
    meeting = meeting_at(date(2018, 10, 16), time(10), time(11))
    meeting.program.contact = Person(name="No Mail")

    assert portal.agenda_request_mailto(meeting) == ""
    assert portal.agenda_request_mailto(Program(acronym="CPG")) == ""


def test_shared_access_code_is_printed_once_only_when_all_agree():
    same = [MeetingDialIn(access_code="389 588 9"), MeetingDialIn(access_code="389 588 9")]
    different = [MeetingDialIn(access_code="389 588 9"), MeetingDialIn(access_code="1")]

    assert portal.shared_access_code(same) == "389 588 9"
    assert portal.shared_access_code(different) == ""
    assert portal.shared_access_code([]) == ""


@pytest.mark.django_db
def test_calendar_links_for_a_meeting_a_program_and_everything(seed_meeting):
    meeting_links = portal.calendar_links(seed_meeting)
    program_links = portal.calendar_links(seed_meeting.program)
    all_links = portal.calendar_links()

    assert set(meeting_links) == {"ics", "google", "outlook"}
    assert meeting_links["ics"].endswith("/meetings/tug-2018-10-16.ics")
    assert set(program_links) == {"ics", "webcal", "google", "outlook"}
    assert program_links["ics"].endswith("/calendar/tug.ics")
    assert program_links["webcal"].startswith("webcal://")
    assert all_links["ics"].endswith("/calendar/all.ics")
