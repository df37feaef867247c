"""Writes for feeds: build and store a feed, refresh the feeds a change touched, and the sweep
that catches up whatever a lost change event left behind."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tug_portal.common.collector import collector_paused
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.recurrence import describe_program_schedule
from tug_portal.meetings.selectors import (
    meetings_next_by_program,
    program_slug_key,
    system_code_key,
)
from tug_portal.meetings.services import meetings_sync_calendar_state

from . import event_store, feed_store, meeting_cache
from .binary_writes import execute_binary
from .builders import CalendarInfo, build_time, calendar_etag, calendar_head
from .describe import clean_text, meeting_when
from .feed_bytes import feed_content
from .feed_layout import (
    Layout,
    layout_built,
    layout_context,
    layout_patched,
    layout_stable,
    layout_usable,
    moved_by_time,
)
from .feed_specs import FeedSpec
from .layout_store import hold_layout, layout_with_pieces, parts_write, stored_layouts
from .links import feed_name, feed_url
from .models import StoredFeed
from .selectors import (
    default_feed_specs,
    feed_data_version,
    feed_event_facts_by_pk,
    feed_meetings,
    feed_program,
    feed_system,
    feed_version_of,
    feeds_members_among,
    meetings_saved_since,
    programs_state,
    stored_feeds_touching,
    stored_feeds_without_content,
    system_feed_next,
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
    _programs: dict | None = None
    _fresh: dict = field(default_factory=dict)
    _published: list = field(default_factory=list)

    @property
    def programs(self) -> dict:
        if self._programs is None:
            self._programs = programs_state()
        return self._programs

    def states_of(self, ids) -> dict:
        """The states of these meetings only, read once per run ({id: state})."""
        if missing := [pk for pk in ids if pk not in self._fresh]:
            fresh = event_store.event_states(Meeting.objects.filter(pk__in=missing), now=self.now)
            self._fresh |= {state.pk: state for state in fresh}
        return {pk: self._fresh[pk] for pk in ids if pk in self._fresh}

    def publish_on_commit(self, feed: StoredFeed, replaced_etag: str | None) -> None:
        """Once the transaction that stored the feed commits, its validators go to the cache,
        and the bytes they replace leave it, together with those of the other feeds the run
        stored in that transaction (two cache calls, not two per feed: round trips to Redis).
        The first callback of a commit publishes them all, the others find nothing left. (A
        run ends with a failed transaction: nothing is retried with it.)"""
        self._published.append((feed, replaced_etag))
        transaction.on_commit(self._publish_pending)

    def _publish_pending(self) -> None:
        pending, self._published = self._published, []
        if pending:
            feed_store.feeds_publish_replacing(pending)

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
        if upcoming := system_feed_next(meetings, now=now):
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


def _feed_info(spec: FeedSpec, program, system, layout: Layout, *, now, run) -> CalendarInfo:
    name = feed_name(program) + (f" ({system.code})" if system else "")
    query = urlencode(spec.query)
    # A system's feed names its next meeting: looked for from last year on, not in the archive.
    candidates = layout.states_ending_after(now)
    return CalendarInfo(
        name=name + (" archive" if spec.full_history else ""),
        description=_feed_description(
            program, system, candidates, now=now, next_by_program=run.next_by_program
        ),
        time_zone=program.time_zone if program else timezone.get_default_timezone_name(),
        source_url=feed_url(program) + (f"?{query}" if query else ""),
    )


@collector_paused()  # tens of thousands of rows live for the whole build
def feed_build(
    *, spec: FeedSpec, now=None, run: BuildRun | None = None, version=None
) -> StoredFeed:
    """Build the feed from the database and store it. Raises Http404 when the program or system
    it names does not exist (or the program is not active). `run`: what the feeds of one
    refresh share; `version`: the feed's data version, when the caller just read it.

    Made of each meeting's stored event (`event_store`): only the events whose calendar state
    moved since they were last written are written again. Its bytes: `feed_content`."""
    now = build_time(now)
    shared = run is not None
    run = run or BuildRun(now=now)
    program, system = feed_program(spec), feed_system(spec)
    if (spec.program and program is None) or (spec.system and system is None):
        raise Http404("No such program or system.")  # before the version's aggregates
    # Read the version before the meetings: a change committed in between then leaves the
    # stored version behind the data, and the next refresh builds again.
    if version is None:
        version = feed_data_version(
            spec,
            now=now,
            next_by_program=run.next_by_program,
            programs=run.programs,
            system=system,
        )
    meetings = feed_meetings(spec, now=now)
    states = event_store.event_states(meetings, now=now, known=run.states if shared else None)

    def load_facts(ids):
        # All of them (a cold build): the feed's own filter, as a subquery; else those few.
        every = len(ids) == len(states)
        return feed_event_facts_by_pk(meetings if every else Meeting.objects.filter(pk__in=ids))

    # One transaction, one commit: the events written and the feed that holds them. Within a
    # refresh's transaction no savepoint of its own (two round trips per feed on PostgreSQL):
    # nothing catches a failed feed to go on with the others, the whole refresh is retried.
    with transaction.atomic(savepoint=False):
        by_pk = event_store.event_pieces(states, meetings=meetings, now=now, load_facts=load_facts)
        pieces = {pk: piece for pk, (_, piece) in by_pk.items()}
        # A meeting deleted since its state was read has no piece: left out.
        layout = layout_built([state for state in states if state.pk in pieces], pieces, now=now)
        return _feed_assemble(
            spec=spec, program=program, system=system, layout=layout, version=version, run=run
        )


def _feed_assemble(
    *, spec, program, system, layout: Layout, version, run, years=None, locked=None
) -> StoredFeed:
    """Store the feed of this layout: its head, the ETag of the bytes it makes with its
    events' pieces (not the bytes themselves), and its parts of these `years` (None: all).
    `locked`: the feed's row, read locked already. In the caller's transaction."""
    now = run.now
    info = _feed_info(spec, program, system, layout, now=now, run=run)
    # The ETag comes from the events' digests: the bytes are joined by the first request
    # that asks for them (`feed_bytes.feed_content`), then kept in the cache.
    head = calendar_head(layout.spans(), info=info)
    context = layout_context(spec, now=now, programs=run.programs)
    feed, replaced_etag = _feed_store(
        spec=spec,
        program=program,
        system=system,
        head=head,
        etag=calendar_etag(head, layout.digests()),
        version=version,
        event_count=len(layout),
        now=now,
        layout=layout.row(context),
        locked=locked,
    )
    parts_write(feed.pk, layout, years=years)
    hold_layout(spec.key, layout)
    # The validators go to the cache once committed, and the bytes they replace leave it.
    run.publish_on_commit(feed, replaced_etag)
    return feed


# No savepoint of its own, as its one caller (`_feed_assemble`): a failure here rolls back the
# whole build or refresh, and a patch of four feeds saves eight statements (SAVEPOINT and
# RELEASE, round trips on PostgreSQL).
@transaction.atomic(savepoint=False)
def _feed_store(
    *,
    spec,
    program,
    system,
    head,
    etag,
    version,
    event_count,
    now,
    layout,
    locked=None,
) -> tuple[StoredFeed, str | None]:
    """The feed stored, and the ETag its new bytes replaced ("" for a new feed; None when
    they did not change). `locked`: the feed's row, when the caller read it locked already.
    `layout`: what the row keeps of the layout (`Layout.row`)."""
    stored = StoredFeed.objects.defer("head", "layout")  # not needed
    feed, created = (
        (locked, False)
        if locked
        else stored.select_for_update().get_or_create(
            key=spec.key,
            defaults={
                "program": program,
                "system": system,
                "full_history": spec.full_history,
                "head": b"",  # written below
                "etag": etag,
                "content_changed_at": now,
                "data_version": version,
                "current_at": now,
                "event_count": event_count,
                "layout": layout,
            },
        )
    )
    fields = ["data_version", "current_at", "event_count", "layout"]
    feed.data_version, feed.current_at, feed.event_count = version, now, event_count
    feed.layout = layout
    written = {}
    # Same events, only a newer DTSTAMP: keep the stored head and the DTSTAMP of the last
    # change, so that the ETag and the bytes stay and subscribers keep getting 304s.
    replaced_etag = None
    if created or feed.etag != etag:
        replaced_etag = "" if created else feed.etag
        feed.etag, feed.content_changed_at = etag, now
        fields += ["etag", "content_changed_at"]
        written["head"] = head
    _feed_save(feed, fields, written)
    return feed, replaced_etag


def _feed_save(feed: StoredFeed, fields: list[str], written: dict[str, bytes | None]) -> None:
    """Save the feed's `fields` and write its binary columns (`written`: {column: bytes}: the
    head, when it changed), in one UPDATE, in the caller's transaction.

    On PostgreSQL the statement goes through a plain psycopg cursor on Django's connection:
    Django's psycopg backend binds parameters on the client, so the bytes would travel as a hex
    literal inside the SQL text, to be parsed back by the server; psycopg binds them on the
    server (`%b`: binary), within the same transaction. The other fields are prepared as
    Django's `save` prepares them (`get_db_prep_save`: the layout as JSON, the instants). One
    statement, not Django's UPDATE and a second one for the bytes: a round trip less per feed
    (four per edit). Elsewhere (SQLite binds natively) Django's own UPDATE writes everything."""
    for name, value in written.items():
        setattr(feed, name, value)
    if connection.vendor != "postgresql":
        feed.save(update_fields=fields + list(written))
        return
    quote = connection.ops.quote_name
    assignments, values = [], []
    for name in fields:
        field = StoredFeed._meta.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        values.append(field.get_db_prep_save(getattr(feed, field.attname), connection))
    for name, value in written.items():
        assignments.append(f"{quote(name)} = %b")
        values.append(value)
    table, pk = quote(StoredFeed._meta.db_table), quote(StoredFeed._meta.pk.column)
    execute_binary(
        f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk} = %s",  # noqa: S608 - our own names
        [*values, feed.pk],
    )


