"""What a digest says: a list of sections, each from a provider.

A provider is a `SectionProvider`: a key, a title and a function that takes a `DigestScope`
(the programs and systems followed, the reader's zone, and the period) and returns the section's
items. `settings.DIGEST_SECTIONS` lists them in the order the mail shows them, by dotted path,
so another app adds a section by writing a provider and naming it there; nothing here changes.
A section with no items is left out, and a digest whose sections are all empty is not sent.

Items are plain (a title, lines of text, a link), so one template renders every section, in
text and HTML.
"""

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from tug_portal.common.site import absolute_url
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.timeutil import format_meeting_when, format_time_range, zone_name
from tug_portal.reminders.mail import one_line

from . import selectors

UPCOMING_DAYS = 14
PERIOD = timedelta(days=7)


@dataclass(frozen=True)
class DigestScope:
    """Whose digest and when: the same scope is the same content, rendered once."""

    program_ids: tuple[int, ...]
    system_ids: tuple[int, ...]  # empty: every meeting of the programs
    time_zone: str  # the reader's
    until: datetime  # the send moment; the digest covers (until - 7 days, until]

    @property
    def since(self) -> datetime:
        return self.until - PERIOD

    @property
    def period(self) -> dict:
        """The keyword arguments of a selector of what happened in the period."""
        return {
            "program_ids": self.program_ids,
            "system_ids": self.system_ids,
            "since": self.since,
            "until": self.until,
        }


@dataclass(frozen=True)
class DigestItem:
    title: str
    lines: tuple[str, ...] = ()
    url: str = ""  # absolute
    links: tuple[tuple[str, str], ...] = field(default=())  # (label, absolute URL) shown after


@dataclass(frozen=True)
class SectionProvider:
    key: str
    title: str
    items: Callable[[DigestScope], list[DigestItem]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: list[DigestItem]


def providers() -> list[SectionProvider]:
    return [_provider(path) for path in settings.DIGEST_SECTIONS]


@cache
def _provider(path: str) -> SectionProvider:
    return import_string(path)


def build_sections(scope: DigestScope) -> list[Section]:
    """The non-empty sections of the digest of `scope`, in the configured order."""
    sections = []
    for provider in providers():
        if items := provider.items(scope):
            sections.append(Section(key=provider.key, title=provider.title, items=items))
    return sections


# --- How meetings read ----------------------------------------------------------------------


def when_for_reader(meeting: Meeting, time_zone: str) -> str:
    """The meeting's time in its own zone, followed by the reader's when that differs:
    "Tuesday, October 16, 2018, 10:00-11:00 AM Pacific (1:00-2:00 PM Eastern, your time)"."""
    own = format_meeting_when(meeting)
    if time_zone == meeting.time_zone:
        return own
    zone = zoneinfo.ZoneInfo(time_zone)
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    day = "" if start.date() == meeting.local_start.date() else f"{start:%A, %B} {start.day}, "
    return f"{own} ({day}{format_time_range(start, end)} {zone_name(time_zone)}, your time)"


def _title(meeting: Meeting) -> str:
    return one_line(f"{meeting.program.acronym}: {meeting.title}")


def _page(meeting: Meeting) -> str:
    return absolute_url(meeting.get_absolute_url())


def _join_details(meeting: Meeting) -> tuple[list[str], tuple[tuple[str, str], ...]]:
    """(lines, links): the conference's codes and the dial-ins; the join link."""
    lines, links = [], ()
    if meeting.web_conference_url:
        links = (("Join", meeting.web_conference_url),)
        codes = [
            f"Meeting number {meeting.meeting_number}" if meeting.meeting_number else "",
            f"access code {meeting.web_access_code}" if meeting.web_access_code else "",
        ]
        if any(codes):
            lines.append(one_line(", ".join(code for code in codes if code)))
    for dial_in in meeting.dial_ins.all():
        code = f", access code {dial_in.access_code}" if dial_in.access_code else ""
        lines.append(one_line(f"Dial-in: {dial_in.label} {dial_in.number}{code}"))
    return lines, links


# --- The sections ---------------------------------------------------------------------------


def upcoming_items(scope: DigestScope) -> list[DigestItem]:
    meetings = selectors.meetings_upcoming(
        program_ids=scope.program_ids,
        system_ids=scope.system_ids,
        after=scope.until,
        until=scope.until + timedelta(days=UPCOMING_DAYS),
    )
    items = []
    for meeting in meetings:
        lines, links = _join_details(meeting)
        items.append(
            DigestItem(
                title=_title(meeting),
                lines=(when_for_reader(meeting, scope.time_zone), *lines),
                url=_page(meeting),
                links=links,
            )
        )
    return items


def changed_items(scope: DigestScope) -> list[DigestItem]:
    return [
        DigestItem(
            title=_title(meeting),
            lines=(
                when_for_reader(meeting, scope.time_zone),
                one_line(f"What changed: {meeting.change_summary}"),
            ),
            url=_page(meeting),
        )
        for meeting in selectors.meetings_changed(**scope.period)
    ]


def cancelled_items(scope: DigestScope) -> list[DigestItem]:
    items = []
    for meeting in selectors.meetings_cancelled(**scope.period):
        lines = [when_for_reader(meeting, scope.time_zone)]
        if meeting.cancellation_reason:
            lines.append(one_line(f"Why: {meeting.cancellation_reason}"))
        replacement = meeting.replacement
        if replacement is not None and replacement.is_published:
            lines.append(f"Instead: {when_for_reader(replacement, scope.time_zone)}")
        items.append(DigestItem(title=_title(meeting), lines=tuple(lines), url=_page(meeting)))
    return items


def announcement_items(scope: DigestScope) -> list[DigestItem]:
    return [
        DigestItem(
            title=one_line(announcement.title),
            lines=(announcement.get_kind_display(),),
            url=absolute_url(announcement.get_absolute_url()),
        )
        for announcement in selectors.announcements_published(**scope.period)
    ]


def answered_request_items(scope: DigestScope) -> list[DigestItem]:
    items = []
    for request in selectors.agenda_requests_answered(**scope.period):
        answer = request.get_status_display()
        if request.meeting is not None and request.meeting.is_published:
            answer += f": {format_meeting_when(request.meeting)}"
        items.append(
            DigestItem(
                title=one_line(f"{request.program.acronym}: {request.topic}"),
                lines=(answer,),
                url=_page(request.meeting)
                if request.meeting is not None and request.meeting.is_published
                else "",
            )
        )
    return items


UPCOMING = SectionProvider(
    "upcoming", f"Coming up in the next {UPCOMING_DAYS} days", upcoming_items
)
CHANGED = SectionProvider("changed", "Changed since the last digest", changed_items)
CANCELLED = SectionProvider("cancelled", "Cancelled", cancelled_items)
ANNOUNCEMENTS = SectionProvider("announcements", "Announcements", announcement_items)
ANSWERED_REQUESTS = SectionProvider(
    "answered_requests", "Agenda requests answered", answered_request_items
)


def merged_sections(parts: list[list[Section]]) -> list[Section]:
    """The sections of several scopes as one digest's (a mailbox's programs): each section's
    items in the order of the parts, an item two parts share (a general announcement) once, the
    sections in the configured order."""
    if len(parts) == 1:
        return parts[0]
    order = {provider.key: n for n, provider in enumerate(providers())}
    merged: dict[str, Section] = {}
    for sections in parts:
        for section in sections:
            into = merged.setdefault(section.key, Section(section.key, section.title, []))
            for item in section.items:
                if item not in into.items:
                    into.items.append(item)
    return sorted(merged.values(), key=lambda section: order.get(section.key, len(order)))
