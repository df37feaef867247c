"""Whatever anyone types: property-based tests (hypothesis) over the public forms and filters,
the agenda parser, the calendar builder and the mails. No exception escapes, no answer is a
500, newlines and control characters break no `.ics` line and no mail header."""

import re
from datetime import date, time, timedelta
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from tests.calendars.parsers import parse_events
from tug_portal.calendars.builders import build_meeting_ics
from tug_portal.common import budgets
from tug_portal.importer.parsing import AgendaRecord, parse_agenda
from tug_portal.meetings.models import (
    AgendaRequest,
    AgendaTopic,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
)
from tug_portal.meetings.selectors import meetings_with_calendar_facts
from tug_portal.meetings.services import meeting_create
from tug_portal.reminders.mail import MailRenderer
from tug_portal.reminders.models import Delivery, Subscriber, Subscription

from .inert import active_content

pytestmark = pytest.mark.django_db

# Text as hostile as it gets: any unicode, with line breaks, tabs, NUL and the other controls
# made likely rather than rare.
CONTROL = st.sampled_from(["\r\n", "\n", "\r", "\t", "\x00", "\x0b", "\x1b", "\u2028", "\x85"])
hostile_text = st.lists(st.one_of(st.text(max_size=40), CONTROL), max_size=8).map("".join)
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Rows written straight to the database: PostgreSQL stores no NUL, and every form refuses it
# (Django's CharField does), so text that reaches a row never has one.
storable_text = hostile_text.map(lambda text: text.replace("\x00", ""))
AGENDA_REQUEST = "/programs/tug/agenda-request/?meeting=tug-next"


def holds_nul(values: dict) -> bool:
    return any("\x00" in value for value in values.values())


@pytest.fixture
def program():
    program = Program.objects.create(
        slug="tug",
        name="Technology User Group",
        acronym="TUG",
        default_start_time=time(10),
        contact=Person.objects.create(name="Indu Nambiar", email="inambiar@caiso.com"),
    )
    meeting_create(program=program, day=date(2030, 1, 8), slug="tug-next", is_published=True)
    return program


# --- Forms and filters ------------------------------------------------------------------------


@EXAMPLES
@given(
    name=hostile_text,
    email=st.one_of(hostile_text, st.emails()),
    organization=hostile_text,
    topic=hostile_text,
    details=hostile_text,
)
def test_agenda_request_form_answers_any_input_without_a_server_error(
    client, program, mailoutbox, django_capture_on_commit_callbacks, name, email, organization,
    topic, details,
):  # fmt: skip
    cache.clear()  # one client sending many forms: the fair-use budgets are tested elsewhere
    budgets.forget_all()
    mailoutbox.clear()
    form = {
        "name": name, "email": email, "organization": organization, "topic": topic,
        "details": details,
    }  # fmt: skip
    # Each example on its own: an identical request repeated within minutes is the one stored
    # (meetings.services), and hypothesis replays examples.
    AgendaRequest.objects.all().delete()
    before = 0

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(AGENDA_REQUEST, form)

    # A NUL character anywhere is refused before the view (400, common/request_guards.py).
    assert response.status_code in (302, 422) or (response.status_code == 400 and holds_nul(form))
    assert AgendaRequest.objects.count() - before == (1 if response.status_code == 302 else 0)


def test_agenda_request_with_a_line_break_in_its_topic_still_reaches_the_contact(
    client, program, mailoutbox, django_capture_on_commit_callbacks
):
    form = {"name": "Ada", "email": "ada@example.com", "topic": "DRRS\r\nBcc: evil@example.com"}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(AGENDA_REQUEST, form)

    assert response.status_code == 302
    (mail,) = mailoutbox
    subject = mail.message()["Subject"]
    assert subject.startswith("Agenda request: TUG: DRRS")
    assert not CONTROL_CHARACTERS.search(subject)
    assert "Bcc" not in mail.message()


@EXAMPLES
@given(email=st.one_of(hostile_text, st.emails()), program_slug=hostile_text, system=hostile_text)
def test_subscribe_form_answers_any_input_without_a_server_error(
    client, program, email, program_slug, system
):
    cache.clear()
    budgets.forget_all()

    response = client.post(
        "/subscriptions/new/?program=tug",
        {"email": email, "program": program_slug, "systems": system},
    )

    assert response.status_code in (302, 400)


FILTER_PAGES = ("/", "/announcements/", "/programs/tug/")


@EXAMPLES
@given(
    path=st.sampled_from(FILTER_PAGES),
    query=st.dictionaries(
        st.sampled_from(["q", "system", "program", "when", "kind", "page"]), hostile_text
    ),
)
def test_list_filters_answer_any_query_without_a_server_error(client, program, path, query):
    response = client.get(path, query)

    assert response.status_code in (200, 400)


@EXAMPLES
@given(
    path=st.sampled_from(["/calendar/all.ics", "/calendar/tug.ics", "/meetings/tug-next.ics"]),
    query=st.dictionaries(st.sampled_from(["system", "history", "alarm"]), hostile_text),
)
def test_feed_options_answer_any_query_without_a_server_error(client, program, path, query):
    cache.clear()
    budgets.forget_all()

    response = client.get(path, query)

    # 404: a system code that names no system is a feed that does not exist.
    assert response.status_code in (200, 400, 404)


