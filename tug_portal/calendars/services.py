"""Writes for feeds: build and store a feed, refresh the feeds a change touched, and the sweep
that catches up whatever a lost change event left behind."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tug_portal.meetings.models import Meeting
from tug_portal.meetings.recurrence import describe_program_schedule
from tug_portal.meetings.selectors import meetings_next_by_program
from tug_portal.meetings.services import meetings_sync_calendar_state

from . import event_store, feed_store, meeting_cache
from .builders import CalendarInfo, build_time, calendar_from_pieces, calendar_head
from .describe import clean_text, meeting_when
from .feed_specs import FeedSpec
from .links import feed_name, feed_url
from .models import StoredFeed
from .selectors import (
    default_feed_specs,
    feed_data_version,
    feed_event_facts_by_pk,
    feed_meetings,
    feed_program,
    feed_system,
    stored_feeds_touching,
    stored_feeds_without_content,
)

logger = logging.getLogger(__name__)

# The sweep re-syncs the calendar state of meetings that end after this far back: the ones a
# subscriber still looks at. Older edits reach feeds through their on-commit hook only.
SWEEP_SYNC_DAYS = 31


@dataclass
class BuildRun:
    """What every feed built in one refresh shares, read once: the programs' next meetings and
    the calendar state of every meeting a feed can hold (the whole-archive set, of which every
    feed is a part). A feed then reads only which meetings it holds."""

    now: datetime
    _next_by_program: dict | None = None
    _states: dict | None = None

    @property
    def next_by_program(self) -> dict:
        if self._next_by_program is None:
            self._next_by_program = meetings_next_by_program()
        return self._next_by_program

    @property
    def states(self) -> dict:
        if self._states is None:
            every = feed_meetings(FeedSpec(full_history=True), now=self.now)
            states = event_store.event_states(every, now=self.now)
            self._states = {state.pk: state for state in states}
        return self._states


def _feed_description(program, system, meetings, *, now, next_by_program=None) -> str:
    """What the feed is, how often the program meets, and its next meeting(s): the same "next"
    as the program page and the dashboard (`meetings_next_by_program`). A system's feed names
    only the next meeting it holds (one on that system), not the programs' next ones."""
    if program is not None:
        schedule = describe_program_schedule(program)
        lines = [clean_text(program.description), f"Meets {schedule}." if schedule else ""]
    else:
        lines = ["Meetings of the ISO's stakeholder programs."]
    if system is not None:
        lines.insert(0, f"Meetings with topics on {system.code} ({system.name}).")
        upcoming = next(
            (m for m in meetings if not m.is_cancelled and m.ends_at > now), None
        )  # the same rule as `_next_meeting_candidates`, on the feed's own meetings
        if upcoming:
            lines.append(
                f"Next {upcoming.program.acronym} on {system.code}: {meeting_when(upcoming)}"
            )
        return "\n".join(line for line in lines if line)
    if next_by_program is None:
        next_by_program = meetings_next_by_program()
    if program is not None:
        upcoming_all = [next_by_program.get(program.pk)]
    else:
        upcoming_all = sorted(next_by_program.values(), key=lambda meeting: meeting.starts_at)
    lines += [f"Next {m.program.acronym}: {meeting_when(m)}" for m in upcoming_all if m]
    return "\n".join(line for line in lines if line)


def _feed_info(spec: FeedSpec, program, system, meetings, *, now, run) -> CalendarInfo:
    name = feed_name(program) + (f" ({system.code})" if system else "")
    query = urlencode(spec.query)
    return CalendarInfo(
        name=name + (" archive" if spec.full_history else ""),
        description=_feed_description(
            program, system, meetings, now=now, next_by_program=run.next_by_program
        ),
        time_zone=program.time_zone if program else timezone.get_default_timezone_name(),
        source_url=feed_url(program) + (f"?{query}" if query else ""),
    )


