"""The digest's "Agenda requests answered": only requests staff took on (accepted, scheduled),
in the week they were answered, never again when staff touch them later; a declined request's
text is never mailed out."""

from datetime import timedelta

import pytest
import time_machine

from tests.digest.activity import DAY, SEND_AT
from tests.factories import make_program
from tug_portal.digest.sections import DigestScope, build_sections
from tug_portal.meetings.models import AgendaRequest

pytestmark = pytest.mark.django_db
Status = AgendaRequest.Status


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(SEND_AT, tick=False):
        yield


def answered(program, topic, status, *, at, updated_at=None):
    request = AgendaRequest.objects.create(
        program=program, name="Ann", email="ann@example.com", topic=topic, status=status
    )
    AgendaRequest.objects.filter(pk=request.pk).update(answered_at=at, updated_at=updated_at or at)
    return request


def answered_titles(program, *, until=SEND_AT) -> list[str]:
    scope = DigestScope(
        program_ids=(program.pk,), system_ids=(), time_zone="America/Los_Angeles", until=until
    )
    sections = {section.key: section for section in build_sections(scope)}
    return [item.title for item in getattr(sections.get("answered_requests"), "items", ())]


def test_accepted_and_scheduled_requests_are_in_the_digest_of_the_week_they_were_answered():
    program = make_program()
    answered(program, "Outage windows", Status.ACCEPTED, at=SEND_AT - 2 * DAY)
    answered(program, "Bid caps", Status.SCHEDULED, at=SEND_AT - DAY)

    assert answered_titles(program) == ["TUG: Outage windows", "TUG: Bid caps"]


def test_a_declined_request_is_never_mailed_to_subscribers():
    program = make_program()
    answered(program, "Buy cheap watches", Status.DECLINED, at=SEND_AT - DAY)

    assert answered_titles(program) == []


def test_a_request_staff_touch_weeks_after_answering_it_does_not_come_back():
    program = make_program()
    answered(
        program,
        "Outage windows",
        Status.ACCEPTED,
        at=SEND_AT - 20 * DAY,
        updated_at=SEND_AT - DAY,  # a staff note added last week
    )

    assert answered_titles(program) == []
    assert answered_titles(program, until=SEND_AT - 19 * DAY + timedelta(hours=1)) == [
        "TUG: Outage windows"
    ]