# --- The agenda parser ------------------------------------------------------------------------

SEED_LINES = [
    "Technology User Group (TUG)",
    "October 16 2018",
    "10:00 - 11:00 AM Pacific",
    "Legal Disclaimer for Recording Meeting",
    "Web Conference Information\t\tConference Call Information\t",
    "URL\thttps://caiso.webex.com/meet/CAISO-TUG\tDomestic Call-In\t(866) 528-2256",
    "Meeting Number\t966 010 353\tInternational Call-In\t(216) 706-7052",
    "Access Code\t389 588 9\tAccess Code\t389 588 9",
    "Topic\tFacilitator",
    "Agenda and Roll Call\tIndu Nambiar",
    "DRRS – Acceptable Use Policy Changes\tNalini Chari",
    "DRRS – Acceptable Use Policy",
    "- This AUP allows a user to submit or retrieve a single service only once every 30 seconds.",
    ' - "CAISO DRRS Acceptable Use Policy Violation. Please retry your request again."',
    "Agenda for meeting on November 1st 2018 2:00pm",
    "Next TUG: Oct 30, 2018",
    "Contact for Questions & Agenda Requests: Indu Nambiar, inambiar@caiso.com",
    "Stay connected",
    "@California_ISO",
]
agenda_like = st.lists(
    st.one_of(st.sampled_from(SEED_LINES), hostile_text, st.sampled_from(["", "\t", "   "])),
    max_size=40,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(), agenda_like))
def test_agenda_parser_reads_any_text_without_raising(text):
    record = parse_agenda(text, file="upload.txt")

    assert isinstance(record, AgendaRecord)


# --- The calendar builder ---------------------------------------------------------------------

FOLDED_LINE = re.compile(rb"\A(?:[^\r\n]*\r\n)+\Z")


def meeting_ics_with(*, title="TUG", topic="", body="", facilitator="Nalini", label="Domestic"):
    meeting = Meeting.objects.get(slug="tug-next")
    Meeting.objects.filter(pk=meeting.pk).update(title=title[:200] or "x", web_conference_url="")
    meeting.topics.all().delete()
    new_topic = AgendaTopic.objects.create(meeting=meeting, title=topic[:300], body=body)
    new_topic.facilitators.add(Person.objects.get_or_create(name=facilitator[:200])[0])
    meeting.dial_ins.all().delete()
    MeetingDialIn.objects.create(meeting=meeting, label=label[:100], number="(866) 528-2256")
    return build_meeting_ics(meetings_with_calendar_facts().get(pk=meeting.pk))


def assert_well_formed_calendar(data: bytes) -> None:
    assert FOLDED_LINE.match(data), "every line ends in CRLF; no bare CR or LF"
    (event,) = Calendar.from_ical(data).walk("VEVENT")
    assert not CONTROL_CHARACTERS.search(str(event["SUMMARY"]))
    assert len(parse_events(data)) == 1  # vobject and ical read the same single event


@EXAMPLES
@given(title=storable_text, topic=storable_text, body=storable_text, facilitator=storable_text)
def test_calendar_of_any_text_is_well_formed_and_reads_the_same_everywhere(
    program, title, topic, body, facilitator
):
    data = meeting_ics_with(title=title, topic=topic, body=body, facilitator=facilitator)

    assert_well_formed_calendar(data)


def test_calendar_with_a_control_character_in_a_dial_in_label_is_well_formed(program):
    data = meeting_ics_with(label="Domestic\x08Call-In")

    assert_well_formed_calendar(data)


# --- Mails ------------------------------------------------------------------------------------


@EXAMPLES
@given(title=storable_text, topic=storable_text)
def test_reminder_mail_of_any_title_keeps_its_headers_and_is_inert(program, title, topic):
    meeting = Meeting.objects.get(slug="tug-next")
    Meeting.objects.filter(pk=meeting.pk).update(title=f"{title[:190]}\r\nBcc: evil@example.com")
    meeting.topics.all().delete()
    AgendaTopic.objects.create(meeting=meeting, title=f"<script>alert(1)</script>{topic[:200]}")
    subscriber = Subscriber.objects.get_or_create(email="member@example.com")[0]
    subscription = Subscription.objects.get_or_create(subscriber=subscriber, program=program)[0]
    delivery = Delivery(
        subscription=subscription,
        meeting=meetings_with_calendar_facts().get(pk=meeting.pk),
        offset=timedelta(hours=1),
    )

    message = MailRenderer().delivery_message(delivery)

    parsed = message_from_bytes(message.message().as_bytes(), policy=email_policy)
    assert "Bcc" not in parsed
    assert parsed["To"] == "member@example.com"
    assert not CONTROL_CHARACTERS.search(str(parsed["Subject"]))
    (html,) = [content for content, kind in message.alternatives if kind == "text/html"]
    assert active_content(html) == []
