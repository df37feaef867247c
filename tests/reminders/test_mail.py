import email
import email.policy
from datetime import timedelta

import pytest

from tests.factories import make_program, make_subscription
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Meeting, Program
from tug_portal.meetings.timeutil import format_meeting_when as meeting_when
from tug_portal.reminders import tokens
from tug_portal.reminders.mail import MailRenderer, confirmation_message
from tug_portal.reminders.models import Delivery, describe_duration
from tug_portal.reminders.selectors import meetings_for_mail

pytestmark = pytest.mark.django_db

Kind = Delivery.Kind
WHEN = "Tuesday, October 16, 2018, 10:00-11:00 AM Pacific"


@pytest.fixture
def seed_meeting():
    """The TUG meeting of 16 October 2018, as the seed agenda printed it."""
    load_demo()
    return meetings_for_mail().get(slug="tug-2018-10-16")


def render(meeting, *, kind=Kind.REMINDER, offset=timedelta(hours=1), detail=""):
    subscription = make_subscription("ann@example.com", meeting.program)
    delivery = Delivery(
        subscription=subscription, meeting=meeting, kind=kind, offset=offset, detail=detail
    )
    return subscription, MailRenderer().delivery_message(delivery)


def parts(message) -> tuple[str, str]:
    return message.body, message.alternatives[0].content


def assert_one_click_unsubscribe(message, subscription) -> str:
    """The list headers every mail to a confirmed subscription carries (one-click unsubscribe,
    RFC 8058); returns the unsubscribe link, for the tests that look for it in the body."""
    unsubscribe = (
        "http://127.0.0.1:8000/subscriptions/unsubscribe/"
        f"{tokens.unsubscribe_token(subscription.pk)}/"
    )
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Id"] == "TUG meeting reminders <tug.reminders.127.0.0.1>"
    return unsubscribe


def attachment(message) -> tuple[str, str, str]:
    """(file name, content type, text) of the mail's one attachment."""
    (part,) = message.attachments
    return part.get_filename(), part.get_content_type(), part.get_payload(decode=True).decode()


def test_meeting_time_is_written_in_the_meetings_own_zone(seed_meeting):
    assert meeting_when(seed_meeting) == WHEN


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(days=1), "1 day"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=90), "1 hour 30 minutes"),
        (timedelta(days=2, minutes=5), "2 days 5 minutes"),
    ],
)
def test_offsets_are_written_in_words(value, words):
    assert describe_duration(value) == words


def test_reminder_says_when_and_how_to_join_in_text_and_html(seed_meeting):
    _, message = render(seed_meeting)

    assert message.subject == f"Reminder: TUG meeting in 1 hour, {WHEN}"
    for part in parts(message):
        for fact in (
            WHEN,
            "https://caiso.webex.com/meet/CAISO-TUG",
            "966 010 353",
            "389 588 9",
            "Domestic Call-In",
            "(866) 528-2256",
            "International Call-In",
            "(216) 706-7052",
            "Agenda and Roll Call",
            "Indu Nambiar",
            "DRRS – Acceptable Use Policy Changes",
            "Nalini Chari",
            "OMS – CPG Announcement",
            "Justin Wong",
            "http://127.0.0.1:8000/meetings/tug-2018-10-16/",
        ):
            assert fact in part
    text, html = parts(message)
    assert "- DRRS – Acceptable Use Policy Changes, Nalini Chari [DRRS]" in text
    assert '<a href="tel:+18665282256,,3895889%23">(866) 528-2256</a>' in html


def test_agenda_links_to_portal_pages_are_absolute_in_a_mail(seed_meeting):
    text, html = parts(render(seed_meeting)[1])

    assert "(http://127.0.0.1:8000/meetings/cpg-2018-11-01/)" in text
    assert 'href="http://127.0.0.1:8000/meetings/cpg-2018-11-01/"' in html


