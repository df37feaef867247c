"""The seed agenda (TUG, 16 October 2018) round-trips through the models, fact group by fact
group, and loading it twice changes nothing."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tug_portal.meetings import selectors
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Announcement, Meeting, Program

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_meeting():
    load_demo()
    return selectors.meeting_get(slug="tug-2018-10-16")


def test_seed_program_holds_name_acronym_and_defaults(seed_meeting):
    program = seed_meeting.program

    assert (program.name, program.acronym, program.slug) == ("Technology User Group", "TUG", "tug")
    assert program.time_zone == "America/Los_Angeles"
    assert program.recurrence_rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert program.default_start_time == time(10, 0)
    assert program.default_duration == timedelta(hours=1)


def test_seed_meeting_time_is_ten_to_eleven_pacific(seed_meeting):
    assert seed_meeting.starts_at == datetime(2018, 10, 16, 17, 0, tzinfo=UTC)
    assert seed_meeting.ends_at == datetime(2018, 10, 16, 18, 0, tzinfo=UTC)
    assert seed_meeting.time_zone == "America/Los_Angeles"
    assert seed_meeting.local_start.strftime("%Y-%m-%d %H:%M %Z") == "2018-10-16 10:00 PDT"


def test_seed_meeting_recording_disclaimer_comes_from_program(seed_meeting):
    assert seed_meeting.is_recorded
    assert seed_meeting.program.recording_disclaimer_title == (
        "Legal Disclaimer for Recording Meeting"
    )
    assert seed_meeting.effective_disclaimer.startswith(
        "Calls and webinars are recorded for stakeholder convenience"
    )
    assert seed_meeting.effective_disclaimer.endswith(
        "should not be reprinted without the ISO's permission."
    )


def test_seed_meeting_web_conference_is_as_printed(seed_meeting):
    assert seed_meeting.web_conference_url == "https://caiso.webex.com/meet/CAISO-TUG"
    assert seed_meeting.meeting_number == "966 010 353"
    assert seed_meeting.web_access_code == "389 588 9"


def test_seed_meeting_dial_ins_are_as_printed_with_tel_uris(seed_meeting):
    dial_ins = [(d.label, d.number, d.access_code, d.tel_uri) for d in seed_meeting.dial_ins.all()]

    assert dial_ins == [
        ("Domestic Call-In", "(866) 528-2256", "389 588 9", "tel:+18665282256,,3895889%23"),
        ("International Call-In", "(216) 706-7052", "389 588 9", "tel:+12167067052,,3895889%23"),
    ]


def test_seed_meeting_topics_and_facilitators_in_order(seed_meeting):
    topics = [(t.title, t.facilitator_names()) for t in seed_meeting.topics.all()]

    assert topics == [
        ("Agenda and Roll Call", "Indu Nambiar"),
        ("DRRS – Acceptable Use Policy Changes", "Nalini Chari"),
        ("OMS – CPG Announcement", "Justin Wong"),
    ]


def test_seed_drrs_topic_body_keeps_bullets_and_quoted_error_messages(seed_meeting):
    drrs = seed_meeting.topics.get(title__startswith="DRRS")
    html = drrs.body_html

    assert html.count("<li>") == 8
    assert "<li>The ISO is planning to implement AUP for the DRRS application.</li>" in html
    assert (
        "<li>The user will receive the following error message if the same service is submitted "
        "or retrieved within 30 seconds:<ul>\n"
        '<li>"CAISO DRRS Acceptable Use Policy Violation, Please retry your requestion."</li>'
    ) in html
    assert "Note: Time resets each time you request before expiration." in html
    assert [system.code for system in drrs.systems.all()] == ["DRRS"]


def test_seed_drrs_topic_links_the_spec_at_page_eleven(seed_meeting):
    drrs = seed_meeting.topics.get(title__startswith="DRRS")
    [spec] = drrs.documents.all()

    assert spec.page == "11"
    assert spec.url.startswith("http://www.caiso.com/Documents/")
    assert spec.url_with_page.endswith(".pdf#page=11")
    assert f'href="{spec.url}"' in drrs.body_html


def test_seed_announcements_policy_change_and_cpg_meeting(seed_meeting):
    drrs = Announcement.objects.get(slug="drrs-acceptable-use-policy")
    oms = Announcement.objects.get(slug="oms-cpg-announcement")

    assert (drrs.title, drrs.kind, drrs.presented_at) == (
        "DRRS – Acceptable Use Policy",
        Announcement.Kind.POLICY_CHANGE,
        seed_meeting,
    )
    assert [d.page for d in drrs.documents.all()] == ["11"]
    assert (oms.title, oms.kind) == ("OMS – CPG Announcement", Announcement.Kind.MEETING)
    assert oms.related_meeting.slug == "cpg-2018-11-01"
    assert "Agenda for meeting on November 1st 2018 2:00pm" in oms.body


def test_seed_cpg_meeting_carries_the_announced_agenda(seed_meeting):
    cpg = selectors.meeting_get(slug="cpg-2018-11-01")

    assert cpg.starts_at == datetime(2018, 11, 1, 21, 0, tzinfo=UTC)  # 2:00 PM PDT
    assert [t.title for t in cpg.topics.all()] == [
        "OMS performance/operational changes",
        "Reliability Coordinator Services Implementation",
        "OMS Road Map",
        "Recurring Outage",
    ]
    first = cpg.topics.all()[0]
    assert "Guideline for users submitting hourly granularity" in first.body
    assert first.body.count("\n- ") + first.body.startswith("- ") == 3


def test_seed_next_meeting_is_the_tug_of_october_30(seed_meeting):
    following = selectors.meeting_next_for_program(
        program=seed_meeting.program, after=seed_meeting.ends_at
    )

    assert following.slug == "tug-2018-10-30"
    assert following.local_start.date() == date(2018, 10, 30)


def test_seed_contact_for_questions_and_agenda_requests(seed_meeting):
    contact = seed_meeting.effective_contact

    assert (contact.name, contact.email) == ("Indu Nambiar", "inambiar@caiso.com")


def test_seed_stay_connected_links(seed_meeting):
    labels = [link.label for link in seed_meeting.program.links.all()]

    assert labels == [
        "@California_ISO",
        "Download ISO Today mobile app",
        "Sign up for the Daily Briefing at www.caiso.com",
    ]


def test_load_demo_twice_changes_nothing():
    load_demo()
    before = _fingerprint()

    load_demo()

    assert _fingerprint() == before


def _fingerprint():
    history = [model.history.count() for model in (Meeting, Program, Announcement)]
    meetings = list(Meeting.objects.values_list("slug", "updated_at", "calendar_sequence"))
    return history, meetings


def test_load_demo_creates_upcoming_meetings_from_recurrences():
    load_demo()

    upcoming = Meeting.objects.published().upcoming()
    assert {m.program.acronym for m in upcoming} == {"TUG", "CPG"}
    assert all(m.local_start.strftime("%a") == "Tue" for m in upcoming if m.program.slug == "tug")


def test_load_demo_again_leaves_a_program_staff_deactivated_as_it_is(time_machine):
    load_demo()
    Program.objects.filter(slug="cpg").update(is_active=False)
    time_machine.move_to(datetime.now(UTC) + timedelta(days=400), tick=False)  # a year on

    load_demo()

    assert not Program.objects.get(slug="cpg").is_active
    assert not Meeting.objects.filter(program__slug="cpg").upcoming().exists()
    assert Meeting.objects.filter(program__slug="tug").upcoming().exists()
