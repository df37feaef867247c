"""A meeting added in the admin starts from its program's defaults, as the meetings the
schedule and the duplicate action create do: staff choose a program and a day, and what they
leave empty comes from the program (found from outside: a new meeting's title was required and
nothing filled it in; its join details and dial-ins were left empty)."""

from datetime import time, timedelta

import pytest

from tests.factories import make_program
from tests.support.admin_forms import NO_INLINE_ROWS
from tug_portal.meetings.models import Meeting, Program, ProgramDialIn

pytestmark = pytest.mark.django_db

EASTERN = "America/New_York"


def _cpg():
    program = make_program(
        acronym="CPG",
        name="Customer Partnership Group",
        time_zone=EASTERN,
        default_start_time=time(13),
        default_duration=timedelta(minutes=90),
        web_conference_url="https://caiso.webex.com/meet/CAISO-CPG",
        meeting_number="123 456 789",
        web_access_code="55 66",
    )
    ProgramDialIn.objects.create(program=program, label="US toll", number="+1 415 555 0100")
    return program


def _add(client, program, **fields):
    data = {"program": program.pk, "date": "2030-03-12", "status": "scheduled", **NO_INLINE_ROWS}
    return client.post("/admin/meetings/meeting/add/", {**data, **fields})


def _save_program(client, program, **changes):
    """The program's change form posted with its name, zone and length, then `changes`."""
    data = {
        "name": program.name,
        "acronym": program.acronym,
        "slug": program.slug,
        "time_zone": program.time_zone,
        "default_duration": "01:30:00",
        "dial_ins-TOTAL_FORMS": "0",
        "dial_ins-INITIAL_FORMS": "0",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }
    return client.post(f"/admin/meetings/program/{program.pk}/change/", {**data, **changes})


def test_a_meeting_added_with_only_its_program_and_day_takes_the_programs_defaults(
    staff_client,
):
    program = _cpg()

    answer = _add(staff_client, program)

    assert answer.status_code == 302, answer.content.decode()[:3000]
    meeting = Meeting.objects.get()
    assert meeting.title == "Customer Partnership Group"
    assert meeting.time_zone == EASTERN
    assert (meeting.local_start.time(), meeting.local_end.time()) == (time(13), time(14, 30))
    assert (meeting.web_conference_url, meeting.meeting_number, meeting.web_access_code) == (
        "https://caiso.webex.com/meet/CAISO-CPG",
        "123 456 789",
        "55 66",
    )
    assert [(d.label, d.number) for d in meeting.dial_ins.all()] == [("US toll", "+1 415 555 0100")]
    assert meeting.slug == "cpg-2030-03-12"


def test_what_staff_type_on_a_new_meeting_wins_over_its_programs_defaults(staff_client):
    program = _cpg()

    answer = _add(
        staff_client,
        program,
        title="CPG special session",
        start_time="09:00",
        end_time="09:45",
        time_zone="America/Chicago",
        web_conference_url="https://example.com/special",
        **{
            "dial_ins-TOTAL_FORMS": "1",
            "dial_ins-0-label": "Bridge",
            "dial_ins-0-number": "+1 800 555 0199",
            "dial_ins-0-order": "0",
        },
    )

    assert answer.status_code == 302, answer.content.decode()[:3000]
    meeting = Meeting.objects.get()
    assert meeting.title == "CPG special session"
    assert meeting.time_zone == "America/Chicago"
    assert (meeting.local_start.time(), meeting.local_end.time()) == (time(9), time(9, 45))
    assert meeting.web_conference_url == "https://example.com/special"
    # The fields left empty still come from the program.
    assert meeting.meeting_number == "123 456 789"
    assert [d.label for d in meeting.dial_ins.all()] == ["Bridge"]


def test_a_new_meeting_with_an_end_and_no_start_is_refused_with_a_message(staff_client):
    answer = _add(staff_client, _cpg(), end_time="11:00")

    assert answer.status_code == 200
    assert "Give the start time too" in answer.content.decode()
    assert not Meeting.objects.exists()


def test_a_meetings_edit_form_still_requires_its_title_and_times(staff_client):
    """An existing meeting keeps what it has: emptying a field is not asking for the default."""
    from tests.factories import make_meeting
    from tests.support.admin_forms import meeting_change_form

    meeting = make_meeting(make_program())
    url = f"/admin/meetings/meeting/{meeting.pk}/change/"

    answers = [
        staff_client.post(url, meeting_change_form(meeting, **{field: ""}))
        for field in ("title", "start_time", "end_time")
    ]

    assert [a.status_code for a in answers] == [200, 200, 200]
    meeting.refresh_from_db()
    assert meeting.title == "TUG Group"


def test_the_add_form_says_what_an_empty_field_becomes(staff_client):
    page = staff_client.get("/admin/meetings/meeting/add/").content.decode()

    assert "Leave empty: the program’s name" in page
    assert "Leave it and the end empty: the program’s default start" in page


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"date": "0001-01-02"}, "date", "between 1970 and 2099"),
        ({"date": "9999-12-31"}, "date", "between 1970 and 2099"),
        ({"date": "1850-01-01"}, "date", "between 1970 and 2099"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "is not a time zone"),
        ({"time_zone": "../x"}, "time_zone", "is not a time zone"),
        ({"time_zone": "/usr/share/zoneinfo/UTC"}, "time_zone", "is not a time zone"),
    ],
)
def test_a_date_or_zone_no_meeting_can_have_is_refused_with_a_message(
    staff_client, fields, field, message
):
    """Found from outside: each answered 500 (the zone arithmetic ran before the zone and the
    year were checked), and a published meeting in year 1 stopped the program's feeds."""
    answer = _add(staff_client, _cpg(), start_time="10:00", end_time="11:00", **fields)

    assert answer.status_code == 200
    assert message in answer.context["adminform"].form.errors[field][0]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("length", [timedelta(0), timedelta(hours=-1), timedelta(days=3)])
