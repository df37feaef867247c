"""The agenda request form, on a page of its own that program and meeting pages link to (and load
in place with htmx): stored for staff, mailed to the contact, confirmed clearly; a bot's honeypot
entry is dropped; bad input is a 422 that stores nothing."""

import re

import pytest

from tests.web.support import is_fragment, text_of
from tug_portal.meetings.models import AgendaRequest, Meeting, System
from tug_portal.web.forms import AgendaRequestForm, AnnouncementFilterForm, MeetingFilterForm

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
MEETING_FORM = "/programs/tug/agenda-request/?meeting=tug-2018-10-16"
PROGRAM_FORM = "/programs/tug/agenda-request/"
CONFIRMATION = (
    "Thank you, Ada Lovelace. Your request “DRRS API batch limits” has reached the TUG team. "
    "Indu Nambiar will reply to you at ada@example.com."
)


def test_agenda_request_from_meeting_page_is_stored_mailed_and_confirmed(
    client, seed_meeting, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://portal.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(MEETING_FORM, REQUEST)

    assert response.status_code == 302
    assert response["Location"] == MEETING_FORM
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
    # The site's own name, as in every mail of the portal's (not the machine's, "localhost").
    assert mailoutbox[0].message()["Message-ID"].endswith("@portal.example.org>")
    assert CONFIRMATION in text_of(client.get(response["Location"]))


def test_agenda_request_over_the_contacts_daily_cap_is_received_and_queued_not_mailed(
    client, seed_meeting, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.AGENDA_REQUEST_MAILS_PER_CONTACT = 2
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            # Three different requests (an identical one sent again is the same request).
            client.post(
                MEETING_FORM,
                {**REQUEST, "topic": f"{REQUEST['topic']} {n}"},
                REMOTE_ADDR=f"198.51.100.{n}",
            )
            for n in range(3)
        ]

    assert [response.status_code for response in responses] == [302, 302, 302]
    assert len(mailoutbox) == 2
    last = CONFIRMATION.replace("DRRS API batch limits", "DRRS API batch limits 2")
    assert last in text_of(client.get(MEETING_FORM))  # told it was received
    assert list(AgendaRequest.objects.order_by("pk").values_list("mail_state", flat=True)) == [
        "mailed",
        "mailed",
        "held",
    ]


def test_agenda_request_sent_twice_is_stored_and_mailed_once_and_confirmed_both_times(
    client, seed_meeting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(MEETING_FORM, REQUEST)
        first_page = text_of(client.get(MEETING_FORM))
        again = client.post(MEETING_FORM, REQUEST)

    assert (first.status_code, again.status_code) == (302, 302)
    assert CONFIRMATION in first_page
    assert CONFIRMATION in text_of(client.get(MEETING_FORM))
    assert AgendaRequest.objects.count() == 1
    assert len(mailoutbox) == 1


def test_agenda_request_from_program_page_has_no_meeting(client, demo):
    response = client.post(PROGRAM_FORM, REQUEST)

    assert response["Location"] == PROGRAM_FORM
    assert AgendaRequest.objects.get().meeting is None
    assert CONFIRMATION in text_of(client.get(PROGRAM_FORM))


def test_agenda_request_confirmation_is_shown_once(client, demo):
    client.post(PROGRAM_FORM, REQUEST)
    client.get(PROGRAM_FORM)

    assert CONFIRMATION not in text_of(client.get(PROGRAM_FORM))


def test_agenda_request_through_htmx_gets_the_confirmation_fragment(client, seed_meeting):
    response = client.post(MEETING_FORM, REQUEST, headers=HTMX)

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
        ({"email": "ada@[127.0.0.1]"}, "Enter an address at a domain name, not at an IP address."),
        ({"topic": "x" * 301}, "Ensure this value has at most 300 characters (it has 301)."),
        ({"details": "x" * 5001}, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)
def test_bad_agenda_request_is_a_422_that_stores_nothing(client, seed_meeting, changes, error):
    data = {**REQUEST, **changes}

    plain = client.post(MEETING_FORM, data)
    fragment = client.post(MEETING_FORM, data, headers=HTMX)

    assert plain.status_code == fragment.status_code == 422
    assert error in text_of(plain)
    assert error in text_of(fragment)
    assert "Please correct the 1 field marked below." in text_of(fragment)
    assert is_fragment(fragment)
    assert not is_fragment(plain)
    assert AgendaRequest.objects.count() == 0


def test_bad_agenda_request_keeps_what_was_typed(client, seed_meeting):
    response = client.post(PROGRAM_FORM, {**REQUEST, "email": "ada@"})

    assert 'value="DRRS API batch limits"' in response.text
    assert 'value="Ada Lovelace"' in response.text


def test_honeypot_request_is_thanked_but_not_stored_or_mailed(
    client, seed_meeting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            MEETING_FORM, {**REQUEST, "website": "http://spam.example"}, headers=HTMX
        )

    assert response.status_code == 200
    assert CONFIRMATION in text_of(response)
    assert AgendaRequest.objects.count() == 0
    assert mailoutbox == []


def test_agenda_request_to_a_draft_meeting_is_a_404(client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(is_published=False)

    response = client.post("/programs/tug/agenda-request/?meeting=tug-2018-10-30", REQUEST)

    assert response.status_code == 404
    assert AgendaRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("page", "form_url"),
    [("/programs/tug/", PROGRAM_FORM), ("/meetings/tug-2018-10-16/", MEETING_FORM)],
)
def test_program_and_meeting_pages_link_to_the_form_that_htmx_loads_in_place(
    client, seed_morning, page, form_url
):
    body = client.get(page).text

    href = form_url.replace("&", "&amp;")
    assert f'hx-get="{href}" hx-trigger="revealed" hx-swap="outerHTML"' in body
    assert f'<a href="{href}">Request an agenda item</a>' in body
    assert 'name="csrfmiddlewaretoken"' not in body


@pytest.mark.parametrize("form_url", [PROGRAM_FORM, MEETING_FORM])
def test_agenda_request_page_has_the_form_posting_to_itself(client, seed_meeting, form_url):
    page = client.get(form_url)
    fragment = client.get(form_url, headers=HTMX)

    assert page.status_code == fragment.status_code == 200
    assert not is_fragment(page)
    assert is_fragment(fragment)
    assert fragment.text.lstrip().startswith('<section class="agenda-request card"')
    for response in (page, fragment):
        assert f'<form method="post" action="{form_url}" hx-post="{form_url}"' in response.text
        assert '<div class="hp" aria-hidden="true">' in response.text
        assert 'name="csrfmiddlewaretoken"' in response.text


@pytest.mark.parametrize("form_url", [PROGRAM_FORM, MEETING_FORM])
def test_agenda_request_page_says_its_heading_once_and_the_swapped_form_keeps_its_own(
    client, seed_meeting, form_url
):
    page = client.get(form_url).text
    fragment = client.get(form_url, headers=HTMX).text

    assert len(re.findall(r"<h[12][^>]*>Request an agenda item</h[12]>", page)) == 1
    assert '<h1 id="agenda-request-title">Request an agenda item</h1>' in page
    assert '<h2 id="agenda-request-title">Request an agenda item</h2>' in fragment


@pytest.mark.parametrize(
    ("page", "headings"),
    [(MEETING_FORM, 0), ("/meetings/tug-2018-10-16/", 1), ("/programs/tug/", 1)],
)
def test_agenda_request_sent_with_htmx_keeps_one_heading_on_the_page_it_came_from(
    client, seed_meeting, page, headings
):
    """On the form's own page the h1 names it: the confirmation swapped in adds no h2 (nor a
    second element with its id); on a meeting's or program's page it brings its own."""
    current = f"http://testserver{page}"
    response = client.post(MEETING_FORM, REQUEST, headers=HTMX | {"HX-Current-URL": current})

    assert response.status_code == 200
    assert CONFIRMATION in text_of(response)
    assert response.text.count('id="agenda-request-title"') == headings


def test_agenda_request_page_names_the_meeting(client, seed_meeting):
    text = text_of(client.get(MEETING_FORM))

    assert "Propose a topic for this meeting." in text


@pytest.mark.parametrize(
    "form_url",
    [
        "/programs/nope/agenda-request/",
        "/programs/tug/agenda-request/?meeting=nope",
        "/programs/cpg/agenda-request/?meeting=tug-2018-10-16",
    ],
)
def test_agenda_request_page_of_unknown_program_or_meeting_is_a_404(client, demo, form_url):
    assert client.get(form_url).status_code == 404


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


SYSTEMS = [
    System(code="DRRS", name="Demand Response"),
    System(code="OMS", name="Outage Management"),
]


@pytest.mark.parametrize("form_class", [MeetingFilterForm, AnnouncementFilterForm])
def test_system_filter_takes_a_code_in_any_case_as_the_systems_own(form_class):
    form = form_class({"system": "drrs"}, programs=[], systems=SYSTEMS)

    assert form.is_valid()
    assert form.cleaned_data["system"] == "DRRS"
    assert form.search_arguments()["system_code"] == "DRRS"
    assert '<option value="DRRS" selected>' in str(form["system"])


def test_system_filter_refuses_a_code_no_system_has_naming_it_as_typed():
    form = MeetingFilterForm({"system": "drr"}, programs=[], systems=SYSTEMS)

    assert not form.is_valid()
    assert form.errors["system"] == ["There is no system “drr”."]