def feed_content_exported(*, spec: FeedSpec) -> bytes | None:
    """The bytes of the feed built now from the data, stored nowhere (`export_feeds`): built
    as the sweep builds it, in a transaction then rolled back, so that the feeds subscribers
    are served, their events and parts keep what they hold. (Run on the server with another
    site address, an export that stored its build served its links until the next sweep.)
    None only if a concurrent build replaced an event it needed."""
    with transaction.atomic():
        content = feed_content(feed_build(spec=spec))
        transaction.set_rollback(True)  # and the cache is told nothing: that is on commit
    return content


def _spec_of(feed: StoredFeed) -> FeedSpec:
    return FeedSpec(
        program=program_slug_key(feed.program.slug) if feed.program else "",
        system=system_code_key(feed.system.code) if feed.system else "",
        full_history=feed.full_history,
    )


@transaction.atomic
@collector_paused()
def feeds_refresh(*, feeds: QuerySet[StoredFeed], now=None) -> list[str]:
    """Rebuild the feeds whose data moved on since their build; returns their keys. A feed
    whose program is no longer active is removed (its URL answers 404 from then on). One
    transaction: one commit (a disk flush on PostgreSQL) for every feed an edit rebuilds, and
    a failure leaves every feed as it was for the task's retry."""
    run = BuildRun(now=build_time(now))
    active = []
    for feed in feeds.defer("head", "layout").select_related("program", "system"):
        if feed.program and not feed.program.is_active:
            feed_remove(feed=feed)
        else:
            active.append(feed)
    return _refresh_checked(active, run=run)


