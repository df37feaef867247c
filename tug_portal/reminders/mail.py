"""The mails: a reminder or notice for a Delivery row, and the confirmation mail.

Every mail has a plain-text and an HTML part rendered from templates/reminders/mail/. A
reminder carries all a stakeholder needs to join without opening the portal (time in the
meeting's zone, web conference, dial-ins, agenda with facilitators) and the meeting's .ics.
Header values pass through `one_line`, so a title with a line break or a control character
can neither break nor inject a header.
"""

import textwrap
from dataclasses import dataclass
from datetime import datetime
from email.mime.base import MIMEBase
from email.utils import formatdate
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from tug_portal.calendars.builders import build_meeting_ics
from tug_portal.calendars.describe import clean_text
from tug_portal.calendars.links import meeting_ics_url
from tug_portal.common.mail import Envelope, message_id_domain, new_message_id, smtp_envelope
from tug_portal.common.site import (
    absolute_links_in_html,
    absolute_links_in_markdown,
    absolute_url,
)
from tug_portal.meetings.calendar_state import NO_LONGER_CANCELLED
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.timeutil import format_meeting_when, format_time_range

from . import tokens
from .mail_template import MessageTemplate, envelope_recipient
from .models import Delivery, Subscription, describe_duration

Kind = Delivery.Kind


def one_line(value: str) -> str:
    """Safe for a header: no control characters, every run of white space one space."""
    return " ".join(clean_text(value).split())


def delivery_message_id(delivery: Delivery) -> str:
    """A function of the row's key alone: a repeat of the same mail carries the same
    Message-ID, which mail clients use to show it once."""
    minutes = int(delivery.offset.total_seconds() // 60)
    key = f"{delivery.kind}.{delivery.subscription_id}.{delivery.meeting.uid}.{minutes}"
    return f"<{key}.{delivery.revision}@{message_id_domain()}>"


def subscriber_links(subscription: Subscription) -> dict[str, str]:
    """Absolute preferences and unsubscribe links. A subscription not saved (a staff test
    mail to someone not subscribed) points both at the subscribe form instead."""
    if subscription.pk is None:
        form = (
            reverse("reminders:subscribe") + "?" + urlencode({"program": subscription.program.slug})
        )
        return {"preferences_url": absolute_url(form), "unsubscribe_url": absolute_url(form)}
    preferences = tokens.preferences_token(subscription.subscriber_id)
    unsubscribe = tokens.unsubscribe_token(subscription.pk)
    return {
        "preferences_url": absolute_url(reverse("reminders:preferences", args=[preferences])),
        "unsubscribe_url": absolute_url(reverse("reminders:unsubscribe", args=[unsubscribe])),
    }


def _meeting_context(meeting: Meeting) -> dict:
    """What a meeting contributes to its mails. Reads only what `selectors.meetings_for_mail`
    prefetches."""
    topics = [
        {
            "title": one_line(topic.title),
            "time": format_time_range(topic.start_time, topic.end_time)
            if topic.start_time and topic.end_time
            else "",
            "facilitators": topic.facilitator_names(),
            "systems": ", ".join(system.code for system in topic.systems.all()),
            # Links an agenda makes to the portal's own pages get the site's address.
            "body": textwrap.indent(absolute_links_in_markdown(clean_text(topic.body)), "    "),
            # Only the site's own address is added to HTML that render_markdown sanitized.
            "body_html": mark_safe(absolute_links_in_html(topic.body_html)),  # noqa: S308
        }
        for topic in meeting.topics.all()
    ]
    return {
        "meeting": meeting,
        "program": meeting.program,
        "heading": one_line(f"{meeting.program.acronym}: {meeting.title}"),
        "when": format_meeting_when(meeting),
        "topics": topics,
        "dial_ins": list(meeting.dial_ins.all()),
        "contact": meeting.effective_contact,
        "page_url": absolute_url(meeting.get_absolute_url()),
        "ics_url": meeting_ics_url(meeting),
        # A cancellation notice says why, and where to go instead (a meeting the public sees).
        "cancellation_reason": one_line(meeting.cancellation_reason),
        "replacement": _replacement(meeting),
    }


def _replacement(meeting: Meeting) -> dict | None:
    replacement = meeting.replacement if meeting.replacement_id else None
    if replacement is None or not replacement.is_published:
        return None
    return {
        "when": format_meeting_when(replacement),
        "url": absolute_url(replacement.get_absolute_url()),
    }


def _render_text(template: str, context: dict) -> str:
    # Template tags leave blank lines behind; clean_text folds each run into one.
    return clean_text(render_to_string(template, context)) + "\n"


def _subject(delivery: Delivery, when: str) -> str:
    acronym = delivery.meeting.program.acronym
    if delivery.kind == Kind.CANCELLATION:
        return one_line(f"Cancelled: {acronym} meeting, {when}")
    if delivery.kind == Kind.UPDATE:
        back_on = NO_LONGER_CANCELLED in delivery.detail and not delivery.meeting.is_cancelled
        return one_line(f"{'Back on' if back_on else 'Updated'}: {acronym} meeting, {when}")
    return one_line(f"Reminder: {acronym} meeting in {describe_duration(delivery.offset)}, {when}")


def _list_headers(subscription: Subscription) -> dict[str, str]:
    """The list headers every subscriber of the program gets (List-Unsubscribe is their own)."""
    program = subscription.program
    return {
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": one_line(
            f"{program.acronym} meeting reminders <{program.slug}.reminders.{message_id_domain()}>"
        ),
        # RFC 3834: no out-of-office replies to a machine.
        "Auto-Submitted": "auto-generated",
    }


