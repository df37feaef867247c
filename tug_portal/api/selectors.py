"""Reads the API needs beyond the core selectors. Each builds on `meetings.selectors`, so drafts
stay hidden and the next-meeting rule stays the core's; each costs a fixed number of queries
whatever the number of rows."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import DateTimeField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from tug_portal.meetings.models import AgendaTopic, Announcement, Meeting, Program, System
from tug_portal.meetings.selectors import (
    announcements_visible,
    meetings_for_system,
    meetings_visible,
    program_slug_filter,
    programs_active,
    system_code_filter,
)


def with_updated_at(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Annotate `api_updated_at`: the last change to anything the API shows of a meeting.

    A meeting's own row is not saved when only its agenda changes, so this is the latest of the
    meeting row, its program, its calendar state (bumped by the core whenever topics, people,
    dial-ins or contact change) and its topics (whose bodies are not part of the calendar state).
    """
    latest_topic = (
        AgendaTopic.objects.filter(meeting=OuterRef("pk"))
        .values("meeting")
        .annotate(latest=Max("updated_at"))
        .values("latest")
    )
    return meetings.annotate(
        api_updated_at=Greatest(
            "updated_at",
            "program__updated_at",
            # SQLite's GREATEST is NULL when any argument is: fall back to the row's own time.
            Coalesce("calendar_changed_at", "updated_at"),
            Coalesce(Subquery(latest_topic, output_field=DateTimeField()), "updated_at"),
            output_field=DateTimeField(),
        )
    )


@dataclass(frozen=True)
class MeetingFilters:
    """What a client may narrow the meeting list by; None means "no filter"."""

    program: Program | None = None
    system: System | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    status: str | None = None
    updated_since: datetime | None = None


def meetings_list(*, filters: MeetingFilters) -> QuerySet[Meeting]:
    """Published meetings, oldest first (ties broken by id, so pages never shift or overlap)."""
    meetings = with_updated_at(meetings_visible().select_related("program"))
    if filters.program is not None:
        meetings = meetings.filter(program=filters.program)
    if filters.system is not None:
        # A subquery rather than a join: a meeting with two topics about a system is one row.
        about_system = Meeting.objects.filter(meetings_for_system(code=filters.system.code))
        meetings = meetings.filter(pk__in=about_system.values("pk"))
    if filters.starts_from is not None:
        meetings = meetings.filter(starts_at__gte=filters.starts_from)
    if filters.starts_before is not None:
        meetings = meetings.filter(starts_at__lt=filters.starts_before)
    if filters.status is not None:
        meetings = meetings.filter(status=filters.status)
    if filters.updated_since is not None:
        meetings = meetings.filter(api_updated_at__gte=filters.updated_since)
    return meetings.order_by("starts_at", "pk")


def meeting_updated_at(*, meeting: Meeting) -> datetime:
    return with_updated_at(Meeting.objects.filter(pk=meeting.pk)).values_list(
        "api_updated_at", flat=True
    )[0]


def programs_list() -> QuerySet[Program]:
    return programs_active().prefetch_related("dial_ins", "links").order_by("acronym", "pk")


def program_by_slug(*, slug: str) -> Program | None:
    return programs_active().filter(program_slug_filter(slug)).first()


def system_by_code(*, code: str) -> System | None:
    return System.objects.filter(system_code_filter(code)).first()


def announcements_list(
    *, system: System | None = None, kind: str | None = None
) -> QuerySet[Announcement]:
    """Published announcements, newest first (ties broken by id)."""
    announcements = announcements_visible()
    if system is not None:
        announcements = announcements.filter(systems=system)
    if kind is not None:
        announcements = announcements.filter(kind=kind)
    return announcements.order_by("-published_at", "-pk")