def _refresh_one(feed: StoredFeed, *, run: BuildRun) -> str | None:
    """Rebuild the feed if its data version moved; returns its key then."""
    spec = _spec_of(feed)
    version = feed_data_version(
        spec,
        now=run.now,
        next_by_program=run.next_by_program,
        programs=run.programs,
        system=feed.system,
    )
    if spec.key == feed.key and version == feed.data_version:
        return None
    feed_build(spec=spec, now=run.now, run=run, version=version)
    if spec.key != feed.key:  # a program's slug or a system's code changed
        feed_remove(feed=feed)
    return spec.key


def _refresh_checked(feeds: list[StoredFeed], *, run: BuildRun) -> list[str]:
    """`_refresh_one` each feed; returns the keys rebuilt. Those found unchanged match the
    database as of the run, as if built then (one UPDATE): the next one-edit refresh reads what
    was saved since their check, not since a build weeks ago."""
    rebuilt, unchanged = [], []
    for feed in feeds:
        if key := _refresh_one(feed, run=run):
            rebuilt.append(key)
        else:
            unchanged.append(feed.pk)
    if unchanged:
        StoredFeed.objects.filter(pk__in=unchanged).update(current_at=run.now)
    return rebuilt


def feeds_refresh_for_programs(*, program_ids) -> list[str]:
    """Refresh the feeds of those programs (and the all-programs ones)."""
    return feeds_refresh(feeds=stored_feeds_touching(program_ids=program_ids))