def test_a_programs_default_length_no_meeting_can_have_asks_for_the_end(staff_client, length):
    program = _cpg()
    Program.objects.filter(pk=program.pk).update(default_duration=length)
    program.refresh_from_db()

    answer = _add(staff_client, program)

    assert answer.status_code == 200
    assert "Give the end time" in answer.context["adminform"].form.errors["end_time"][0]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("length", ["0", "-01:00:00", "3 00:00:00", "999999999 00:00:00"])
def test_a_program_is_refused_a_default_length_no_meeting_can_have(staff_client, length):
    program = _cpg()

    answer = _save_program(staff_client, program, default_duration=length)

    assert answer.status_code == 200, answer.status_code
    assert "default_duration" in answer.context["adminform"].form.errors
    program.refresh_from_db()
    assert program.default_duration == timedelta(minutes=90)


def test_the_add_form_offers_only_active_programs_and_refuses_a_deactivated_one(staff_client):
    """Found from outside: a deactivated program's meeting was added, which the schedule and
    the duplicate action refuse."""
    program = _cpg()
    Program.objects.filter(pk=program.pk).update(is_active=False)

    page = staff_client.get("/admin/meetings/meeting/add/").content.decode()
    answer = _add(staff_client, program, start_time="10:00", end_time="11:00")

    assert f'<option value="{program.pk}"' not in page
    assert answer.status_code == 200
    assert "program" in answer.context["adminform"].form.errors
    assert not Meeting.objects.exists()


def test_a_deactivated_programs_meeting_can_still_be_edited(staff_client):
    from tests.factories import make_meeting
    from tests.support.admin_forms import meeting_change_form

    meeting = make_meeting(make_program())
    Program.objects.filter(pk=meeting.program_id).update(is_active=False)

    answer = staff_client.post(
        f"/admin/meetings/meeting/{meeting.pk}/change/",
        meeting_change_form(meeting, title="Last one"),
    )

    assert answer.status_code == 302


@pytest.mark.parametrize(
    "typed, zone",
    [
        ("Pacific", "America/Los_Angeles"),
        ("pacific", "America/Los_Angeles"),
        ("america/los_angeles", "America/Los_Angeles"),
        (" Eastern ", "America/New_York"),
        ("ET", "America/New_York"),
        ("europe/berlin", "Europe/Berlin"),
    ],
)
def test_a_zone_typed_as_staff_read_it_is_taken_as_its_iana_name(staff_client, typed, zone):
    """Found from outside: "Pacific", the word every meeting's name shows, answered 500."""
    answer = _add(staff_client, _cpg(), start_time="10:00", end_time="11:00", time_zone=typed)

    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Meeting.objects.get().time_zone == zone


def test_a_program_zone_typed_as_staff_read_it_is_taken_as_its_iana_name(staff_client):
    program = _cpg()

    answer = _save_program(staff_client, program, time_zone="central")

    assert answer.status_code == 302, answer.content.decode()[:3000]
    program.refresh_from_db()
    assert program.time_zone == "America/Chicago"


def test_a_second_meeting_of_a_program_at_the_same_start_is_refused_with_a_message(staff_client):
    """Found from outside: an exact copy was saved (tug-2030-03-12-3), and the two could not
    be told apart anywhere."""
    program = _cpg()
    first = _add(staff_client, program)

    again = _add(staff_client, program)

    assert first.status_code == 302
    assert again.status_code == 200
    errors = again.context["adminform"].form.non_field_errors()
    assert "CPG already has a meeting starting then" in errors[0]
    assert "CPG 2030-03-12 (13:00-14:30 Eastern)" in errors[0]
    assert Meeting.objects.count() == 1
    assert _add(staff_client, program, start_time="15:00").status_code == 302


def test_a_program_switched_off_while_the_form_was_open_is_refused_by_name(staff_client):
    program = _cpg()
    page = staff_client.get("/admin/meetings/meeting/add/")
    Program.objects.filter(pk=program.pk).update(is_active=False)

    answer = _add(staff_client, program)

    assert page.status_code == 200
    assert "not active" in answer.context["adminform"].form.errors["program"][0]


@pytest.mark.parametrize(
    "typed, zone",
    [
        ("PST", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("Pacific Time", "America/Los_Angeles"),
        ("US/Pacific", "America/Los_Angeles"),
        ("EDT", "America/New_York"),
        ("Eastern time", "America/New_York"),
        ("CST", "America/Chicago"),
    ],
)
def test_a_zone_named_as_people_say_it_is_taken_as_its_iana_name(staff_client, typed, zone):
    answer = _add(staff_client, _cpg(), start_time="10:00", end_time="11:00", time_zone=typed)

    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Meeting.objects.get().time_zone == zone


def test_a_time_the_clocks_skip_is_refused_with_a_message(staff_client):
    """Found from outside: 02:30-03:00 on the spring-forward day answered 500."""
    answer = _add(
        staff_client,
        make_program(),
        date="2030-03-10",
        start_time="02:30",
        end_time="03:00",
        time_zone="America/Los_Angeles",
    )

    assert answer.status_code == 200
    assert "does not exist" in answer.context["adminform"].form.errors["start_time"][0]
    assert not Meeting.objects.exists()
