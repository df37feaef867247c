from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from tests.factories import make_meeting, make_program
from tug_portal.meetings import selectors
from tug_portal.meetings.models import Meeting, Person, Program, System

pytestmark = pytest.mark.django_db


def test_anonymous_users_never_see_drafts():
    draft = make_meeting(make_program(), is_published=False)

    with pytest.raises(Http404):
        selectors.meeting_get(slug=draft.slug, user=AnonymousUser())
    assert draft not in selectors.meetings_visible(user=AnonymousUser())


def test_staff_see_drafts():
    draft = make_meeting(make_program(), is_published=False)
    staff = User.objects.create_user("staff", is_staff=True)

    assert selectors.meeting_get(slug=draft.slug, user=staff) == draft


def test_next_meeting_skips_cancelled_and_drafts():
    program = make_program()
    make_meeting(program, date(2030, 1, 8), status=Meeting.Status.CANCELLED)
    make_meeting(program, date(2030, 1, 15), is_published=False)
    expected = make_meeting(program, date(2030, 1, 22))

    assert selectors.meeting_next_for_program(program=program) == expected
    assert selectors.meetings_next_by_program() == {program.pk: expected}


@pytest.mark.parametrize("programs", [1, 3])
def test_next_meeting_of_every_program_costs_one_query(programs, django_assert_num_queries):
    for n in range(programs):
        program = make_program(slug=f"p{n}")
        for week in range(3):
            make_meeting(program, date(2030, 1, 1 + 7 * week))

    with django_assert_num_queries(1):
        nexts = selectors.meetings_next_by_program()

    assert len(nexts) == programs


def test_agenda_request_recipient_is_the_meetings_own_contact_first():
    program_contact = Person.objects.create(name="Program Contact", email="p@example.com")
    meeting_contact = Person.objects.create(name="Meeting Contact", email="m@example.com")
    program = make_program(contact=program_contact)
    meeting = make_meeting(program, contact=meeting_contact)

    assert selectors.agenda_request_recipient(program=program, meeting=meeting) == meeting_contact


def test_agenda_request_recipient_falls_back_to_the_programs_contact():
    contact = Person.objects.create(name="Program Contact", email="p@example.com")
    program = make_program(contact=contact)

    assert selectors.agenda_request_recipient(program=program) == contact
    assert selectors.agenda_request_recipient(program=program, meeting=make_meeting(program)) == (
        contact
    )


def test_agenda_request_recipient_is_none_when_nobody_is_named():
    assert selectors.agenda_request_recipient(program=make_program()) is None


def test_meeting_join_details_are_the_web_conference_fields():
    program = make_program(
        web_conference_url="https://example.webex.com/meet/tug",
        meeting_number="966 010 353",
        web_access_code="389 588 9",
    )

    assert selectors.meeting_join_details(program) == {
        "web_conference_url": "https://example.webex.com/meet/tug",
        "meeting_number": "966 010 353",
        "web_access_code": "389 588 9",
    }


def test_a_new_meeting_takes_its_programs_join_details():
    program = make_program(meeting_number="966 010 353", web_access_code="389 588 9")

    meeting = make_meeting(program)

    assert selectors.meeting_join_details(meeting) == selectors.meeting_join_details(program)


# --- The program-slug rule: a program named by its slug in any case, as a system by its code ---


@pytest.mark.parametrize("slug", ["cpg", "CPG", "Cpg", " cpg "])
def test_a_program_slug_names_its_program_in_any_case(slug):
    tug, cpg = make_program("tug"), make_program("cpg")

    assert selectors.program_for_slug(slug, [tug, cpg]) == cpg
    assert list(Program.objects.filter(selectors.program_slug_filter(slug))) == [cpg]
    assert selectors.program_get(slug=slug) == cpg
    assert selectors.program_slug_key(slug) == "cpg"


def test_a_slug_no_program_has_names_none_in_any_case():
    tug = make_program("tug")

    assert selectors.program_for_slug("TUGS", [tug]) is None
    assert not Program.objects.filter(selectors.program_slug_filter("TUGS")).exists()
    with pytest.raises(Http404):
        selectors.program_get(slug="TUGS")


@pytest.mark.parametrize(
    ("code", "own"), [("oms", "OMS"), ("OmS", "OMS"), (" OMS ", "OMS"), ("xyz", "xyz")]
)
def test_a_system_code_is_spelled_as_its_system_spells_it(code, own):
    systems = [System(code="DRRS"), System(code="OMS")]

    assert selectors.system_code_spelled(code, systems) == own


@pytest.mark.parametrize(("slug", "own"), [("TUG", "tug"), (" Tug ", "tug"), ("nope", "nope")])
def test_a_program_slug_is_spelled_as_its_program_spells_it(slug, own):
    assert selectors.program_slug_spelled(slug, [Program(slug="tug")]) == own