# More edited meetings than this in one change (a program's schedule moved, a person renamed):
# the feeds are checked and rebuilt from the database, not patched one meeting at a time.
PATCH_MAX_MEETINGS = 50
# A save committed after a build began may carry an earlier `updated_at`: look back this far
# (longer than a request's transaction can last: gunicorn kills a worker after 30 s).
SAVED_SINCE_MARGIN = timedelta(minutes=1)


@collector_paused()
def feeds_refresh_for_meetings(*, meeting_ids, program_ids, system_ids=(), now=None) -> list[str]:
    """What a `meetings_changed` signal leads to: rebuild the feeds that held or now hold one
    of these meetings, and check those of these systems (saved: their feeds name them, even
    one holding none of their meetings); returns their keys. Each feed starts from its stored
    layout (`feed_layout`): only the edited meetings' states are read, and a feed that holds
    none of them is left alone, with no data-version check. A feed whose layout does not apply
    (another day, a program saved, no layout) is checked as `feeds_refresh` does."""
    meeting_ids, system_ids = set(meeting_ids), set(system_ids)
    feeds = stored_feeds_touching(program_ids=program_ids, system_ids=system_ids)
    if not meeting_ids or len(meeting_ids) > PATCH_MAX_MEETINGS:
        return feeds_refresh(feeds=feeds, now=now)
    return _feeds_patch(feeds=feeds, meeting_ids=meeting_ids, system_ids=system_ids, now=now)


@transaction.atomic
def _feeds_patch(*, feeds, meeting_ids: set[int], system_ids: set[int], now) -> list[str]:
    run = BuildRun(now=build_time(now))
    rebuilt, patchable, checked = [], [], []
    # Locked: two refreshes patching one layout at once would each drop the other's edit.
    feeds = feeds.defer("head").select_related("program", "system")
    for feed in feeds.select_for_update(of=("self",)):
        if feed.program and not feed.program.is_active:
            feed_remove(feed=feed)
            continue
        spec = _spec_of(feed)
        context = layout_context(spec, now=run.now, programs=run.programs)
        if (
            spec.key != feed.key
            or feed.system_id in system_ids  # its name, in the head, may have changed
            or not layout_usable(feed.layout, context=context)
        ):
            checked.append(feed)
        else:
            patchable.append((feed, spec))
    # The signalled meetings, those saved since the oldest check (what the core does not
    # signal), and those time alone changed in a feed whose layout says it could have.
    moved = set(meeting_ids)
    if patchable:
        since = min(feed.current_at for feed, _ in patchable) - SAVED_SINCE_MARGIN
        moved |= meetings_saved_since(since)
    if len(moved) > PATCH_MAX_MEETINGS:  # an import, a bulk edit: check every feed instead
        checked += [feed for feed, _ in patchable]
        patchable = []
    rebuilt += _refresh_checked(checked, run=run)
    if not patchable:
        return rebuilt
    layouts = stored_layouts([feed for feed, _ in patchable])
    for feed, _ in patchable:
        if not layout_stable(feed.layout, now=run.now):
            moved |= moved_by_time(layouts[feed.pk], now=run.now)
    members = feeds_members_among([spec for _, spec in patchable], moved, now=run.now)
    touched = [
        (feed, spec)
        for feed, spec in patchable
        if members[spec.key] or layouts[feed.pk].holds_any(moved)
    ]
    for feed, spec in touched:
        layout = layout_with_pieces(feed.key, layouts[feed.pk])
        if layout is None:  # its events were stored anew since: built from the database
            feed_build(spec=spec, now=run.now, run=run)
        else:
            _feed_patch(feed, spec, layout, moved=moved, members=members[spec.key], run=run)
        rebuilt.append(spec.key)
    return rebuilt


