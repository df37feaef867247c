"""The digest mail: text and HTML parts rendered once per distinct content, filled in per
subscriber.

A digest carries the sections of every digest-on subscription of its mailbox (its own and the
`merged` ones): one `DigestScope` per program followed, all read in the zone of the digest's own
subscription and covering the week up to its moment. Subscribers who follow the same programs
and systems, read times in the same zone and are sent at the same moment get the same digest but
for their address, Date, Message-ID and links. So a batch gathers each scope's sections once,
renders each distinct content once, has Django build one mail of it with placeholders, and fills
in each subscriber's values (the reminders' `mail_template.py`): the bytes Django's SMTP backend
would have sent.
"""

import zoneinfo
from datetime import datetime, timedelta
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from tug_portal.calendars.describe import clean_text
from tug_portal.common.mail import Envelope, message_id_domain, smtp_envelope
from tug_portal.common.site import absolute_url
from tug_portal.meetings.models import Program
from tug_portal.reminders import tokens as reminder_tokens
from tug_portal.reminders.mail import one_line
from tug_portal.reminders.mail_template import MessageTemplate, envelope_recipient
from tug_portal.reminders.models import Subscription

from . import schedule, tokens
from .models import Digest
from .sections import DigestScope, Section, build_sections, merged_sections

# Stand-ins for a subscriber's own values in the template of a content's mails.
PLACEHOLDER_HEADERS = {
    "To": "subscriber@placeholder.invalid",
    "Date": "placeholder-date",
    "Message-ID": "<message-id@placeholder.invalid>",
    "List-Unsubscribe": "<https://placeholder.invalid/unsubscribe/>",
}
PLACEHOLDER_TEXTS = (
    "https://placeholder.invalid/preferences/",
    "https://placeholder.invalid/unsubscribe/",
)


def digest_message_id(digest: Digest) -> str:
    """A function of the row's key alone: a repeat carries the same Message-ID."""
    return f"<digest.{digest.subscription_id}.{digest.week:%Y-%m-%d}@{message_id_domain()}>"


def followed_system_ids(subscription: Subscription) -> set[int]:
    """The systems the subscription narrows its program to (none: the whole program), from the
    list its batch read with it (`selectors.digests_claimed`), or read now."""
    systems = getattr(subscription, "system_list", None)
    if systems is None:
        systems = subscription.systems.all()
    return {system.pk for system in systems}


def digest_scope(digest: Digest) -> DigestScope:
    """The scope of the digest's own subscription (its period and zone are the whole mail's)."""
    subscription = digest.subscription
    return DigestScope(
        program_ids=(subscription.program_id,),
        system_ids=tuple(sorted(followed_system_ids(subscription))),
        time_zone=subscription.digest_preference.time_zone,
        until=digest.due_at,
    )


def _still_wanted(subscription: Subscription) -> bool:
    preference = getattr(subscription, "digest_preference", None)
    return bool(
        preference is not None
        and preference.enabled
        and subscription.is_confirmed
        and subscription.program.is_active
    )


def digest_subscriptions(digest: Digest) -> list[Subscription]:
    """Whose sections the digest carries: its own subscription and the mailbox's others merged
    into it when planned, those still digest-on (confirmed, of an active program)."""
    merged = getattr(digest, "merged_subscriptions", None)  # `digests_claimed` reads them
    if merged is None:
        merged = digest.merged.select_related("program", "digest_preference")
    merged = [other for other in merged if _still_wanted(other)]
    return [digest.subscription, *sorted(merged, key=lambda other: other.pk)]


def digest_scopes(
    digest: Digest, subscriptions: list[Subscription] | None = None
) -> tuple[DigestScope, ...]:
    """One scope per program the digest's subscriptions (`digest_subscriptions`) follow, by
    acronym: narrowed to the union of their systems, or whole when one of them follows it
    whole; all in the zone and period of the digest's own."""
    own = digest_scope(digest)
    subscriptions = digest_subscriptions(digest) if subscriptions is None else subscriptions
    if len(subscriptions) == 1:
        return (own,)
    programs, systems = {}, {}
    for subscription in subscriptions:
        program = subscription.program
        followed = followed_system_ids(subscription)
        if program.pk in systems:
            earlier = systems[program.pk]
            followed = followed | earlier if followed and earlier else set()  # whole wins
        programs[program.pk], systems[program.pk] = program, followed
    return tuple(
        DigestScope(
            program_ids=(program.pk,),
            system_ids=tuple(sorted(systems[program.pk])),
            time_zone=own.time_zone,
            until=own.until,
        )
        for program in sorted(programs.values(), key=lambda program: (program.acronym, program.pk))
    )


