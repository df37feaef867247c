"""When staff answer an agenda request (its status leaves "new"), the time is kept in
`answered_at`: what the weekly digest reports it by, whatever staff change on it later."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_program
from tug_portal.meetings.models import AgendaRequest
from tug_portal.meetings.services import agenda_request_answer_note

pytestmark = pytest.mark.django_db
Status = AgendaRequest.Status
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def new_request(program=None):
    return AgendaRequest.objects.create(
        program=program or make_program(), name="Ann", email="ann@example.com", topic="Outages"
    )


def answer(request, status, *, now):
    previous = request.status
    request.status = status
    agenda_request_answer_note(agenda_request=request, previous_status=previous, now=now)
    request.save()
    return request


def test_answering_a_request_keeps_when_and_a_later_change_of_answer_keeps_it():
    request = answer(new_request(), Status.ACCEPTED, now=NOW)
    assert request.answered_at == NOW

    answer(request, Status.SCHEDULED, now=NOW + timedelta(days=3))
    assert request.answered_at == NOW


def test_a_declined_request_accepted_after_all_is_answered_anew():
    request = answer(new_request(), Status.DECLINED, now=NOW)
    answer(request, Status.ACCEPTED, now=NOW + timedelta(days=3))
    assert request.answered_at == NOW + timedelta(days=3)


def test_a_request_put_back_to_new_is_no_longer_answered():
    request = answer(new_request(), Status.ACCEPTED, now=NOW)
    answer(request, Status.NEW, now=NOW + timedelta(days=1))
    assert request.answered_at is None


def test_staff_answer_requests_in_the_admins_list_and_on_the_change_form(staff_client):
    program = make_program()
    listed, opened = new_request(program), new_request(program)

    response = staff_client.post(
        "/admin/meetings/agendarequest/",
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-id": str(opened.pk),
            "form-0-status": "new",
            "form-1-id": str(listed.pk),
            "form-1-status": "accepted",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    listed.refresh_from_db()
    assert listed.status == Status.ACCEPTED and listed.answered_at is not None

    response = staff_client.post(
        f"/admin/meetings/agendarequest/{opened.pk}/change/",
        {"program": program.pk, "status": "scheduled", "staff_notes": "Next month"},
    )
    assert response.status_code == 302, response.content[:2000]
    opened.refresh_from_db()
    assert opened.status == Status.SCHEDULED and opened.answered_at is not None


def test_staff_cannot_add_an_agenda_request_in_the_admin(staff_client):
    """Found from outside: the add form showed every field of a request read-only (they are the
    requester's words), so "Save" stored an empty request, announced as “ ()”. Requests come
    from the public form; staff answer them."""
    add = "/admin/meetings/agendarequest/add/"

    assert staff_client.get(add).status_code == 403
    assert staff_client.post(add, {"status": "new"}).status_code == 403
    assert not AgendaRequest.objects.exists()
    assert add not in staff_client.get("/admin/meetings/agendarequest/").content.decode()