@dataclass(frozen=True)
class _MeetingParts:
    """What one meeting contributes to every mail about it, built once per batch."""

    when: str
    text: str  # the details in plain text
    html: SafeString
    ics: MIMEBase  # the attachment, encoded once and shared by the batch's mails


def _ics_attachment(meeting: Meeting, now: datetime | None) -> MIMEBase:
    part = SafeMIMEText(build_meeting_ics(meeting, now=now).decode(), "calendar", "utf-8")
    part.add_header("Content-Disposition", "attachment", filename=f"{meeting.slug}.ics")
    return part


@dataclass(frozen=True)
class _Own:
    """What one subscriber's mail has of its own; the rest is the same in every mail about the
    same meeting (kind, offset and change)."""

    email: str
    message_id: str
    preferences_url: str
    unsubscribe_url: str
    date: str | None = None  # None: Django dates the mail, in the very place "Date" goes

    def headers(self) -> dict[str, str]:
        """Its headers, in the order Django writes them: To, Date, then the extra headers."""
        date = {"Date": self.date} if self.date else {}
        return {
            "To": self.email,
            **date,
            "Message-ID": self.message_id,
            # RFC 2369 and RFC 8058: mail clients show an "unsubscribe" button that POSTs here.
            "List-Unsubscribe": f"<{self.unsubscribe_url}>",
        }

    def texts(self) -> tuple[str, ...]:
        """What the body shows of its own."""
        return (self.preferences_url, self.unsubscribe_url)


# Stand-ins for a subscriber's own values in a batch's template of a meeting's mails.
_PLACEHOLDERS = _Own(
    email="subscriber@placeholder.invalid",
    message_id="<message-id@placeholder.invalid>",
    preferences_url="https://placeholder.invalid/preferences/",
    unsubscribe_url="https://placeholder.invalid/unsubscribe/",
    date="placeholder-date",
)


def _own_values(delivery: Delivery, *, date: str | None = None) -> _Own:
    subscription = delivery.subscription
    return _Own(
        email=subscription.subscriber.email,
        message_id=delivery_message_id(delivery),
        date=date,
        **subscriber_links(subscription),
    )