def covered_days(scope: DigestScope) -> str:
    """The local days the digest reports on, from its period's first to its last: "February 27 -
    March 6, 2026" for a Friday 08:00 digest ("week of" a Monday said nothing true of a digest
    sent on another day). A digest sent at midnight covers seven whole days, the last one the
    day before. ASCII hyphens, as the mail's times have ("8:00-9:00 AM"): a plain subject
    line, not an encoded one."""
    zone = zoneinfo.ZoneInfo(scope.time_zone)
    first = scope.since.astimezone(zone).date()
    last = (scope.until - timedelta(microseconds=1)).astimezone(zone).date()
    if first.year != last.year:
        return f"{first:%B} {first.day}, {first.year} - {last:%B} {last.day}, {last.year}"
    if first.month != last.month:
        return f"{first:%B} {first.day} - {last:%B} {last.day}, {last.year}"
    return f"{first:%B} {first.day}-{last.day}, {last.year}"


def subject(programs: list[Program], scope: DigestScope) -> str:
    names = ", ".join(program.acronym for program in programs)
    return one_line(f"{names} weekly digest: {covered_days(scope)}")


def _link_parts(name: str) -> tuple[str, str]:
    """The absolute URL of `name` before and after its token."""
    before, after = absolute_url(reverse(name, args=["TOKEN"])).split("TOKEN")
    return before, after


def render_parts(
    programs: list[Program],
    scope: DigestScope,
    sections: list[Section],
    links: tuple[str, str],
    mailbox_wide: bool = False,
) -> tuple[str, str]:
    """(text, HTML) of a digest with these preferences and unsubscribe links; `mailbox_wide`:
    it carries more than one subscription of its mailbox, and its link stops them all."""
    context = {
        "programs": programs,
        "names": ", ".join(program.acronym for program in programs),
        "days": covered_days(scope),
        "sections": sections,
        "preferences_url": links[0],
        "unsubscribe_url": links[1],
        "mailbox_wide": mailbox_wide,
    }
    text = clean_text(render_to_string("digest/mail/digest.txt", context)) + "\n"
    return text, render_to_string("digest/mail/digest.html", context)


def _list_headers(program: Program) -> dict[str, str]:
    return {
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": one_line(
            f"{program.acronym} weekly digest <{program.slug}.digest.{message_id_domain()}>"
        ),
        "Auto-Submitted": "auto-generated",
    }