def feed_build(
    *, spec: FeedSpec, now=None, run: BuildRun | None = None, version=None
) -> StoredFeed:
    """Build the feed from the database and store it. Raises Http404 when the program or system
    it names does not exist (or the program is not active). `run`: what the feeds of one
    refresh share; `version`: the feed's data version, when the caller just read it.

    Assembled from each meeting's stored event (`event_store`): only the events whose calendar
    state moved since they were last written are written again, the rest is copied."""
    now = build_time(now)
    shared = run is not None
    run = run or BuildRun(now=now)
    program, system = feed_program(spec), feed_system(spec)
    if (spec.program and program is None) or (spec.system and system is None):
        raise Http404("No such program or system.")  # before the version's aggregates
    # Read the version before the meetings: a change committed in between then leaves the
    # stored version behind the data, and the next refresh builds again.
    if version is None:
        version = feed_data_version(spec, now=now, next_by_program=run.next_by_program)
    meetings = feed_meetings(spec, now=now)
    states = event_store.event_states(meetings, now=now, known=run.states if shared else None)

    def load_facts(ids):
        # All of them (a cold build): the feed's own filter, as a subquery; else those few.
        chosen = meetings if len(ids) == len(states) else Meeting.objects.filter(pk__in=ids)
        return feed_event_facts_by_pk(chosen)

    # One transaction, one commit: the events written and the feed that holds them.
    with transaction.atomic():
        pieces = event_store.event_pieces(states, meetings=meetings, now=now, load_facts=load_facts)
        info = _feed_info(spec, program, system, states, now=now, run=run)
        content, etag = calendar_from_pieces(calendar_head(states, info=info), pieces, now=now)
        return _feed_store(
            spec=spec,
            program=program,
            system=system,
            content=content,
            etag=etag,
            version=version,
            event_count=len(pieces),
            now=now,
        )


@transaction.atomic
def _feed_store(*, spec, program, system, content, etag, version, event_count, now) -> StoredFeed:
    feed, created = StoredFeed.objects.select_for_update().get_or_create(
        key=spec.key,
        defaults={
            "program": program,
            "system": system,
            "full_history": spec.full_history,
            "content": content,
            "etag": etag,
            "content_changed_at": now,
            "data_version": version,
            "built_at": now,
            "event_count": event_count,
        },
    )
    if not created:
        fields = ["data_version", "built_at", "event_count"]
        feed.data_version, feed.built_at, feed.event_count = version, now, event_count
        # Same events, only a newer DTSTAMP: keep the stored bytes, so that the ETag stays and
        # subscribers keep getting 304s.
        if feed.etag != etag:
            feed.content, feed.etag, feed.content_changed_at = content, etag, now
            fields += ["content", "etag", "content_changed_at"]
        feed.save(update_fields=fields)
    transaction.on_commit(lambda: feed_store.feed_publish(feed))
    return feed


def _spec_of(feed: StoredFeed) -> FeedSpec:
    return FeedSpec(
        program=feed.program.slug if feed.program else "",
        system=feed.system.code.lower() if feed.system else "",
        full_history=feed.full_history,
    )


@transaction.atomic
def feeds_refresh(*, feeds: QuerySet[StoredFeed], now=None) -> list[str]:
    """Rebuild the feeds whose data moved on since their build; returns their keys. A feed
    whose program is no longer active is removed (its URL answers 404 from then on). One
    transaction: one commit (a disk flush on PostgreSQL) for every feed an edit rebuilds, and
    a failure leaves every feed as it was for the task's retry."""
    run = BuildRun(now=build_time(now))
    rebuilt = []
    for feed in feeds.defer("content").select_related("program", "system"):
        if feed.program and not feed.program.is_active:
            feed_remove(feed=feed)
            continue
        spec = _spec_of(feed)
        version = feed_data_version(spec, now=run.now, next_by_program=run.next_by_program)
        if spec.key == feed.key and version == feed.data_version:
            continue
        feed_build(spec=spec, now=run.now, run=run, version=version)
        if spec.key != feed.key:  # a program's slug or a system's code changed
            feed_remove(feed=feed)
        rebuilt.append(spec.key)
    return rebuilt


def feeds_refresh_for_programs(*, program_ids) -> list[str]:
    """What a `meetings_changed` signal leads to: refresh the feeds of those programs."""
    return feeds_refresh(feeds=stored_feeds_touching(program_ids=program_ids))


def feed_remove(*, feed: StoredFeed) -> None:
    feed.delete()
    feed_store.feed_unpublish(feed.key)


def feeds_sweep(*, now=None) -> list[str]:
    """The periodic catch-up: sync the calendar state of recent and upcoming meetings (edits
    whose on-commit hook never ran), build the default feeds never built, rebuild every feed
    whose data moved on, and re-publish every feed's validators to the cache."""
    now = now or timezone.now()
    recent = Meeting.objects.filter(ends_at__gte=now - timedelta(days=SWEEP_SYNC_DAYS))
    if meetings_sync_calendar_state(meetings=recent):
        meeting_cache.meeting_calendars_forget()
    stored = set(StoredFeed.objects.values_list("key", flat=True))
    run = BuildRun(now=build_time(now))
    rebuilt = [
        feed_build(spec=spec, now=run.now, run=run).key
        for spec in default_feed_specs()
        if spec.key not in stored
    ]
    rebuilt += feeds_refresh(feeds=StoredFeed.objects.exclude(key__in=rebuilt), now=now)
    feed_store.feeds_publish(stored_feeds_without_content())
    if rebuilt:
        logger.info("Feeds rebuilt by the sweep: %s", ", ".join(rebuilt))
    return rebuilt