class MailRenderer:
    """Renders the mails of a batch. The part of a mail that is the same for every subscriber
    (the meeting's details in text and HTML, its .ics) is rendered once per meeting and kind,
    however many subscribers the batch mails about it; only the greeting and the links are
    rendered per mail. Each mail's bytes (`delivery_envelope`, for SMTP and files alike) are
    filled in from a template serialized once per meeting, kind, offset and change
    (mail_template.py)."""

    def __init__(self, *, now: datetime | None = None):
        self.now = now
        self._parts: dict[tuple[int, str], _MeetingParts] = {}
        self._ics: dict[int, MIMEBase] = {}
        self._templates: dict[tuple, MessageTemplate | None] = {}

    def _meeting_parts(self, meeting: Meeting, kind: str) -> _MeetingParts:
        key = (meeting.pk, kind)
        if key not in self._parts:
            if meeting.pk not in self._ics:
                self._ics[meeting.pk] = _ics_attachment(meeting, self.now)
            context = {**_meeting_context(meeting), "kind": kind}
            self._parts[key] = _MeetingParts(
                when=context["when"],
                text=_render_text("reminders/mail/meeting.txt", context),
                html=mark_safe(render_to_string("reminders/mail/meeting.html", context)),  # noqa: S308
                ics=self._ics[meeting.pk],
            )
        return self._parts[key]

    def delivery_message(self, delivery: Delivery) -> EmailMultiAlternatives:
        return self._message(delivery, _own_values(delivery))

    def delivery_envelope(self, delivery: Delivery) -> Envelope:
        """The mail as Django's SMTP backend would send `delivery_message`, dated now."""
        own = _own_values(delivery, date=formatdate(localtime=settings.EMAIL_USE_LOCALTIME))
        template = self._template(delivery)
        data = template and template.fill(own.headers(), own.texts())
        if data is None:  # Django would have written this one differently: it builds it
            return smtp_envelope(self._message(delivery, own))
        return Envelope(
            mail_from=template.mail_from,
            recipients=[envelope_recipient(own.email)],
            data=data,
        )

    def _template(self, delivery: Delivery) -> MessageTemplate | None:
        # Everything a mail shows but the subscriber's own values.
        key = (
            delivery.meeting_id,
            delivery.kind,
            delivery.offset,
            delivery.detail,
            delivery.subscription.program_id,
        )
        if key not in self._templates:
            self._templates[key] = MessageTemplate.of(
                self._message(delivery, _PLACEHOLDERS),
                headers=_PLACEHOLDERS.headers(),
                texts=_PLACEHOLDERS.texts(),
            )
        return self._templates[key]

    def _message(self, delivery: Delivery, own: _Own) -> EmailMultiAlternatives:
        parts = self._meeting_parts(delivery.meeting, delivery.kind)
        context = {
            "preferences_url": own.preferences_url,
            "unsubscribe_url": own.unsubscribe_url,
            "program": delivery.meeting.program,
            "kind": delivery.kind,
            "before": describe_duration(delivery.offset),
            "detail": clean_text(delivery.detail),
            "meeting_text": parts.text,
            "meeting_html": parts.html,
        }
        headers = own.headers()
        message = EmailMultiAlternatives(
            subject=_subject(delivery, parts.when),
            body=_render_text("reminders/mail/delivery.txt", context),
            to=[headers.pop("To")],
            headers={**headers, **_list_headers(delivery.subscription)},
        )
        message.attach_alternative(
            render_to_string("reminders/mail/delivery.html", context), "text/html"
        )
        message.attach(parts.ics)
        return message


def confirmation_message(
    subscription: Subscription, *, welcome: bool = False
) -> EmailMultiAlternatives:
    """The double opt-in mail; for a subscription already confirmed, its preferences link
    (`welcome`: the mail sent once, right after confirming, to keep that link)."""
    token = tokens.confirm_token(subscription.pk)
    links = subscriber_links(subscription)
    context = {
        "program": subscription.program,
        "confirmed": subscription.is_confirmed,
        "welcome": welcome,
        "confirm_url": absolute_url(reverse("reminders:confirm", args=[token])),
        **links,
    }
    acronym = subscription.program.acronym
    subject = (
        f"Welcome: your {acronym} meeting reminders"
        if welcome
        else f"Your {acronym} meeting reminders"
        if subscription.is_confirmed
        else f"Confirm your {acronym} meeting reminders"
    )
    headers = {"Message-ID": new_message_id(), "Auto-Submitted": "auto-generated"}
    if subscription.is_confirmed:
        # A subscriber's mail, like every reminder: one-click unsubscribe (the form promises
        # it). The mail asking to confirm has none: there is nothing to stop yet.
        headers["List-Unsubscribe"] = f"<{links['unsubscribe_url']}>"
        headers |= _list_headers(subscription)
    message = EmailMultiAlternatives(
        subject=one_line(subject),
        body=_render_text("reminders/mail/confirmation.txt", context),
        to=[subscription.subscriber.email],
        headers=headers,
    )
    message.attach_alternative(
        render_to_string("reminders/mail/confirmation.html", context), "text/html"
    )
    return message