class DigestRenderer:
    """Renders a batch's digests: content and template once per scope, bytes per mail."""

    def __init__(self):
        # Resolved once a batch: 10,000 mails would otherwise resolve them 20,000 times.
        self._preferences = _link_parts("digest:preferences")
        self._unsubscribe = _link_parts("digest:unsubscribe")
        self._contents: dict[int, tuple] = {}
        self._programs: dict[tuple, list[Program]] = {}
        self._sections: dict[DigestScope, list[Section]] = {}
        self._merged: dict[tuple, list[Section]] = {}
        self._templates: dict[tuple, MessageTemplate | None] = {}

    def content(self, digest: Digest) -> tuple:
        """The key of what the digest says: its scopes, its own program (the List-Id) and
        whether it speaks for several subscriptions of its mailbox."""
        if digest.pk not in self._contents:
            subscriptions = digest_subscriptions(digest)
            scopes = digest_scopes(digest, subscriptions)
            key = (scopes, digest.subscription.program_id, len(subscriptions) > 1)
            programs = {s.program_id: s.program for s in subscriptions}
            self._programs[key] = [programs[scope.program_ids[0]] for scope in scopes]
            self._contents[digest.pk] = key
        return self._contents[digest.pk]

    def scope(self, digest: Digest) -> DigestScope:
        """The period and zone of the digest (those of its first scope)."""
        return self.content(digest)[0][0]

    def sections(self, digest: Digest) -> list[Section]:
        """The sections of all its scopes, each scope's gathered once a batch."""
        scopes = self.content(digest)[0]
        if scopes not in self._merged:
            for scope in scopes:
                if scope not in self._sections:
                    self._sections[scope] = build_sections(scope)
            self._merged[scopes] = merged_sections([self._sections[s] for s in scopes])
        return self._merged[scopes]

    def _message(self, digest: Digest, headers: dict[str, str], links) -> EmailMultiAlternatives:
        content = self.content(digest)
        scope, programs, mailbox_wide = self.scope(digest), self._programs[content], content[2]
        program = digest.subscription.program
        sections = self.sections(digest)
        text, html = render_parts(programs, scope, sections, links, mailbox_wide)
        headers = dict(headers)
        message = EmailMultiAlternatives(
            subject=subject(programs, scope),
            body=text,
            to=[headers.pop("To")],
            headers={**headers, **_list_headers(program)},
        )
        message.attach_alternative(html, "text/html")
        return message

    def _links(self, digest: Digest) -> tuple[str, str]:
        """The subscriber's preferences and digest unsubscribe links."""
        subscription = digest.subscription
        preferences = reminder_tokens.preferences_token(subscription.subscriber_id)
        unsubscribe = tokens.unsubscribe_token(subscription.pk)
        return (
            preferences.join(self._preferences),
            unsubscribe.join(self._unsubscribe),
        )

    @staticmethod
    def _own_headers(digest: Digest, unsubscribe_url: str, date: str | None) -> dict[str, str]:
        dated = {"Date": date} if date else {}
        return {
            "To": digest.subscription.subscriber.email,
            **dated,
            "Message-ID": digest_message_id(digest),
            "List-Unsubscribe": f"<{unsubscribe_url}>",
        }

    def delivery_message(self, digest: Digest) -> EmailMultiAlternatives:
        links = self._links(digest)
        return self._message(digest, self._own_headers(digest, links[1], None), links)

    def delivery_envelope(self, digest: Digest) -> Envelope:
        links = self._links(digest)
        headers = self._own_headers(
            digest, links[1], formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
        )
        template = self._template(digest)
        data = template and template.fill(headers, links)
        if data is None:  # Django would write this one differently: it builds it
            return smtp_envelope(self._message(digest, headers, links))
        return Envelope(
            mail_from=template.mail_from,
            recipients=[envelope_recipient(headers["To"])],
            data=data,
        )

    def _template(self, digest: Digest) -> MessageTemplate | None:
        content = self.content(digest)
        if content not in self._templates:
            self._templates[content] = MessageTemplate.of(
                self._message(digest, PLACEHOLDER_HEADERS, PLACEHOLDER_TEXTS),
                headers=PLACEHOLDER_HEADERS,
                texts=PLACEHOLDER_TEXTS,
            )
        return self._templates[content]


def preview(
    *, programs: list[Program], system_ids: tuple[int, ...], time_zone: str, now: datetime
) -> dict:
    """Staff: the digest these programs and systems would get at the next default send moment
    (Monday 08:00 in `time_zone`), as subject, text and HTML; `sections` empty: none is sent."""
    from .models import DEFAULT_HOUR, DEFAULT_WEEKDAY

    until = schedule.next_moment(
        now=now, weekday=DEFAULT_WEEKDAY, hour=DEFAULT_HOUR, time_zone=time_zone
    )
    scope = DigestScope(
        program_ids=tuple(sorted(program.pk for program in programs)),
        system_ids=tuple(sorted(system_ids)),
        time_zone=time_zone,
        until=until,
    )
    sections = build_sections(scope)
    links = (absolute_url("/subscriptions/digest/"),) * 2
    text, html = render_parts(programs, scope, sections, links)
    return {
        "until": until,
        "subject": subject(programs, scope),
        "sections": sections,
        "text": text,
        "html": html,
    }
