"""The agenda request form on program and meeting pages: stored for staff, mailed to the contact,
confirmed clearly; a bot's honeypot entry is dropped; bad input is a 422 that stores nothing."""

import pytest

from tests.web.support import is_fragment, text_of
from tug_portal.meetings.models import AgendaRequest, Meeting
from tug_portal.web.forms import AgendaRequestForm, MeetingFilterForm

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
REQUEST = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "organization": "Analytical Engines Co-op",
    "topic": "DRRS API batch limits",
    "details": "Could the 30 s window apply per resource?",
    "website": "",
}
CONFIRMATION = (
    "Thank you, Ada Lovelace. Your request “DRRS API batch limits” has reached the TUG team. "
    "Indu Nambiar will reply to you at ada@example.com."
)


def test_agenda_request_from_meeting_page_is_stored_mailed_and_confirmed(
    client, seed_meeting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/meetings/tug-2018-10-16/", REQUEST)

    assert response.status_code == 302
    assert response["Location"] == "/meetings/tug-2018-10-16/#agenda-request"
    stored = AgendaRequest.objects.get()
    assert (stored.program.slug, stored.meeting, stored.status) == ("tug", seed_meeting, "new")
    assert (stored.name, stored.email, stored.organization) == (
        "Ada Lovelace",
        "ada@example.com",
        "Analytical Engines Co-op",
    )
    assert (stored.topic, stored.details) == (
        "DRRS API batch limits",
        "Could the 30 s window apply per resource?",
    )
    assert [mail.to for mail in mailoutbox] == [["inambiar@caiso.com"]]
    assert mailoutbox[0].reply_to == ["ada@example.com"]
    assert CONFIRMATION in text_of(client.get(response["Location"]))


def test_agenda_request_from_program_page_has_no_meeting(client, demo):
    response = client.post("/programs/tug/", REQUEST)

    assert response["Location"] == "/programs/tug/#agenda-request"
    assert AgendaRequest.objects.get().meeting is None
    assert CONFIRMATION in text_of(client.get("/programs/tug/"))


def test_agenda_request_confirmation_is_shown_once(client, demo):
    client.post("/programs/tug/", REQUEST)
    client.get("/programs/tug/")

    assert CONFIRMATION not in text_of(client.get("/programs/tug/"))


def test_agenda_request_through_htmx_gets_the_confirmation_fragment(client, seed_meeting):
    response = client.post("/meetings/tug-2018-10-16/", REQUEST, headers=HTMX)

    assert response.status_code == 200
    assert is_fragment(response)
    assert response.text.lstrip().startswith('<section class="agenda-request card"')
    assert CONFIRMATION in text_of(response)
    assert AgendaRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": ""}, "This field is required."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"topic": "x" * 301}, "Ensure this value has at most 300 characters (it has 301)."),
        ({"details": "x" * 5001}, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)
def test_bad_agenda_request_is_a_422_that_stores_nothing(client, seed_meeting, changes, error):
    data = {**REQUEST, **changes}

    plain = client.post("/meetings/tug-2018-10-16/", data)
    fragment = client.post("/meetings/tug-2018-10-16/", data, headers=HTMX)

    assert plain.status_code == fragment.status_code == 422
    assert error in text_of(plain)
    assert error in text_of(fragment)
    assert "Please correct the 1 field marked below." in text_of(fragment)
    assert is_fragment(fragment)
    assert not is_fragment(plain)
    assert AgendaRequest.objects.count() == 0


def test_bad_agenda_request_keeps_what_was_typed(client, seed_meeting):
    response = client.post("/programs/tug/", {**REQUEST, "email": "ada@"})

    assert 'value="DRRS API batch limits"' in response.text
    assert 'value="Ada Lovelace"' in response.text


def test_honeypot_request_is_thanked_but_not_stored_or_mailed(
    client, seed_meeting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/meetings/tug-2018-10-16/", {**REQUEST, "website": "http://spam.example"}, headers=HTMX
        )

    assert response.status_code == 200
    assert CONFIRMATION in text_of(response)
    assert AgendaRequest.objects.count() == 0
    assert mailoutbox == []


def test_agenda_request_to_a_draft_meeting_is_a_404(client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(is_published=False)

    response = client.post("/meetings/tug-2018-10-30/", REQUEST)

    assert response.status_code == 404
    assert AgendaRequest.objects.count() == 0


def test_agenda_request_form_is_on_program_and_meeting_pages(client, seed_meeting):
    for path in ("/programs/tug/", "/meetings/tug-2018-10-16/"):
        body = client.get(path).text

        assert f'<form method="post" action="{path}#agenda-request"' in body
        assert f'hx-post="{path}"' in body
        assert '<div class="hp" aria-hidden="true">' in body
        assert 'name="csrfmiddlewaretoken"' in body


def test_agenda_request_form_strips_surrounding_spaces():
    form = AgendaRequestForm({**REQUEST, "topic": "  OMS outages  ", "details": " more "})

    assert form.is_valid()
    assert form.submit_arguments()["topic"] == "OMS outages"
    assert form.submit_arguments()["details"] == "more"
    assert not form.is_spam


def test_meeting_filter_form_defaults_to_upcoming_and_shows_it_checked():
    form = MeetingFilterForm({}, programs=[], systems=[])

    assert form.is_valid()
    assert form.cleaned_data["when"] == "upcoming"
    assert not form.is_filtered
    assert 'value="upcoming" id="id_when_0" checked' in str(form["when"])
