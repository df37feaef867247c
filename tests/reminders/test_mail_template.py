"""A mail filled in from its batch's template is the mail Django would have sent."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.mail.message import sanitize_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_subscription
from tug_portal.common.mail import smtp_envelope
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import AgendaTopic, Meeting
from tug_portal.reminders.mail import MailRenderer
from tug_portal.reminders.mail_template import (
    SIMPLE_ADDRESS,
    SMTP_POLICY,
    _header_line,
    envelope_recipient,
)
from tug_portal.reminders.models import Delivery
from tug_portal.reminders.selectors import meetings_for_mail

pytestmark = pytest.mark.django_db

Kind = Delivery.Kind
BOUNDARY = re.compile(rb"={15}\d+==")  # the email package's random MIME boundaries
# Printable ASCII without a space; a header value is words and spaces, often over a line.
WORD = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=90)
EXAMPLES = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True)
def frozen_now():
    """Both ways of building a mail date it now: the same second."""
    with time_machine.travel("2018-10-15 17:00:00+00:00", tick=False):
        yield


@pytest.fixture
def seed_meeting():
    load_demo()
    return meetings_for_mail().get(slug="tug-2018-10-16")


def deliveries(meeting, emails, **fields):
    fields = {"kind": Kind.REMINDER, "offset": timedelta(hours=1), **fields}
    return [
        Delivery(subscription=make_subscription(email, meeting.program), meeting=meeting, **fields)
        for email in emails
    ]


def boundaries(data: bytes) -> list[bytes]:
    return list(dict.fromkeys(BOUNDARY.findall(data)))


def without_boundaries(data: bytes) -> bytes:
    """The bytes with each MIME boundary replaced by its rank, the rest as it is."""
    ranks = {boundary: b"boundary-%d" % rank for rank, boundary in enumerate(boundaries(data))}
    return BOUNDARY.sub(lambda match: ranks[match.group()], data)


def assert_sent_as_django_would(renderer, delivery):
    envelope = renderer.delivery_envelope(delivery)
    django = smtp_envelope(MailRenderer().delivery_message(delivery))
    assert (envelope.mail_from, envelope.recipients) == (django.mail_from, django.recipients)
    assert without_boundaries(envelope.data) == without_boundaries(django.data)
    return envelope


def test_the_reference_is_what_djangos_smtp_backend_sends(seed_meeting, smtp_backend):
    (delivery,) = deliveries(seed_meeting, ["ann@example.com"])
    message = MailRenderer().delivery_message(delivery)
    reference = smtp_envelope(message)

    message.send()

    (received,) = smtp_backend.messages
    assert list(received.rcpt_tos) == reference.recipients
    assert without_boundaries(received.data) == without_boundaries(reference.data)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"offset": timedelta(days=1)},
        {"kind": Kind.UPDATE, "offset": timedelta(0), "revision": 12, "detail": "time changed"},
        {"kind": Kind.CANCELLATION, "offset": timedelta(0)},
    ],
)
def test_mails_filled_from_a_template_are_the_bytes_django_sends(seed_meeting, fields):
    emails = ["ann@example.com", "bartholomew.longname+tug-reminders@subdomain.example.org"]
    renderer = MailRenderer()

    sent = [
        assert_sent_as_django_would(renderer, delivery)
        for delivery in deliveries(seed_meeting, emails, **fields)
    ]

    # Filled from one template: the batch's mails share their boundaries.
    assert boundaries(sent[0].data) == boundaries(sent[1].data)


def sent_to_two_subscribers(meeting):
    """The envelopes of one batch's mails about `meeting` (read again, as edited) to two
    subscribers, each checked against what Django would have sent."""
    meeting = meetings_for_mail().get(pk=meeting.pk)
    renderer = MailRenderer()
    return [
        assert_sent_as_django_would(renderer, delivery)
        for delivery in deliveries(meeting, ["ann@example.com", "bob@example.com"])
    ]


def test_a_title_in_any_language_is_filled_in_as_well(seed_meeting):
    Meeting.objects.filter(pk=seed_meeting.pk).update(title="Über die Zukunft – 会议")
    first, second = sent_to_two_subscribers(seed_meeting)

    assert b"Content-Transfer-Encoding: 8bit" in first.data
    assert boundaries(first.data) == boundaries(second.data)


def test_an_address_django_would_rewrite_is_built_by_django(seed_meeting):
    renderer = MailRenderer()
    plain, international = deliveries(seed_meeting, ["ann@example.com", "zoe@exämple.com"])

    envelope = assert_sent_as_django_would(renderer, international)

    assert envelope.recipients == ["zoe@xn--exmple-cua.com"]
    assert boundaries(envelope.data) != boundaries(renderer.delivery_envelope(plain).data)


def test_a_meeting_whose_mail_needs_quoted_printable_is_built_by_django(seed_meeting):
    AgendaTopic.objects.filter(meeting=seed_meeting).update(
        body="A paragraph on one very long line. " * 40
    )
    Meeting.objects.filter(pk=seed_meeting.pk).update(title="Über TUG")
    first, second = sent_to_two_subscribers(seed_meeting)

    assert b"Content-Transfer-Encoding: quoted-printable" in first.data
    assert boundaries(first.data) != boundaries(second.data)


@EXAMPLES
@given(
    name=st.sampled_from(["To", "Date", "Message-ID", "List-Unsubscribe"]),
    value=st.lists(st.one_of(WORD, st.sampled_from([" ", "  "])), max_size=8).map("".join),
)
def test_a_header_line_is_the_one_the_policy_writes(name, value):
    assert _header_line(name, value) == SMTP_POLICY.fold_binary(name, value)


@EXAMPLES
@given(address=st.from_regex(SIMPLE_ADDRESS, fullmatch=True))
def test_a_simple_address_reaches_the_server_as_django_gives_it(address):
    assert envelope_recipient(address) == sanitize_address(address, "utf-8")