def test_reminder_carries_the_meetings_ics(seed_meeting):
    _, message = render(seed_meeting)

    filename, content_type, content = attachment(message)
    assert (filename, content_type) == ("tug-2018-10-16.ics", "text/calendar")
    assert f"UID:{seed_meeting.uid}@tug-portal" in content
    assert "DTSTART;TZID=America/Los_Angeles:20181016T100000" in content


def test_reminder_has_one_click_unsubscribe_and_preferences_links(seed_meeting):
    subscription, message = render(seed_meeting)

    unsubscribe = assert_one_click_unsubscribe(message, subscription)
    preferences = (
        "http://127.0.0.1:8000/subscriptions/preferences/"
        f"{tokens.preferences_token(subscription.subscriber_id)}/"
    )
    for part in parts(message):
        assert unsubscribe in part
        assert preferences in part


def test_message_id_comes_from_the_rows_key(seed_meeting):
    subscription, reminder = render(seed_meeting, offset=timedelta(days=1))
    update = MailRenderer().delivery_message(
        Delivery(subscription=subscription, meeting=seed_meeting, kind=Kind.UPDATE, revision=3)
    )

    assert reminder.extra_headers["Message-ID"] == (
        f"<reminder.{subscription.pk}.{seed_meeting.uid}.1440.0@127.0.0.1>"
    )
    assert update.extra_headers["Message-ID"] == (
        f"<update.{subscription.pk}.{seed_meeting.uid}.0.3@127.0.0.1>"
    )


def test_update_notice_says_what_changed(seed_meeting):
    _, message = render(seed_meeting, kind=Kind.UPDATE, detail="topic added: OMS Road Map")

    assert message.subject == f"Updated: TUG meeting, {WHEN}"
    for part in parts(message):
        assert "has changed:" in part
        assert "topic added: OMS Road Map" in part


def test_a_withdrawn_cancellation_is_mailed_as_back_on(seed_meeting):
    # Found from outside: after a mail saying CANCELLED, the next said only "Updated".
    detail = "no longer cancelled (now scheduled); time moved from A to B"

    _, message = render(seed_meeting, kind=Kind.UPDATE, detail=detail)

    assert message.subject == f"Back on: TUG meeting, {WHEN}"
    for part in parts(message):
        assert "no longer cancelled (now scheduled)" in part


def test_cancellation_notice_gives_no_way_to_join(seed_meeting):
    Meeting.objects.filter(pk=seed_meeting.pk).update(status=Meeting.Status.CANCELLED)
    meeting = meetings_for_mail().get(pk=seed_meeting.pk)

    _, message = render(meeting, kind=Kind.CANCELLATION)

    assert message.subject == f"Cancelled: TUG meeting, {WHEN}"
    for part in parts(message):
        assert "CANCELLED" in part.upper()
        assert "966 010 353" not in part
    assert "STATUS:CANCELLED" in attachment(message)[2]


def test_cancellation_notice_ics_and_links_offer_no_way_to_join(seed_meeting):
    Meeting.objects.filter(pk=seed_meeting.pk).update(
        status=Meeting.Status.CANCELLED, is_recorded=True
    )
    meeting = meetings_for_mail().get(pk=seed_meeting.pk)

    _, message = render(meeting, kind=Kind.CANCELLATION)

    ics = attachment(message)[2].replace("\r\n ", "")
    for detail in ("CONFERENCE", "LOCATION", "webex", "Access code", "recorded"):
        assert detail not in ics
    text, html = parts(message)
    assert "Add to calendar" not in html
    assert "opening the attached .ics marks the event cancelled in a calendar" in text
    assert "Opening the attached .ics marks the event cancelled in a calendar" in html


def test_cancellation_notice_says_why_and_links_the_replacement(seed_meeting):
    # The reason is written for stakeholders "on the page and in mails" (the admin says so).
    replacement = Meeting.objects.published().filter(slug="tug-2018-10-30").get()
    Meeting.objects.filter(pk=seed_meeting.pk).update(
        status=Meeting.Status.CANCELLED,
        cancellation_reason="Merged into the next regular meeting",
        replacement=replacement,
    )
    meeting = meetings_for_mail().get(pk=seed_meeting.pk)

    _, message = render(meeting, kind=Kind.CANCELLATION)

    url = "http://127.0.0.1:8000/meetings/tug-2018-10-30/"
    for part in parts(message):
        assert "Merged into the next regular meeting" in part
        assert url in part
        assert "Tuesday, October 30, 2018" in part


