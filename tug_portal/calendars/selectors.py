"""Reads for feeds: which meetings a feed holds, and a version of the data it was built from."""

import hashlib
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from tug_portal.meetings.models import Meeting, Program, System
from tug_portal.meetings.selectors import (
    meetings_for_system,
    meetings_next_by_program,
    programs_active,
)

from .feeds import FeedSpec
from .models import StoredFeed

# Part of every data version: bump it when the builder's output changes shape, so that the
# sweep rebuilds every stored feed after a deploy.
BUILD_FORMAT = "1"


def history_start(now: datetime) -> datetime:
    """The earliest start a recent feed holds: midnight, TUG_ICAL_HISTORY_DAYS ago. Aligned on
    a day, so a feed does not change from one minute to the next."""
    today = timezone.localdate(now)
    midnight = datetime.combine(today, time(), tzinfo=timezone.get_current_timezone())
    return midnight - timedelta(days=settings.TUG_ICAL_HISTORY_DAYS)


def feed_meetings(spec: FeedSpec, *, now: datetime) -> QuerySet[Meeting]:
    """Published meetings of the feed. Drafts never; a cancelled meeting for a while after it
    was cancelled (clients must see CANCELLED to remove it), then no more."""
    meetings = Meeting.objects.published()
    if spec.program:
        meetings = meetings.filter(program__slug=spec.program)
    if spec.system:
        with_system = Meeting.objects.filter(meetings_for_system(code=spec.system))
        meetings = meetings.filter(pk__in=with_system.values("pk"))
    if not spec.full_history:
        meetings = meetings.filter(starts_at__gte=history_start(now))
    cancelled_until = now - timedelta(days=settings.TUG_ICAL_CANCELLED_DAYS)
    meetings = meetings.exclude(
        status=Meeting.Status.CANCELLED, calendar_changed_at__lt=cancelled_until
    )
    return meetings.order_by("starts_at", "pk")


def feed_program(spec: FeedSpec) -> Program | None:
    return programs_active().filter(slug=spec.program).first() if spec.program else None


def feed_system(spec: FeedSpec) -> System | None:
    return System.objects.filter(code__iexact=spec.system).first() if spec.system else None


def feed_data_version(spec: FeedSpec, *, now: datetime) -> str:
    """A hash of everything a build of the feed reads that can change: the meetings in it and
    their calendar state, the programs (names, descriptions, next meetings), the day (windows
    move, change notes expire) and the settings that shape the output. Equal versions build
    equal feeds (DTSTAMP aside)."""
    meetings = feed_meetings(spec, now=now).aggregate(
        count=Count("pk"),
        ids=Sum("pk"),
        sequences=Sum("calendar_sequence"),
        changed=Max("calendar_changed_at"),
        updated=Max("updated_at"),
    )
    programs = Program.objects.aggregate(count=Count("pk"), updated=Max("updated_at"))
    next_meetings = sorted(
        (program_id, meeting.pk) for program_id, meeting in meetings_next_by_program().items()
    )
    facts = [
        BUILD_FORMAT,
        spec.key,
        timezone.localdate(now).isoformat(),
        sorted(meetings.items()),
        sorted(programs.items()),
        next_meetings,
        settings.SITE_URL,
        settings.TUG_ICAL_UID_DOMAIN,
        settings.TUG_ICAL_HISTORY_DAYS,
        settings.TUG_ICAL_CHANGE_NOTE_DAYS,
        settings.TUG_ICAL_CANCELLED_DAYS,
    ]
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:32]


def stored_feed_get(*, key: str) -> StoredFeed | None:
    return StoredFeed.objects.filter(key=key).first()


def stored_feeds_touching(*, program_ids) -> QuerySet[StoredFeed]:
    """Feeds that may hold meetings of these programs: theirs and the all-programs ones."""
    return StoredFeed.objects.filter(program__isnull=True) | StoredFeed.objects.filter(
        program_id__in=program_ids
    )


def stored_feeds_without_content() -> QuerySet[StoredFeed]:
    return StoredFeed.objects.defer("content", "content_gzip").select_related("program", "system")


def default_feed_specs() -> list[FeedSpec]:
    """The feeds built ahead of any request: all programs, each program, each system; each
    recent and whole-archive. Other combinations are built on their first request."""
    scopes = [FeedSpec()]
    scopes += [FeedSpec(program=slug) for slug in programs_active().values_list("slug", flat=True)]
    scopes += [
        FeedSpec(system=code.lower()) for code in System.objects.values_list("code", flat=True)
    ]
    return [
        FeedSpec(program=scope.program, system=scope.system, full_history=full)
        for scope in scopes
        for full in (False, True)
    ]