def _meetings_facts(ids):
    return feed_event_facts_by_pk(Meeting.objects.filter(pk__in=ids))


def _feed_patch(feed: StoredFeed, spec: FeedSpec, layout: Layout, *, moved, members, run):
    """Rebuild the feed from its layout: the `moved` meetings taken out, those of them it holds
    (`members`) put back with their state read afresh, the others as the layout keeps them;
    only the parts of the years they were and are in are made and stored again. Its data
    version is the one a full build would store, summed up from the parts (`Layout.aggregate`)
    instead of from the database: a grouped pass over the archive was the one cost of a patch
    left that grew with it."""
    fresh = list(run.states_of(sorted(members)).values())
    found = event_store.event_pieces(
        fresh, meetings=None, now=run.now, load_facts=_meetings_facts, edited=True
    )
    pieces = {pk: piece for pk, (_, piece) in found.items()}
    patched, years = layout_patched(
        layout,
        moved=moved,
        fresh=[state for state in fresh if state.pk in pieces],  # none for one deleted since
        pieces=pieces,
        now=run.now,
    )
    system_next = (
        system_feed_next(patched.states_ending_after(run.now), now=run.now) if spec.system else None
    )
    version = feed_version_of(
        spec,
        now=run.now,
        meetings=patched.aggregate(),
        programs=run.programs,
        next_by_program=run.next_by_program,
        system=feed.system,
        system_next=system_next.pk if system_next else None,
    )
    _feed_assemble(
        spec=spec,
        program=feed.program,
        system=feed.system,
        layout=patched,
        version=version,
        run=run,
        years=years,
        locked=feed,
    )


def feed_remove(*, feed: StoredFeed) -> None:
    feed.delete()
    feed_store.feed_unpublish(feed.key)


@collector_paused()
def feeds_sweep(*, now=None) -> list[str]:
    """The periodic catch-up: sync the calendar state of recent and upcoming meetings (edits
    whose on-commit hook never ran), build the default feeds never built (or stored without a
    layout: a migration drops them), rebuild every feed whose data moved on, and re-publish
    every feed's validators to the cache."""
    now = now or timezone.now()
    recent = Meeting.objects.filter(ends_at__gte=now - timedelta(days=SWEEP_SYNC_DAYS))
    if meetings_sync_calendar_state(meetings=recent):
        meeting_cache.meeting_calendars_forget()
    laid_out = set(StoredFeed.objects.filter(layout__isnull=False).values_list("key", flat=True))
    run = BuildRun(now=build_time(now))
    rebuilt = [
        feed_build(spec=spec, now=run.now, run=run).key
        for spec in default_feed_specs()
        if spec.key not in laid_out
    ]
    rebuilt += feeds_refresh(feeds=StoredFeed.objects.exclude(key__in=rebuilt), now=now)
    feed_store.feeds_publish(stored_feeds_without_content())
    if rebuilt:
        logger.info("Feeds rebuilt by the sweep: %s", ", ".join(rebuilt))
    return rebuilt