def test_cancellation_notice_links_no_replacement_the_public_cannot_see(seed_meeting):
    draft = Meeting.objects.get(slug="tug-2018-10-30")
    Meeting.objects.filter(pk=draft.pk).update(is_published=False)
    Meeting.objects.filter(pk=seed_meeting.pk).update(
        status=Meeting.Status.CANCELLED, replacement=draft
    )
    meeting = meetings_for_mail().get(pk=seed_meeting.pk)

    _, message = render(meeting, kind=Kind.CANCELLATION)

    for part in parts(message):
        assert "tug-2018-10-30" not in part


def test_line_breaks_in_a_title_cannot_add_headers(seed_meeting):
    Meeting.objects.filter(pk=seed_meeting.pk).update(title="TUG\r\nBcc: spy@example.com\x07")
    Program.objects.filter(pk=seed_meeting.program_id).update(acronym="TUG\nX-Evil: 1")
    meeting = meetings_for_mail().get(pk=seed_meeting.pk)

    _, message = render(meeting)

    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed["X-Evil"] is None
    assert str(parsed["Subject"]) == f"Reminder: TUG X-Evil: 1 meeting in 1 hour, {WHEN}"
    assert "TUG X-Evil: 1: TUG Bcc: spy@example.com" in message.body


def test_confirmation_mail_asks_before_anything_is_sent():
    program = Program.objects.create(name="Technology User Group", acronym="TUG", slug="tug")
    subscription = make_subscription("ann@example.com", program, status="unconfirmed")

    message = confirmation_message(subscription)

    assert message.subject == "Confirm your TUG meeting reminders"
    confirm_url = (
        f"http://127.0.0.1:8000/subscriptions/confirm/{tokens.confirm_token(subscription.pk)}/"
    )
    for part in (message.body, message.alternatives[0].content):
        assert confirm_url in part
        assert "Nothing is sent to you until you confirm." in part


@pytest.mark.parametrize("welcome", [True, False], ids=["welcome", "preferences-link"])
def test_mail_to_a_confirmed_subscriber_has_one_click_unsubscribe_and_footer(welcome):
    program = Program.objects.create(name="Technology User Group", acronym="TUG", slug="tug")
    subscription = make_subscription("ann@example.com", program)

    message = confirmation_message(subscription, welcome=welcome)

    unsubscribe = assert_one_click_unsubscribe(message, subscription)
    text, html = message.body, message.alternatives[0].content
    assert f"Unsubscribe: {unsubscribe}" in text
    assert f'<a href="{unsubscribe}">Unsubscribe</a>' in html


def test_confirmation_mail_has_no_unsubscribe_link_there_is_nothing_to_stop_yet():
    program = Program.objects.create(name="Technology User Group", acronym="TUG", slug="tug")
    subscription = make_subscription("ann@example.com", program, status="unconfirmed")

    message = confirmation_message(subscription)

    assert "List-Unsubscribe" not in message.extra_headers


@pytest.mark.parametrize(
    ("status", "welcome"),
    [("unconfirmed", False), ("confirmed", True), ("confirmed", False)],
)
def test_confirmation_and_welcome_mails_name_the_site_in_their_message_id(
    settings, status, welcome
):
    """Like every other mail of the portal's (reminders, digests, materials): not the
    machine's own host name (`@localhost` on most servers)."""
    settings.SITE_URL = "https://portal.example.org:8443"
    subscription = make_subscription("ann@example.com", make_program(), status=status)

    message = confirmation_message(subscription, welcome=welcome).message()

    assert message["Message-ID"].endswith("@portal.example.org>")
