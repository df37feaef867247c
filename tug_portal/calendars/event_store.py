"""Each meeting's VEVENT, written once per calendar state and kept: feeds are assembled from these
pieces, so that one edited meeting costs one event written, not a whole archive.

A piece is keyed by the meeting's calendar state (`event_state_key`): the SEQUENCE revision the
core bumps on every change a calendar shows, plus what an event shows that the revision does not
track (the meeting's own saves, through `updated_at`, its topics' last save and count; whether
the replacement is public), what
depends on the day (the change note's window, the recording's availability) and the settings
that shape every event. Equal keys write equal bytes, so a piece is used only when its key is
the one the build just computed from the database: a stale piece is replaced, never served.

Where the pieces live: a table (`StoredEvent`), read and written by the same builds that write
the feeds, and a copy in each process (bounded). The table survives restarts and is shared by
every worker and web process, with no eviction that would turn the next one-edit rebuild into a
whole-archive one; the copy spares the table's reads in a worker that built the feed before.
Neither needs invalidating: a piece is checked against its key every time it is used.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from tug_portal.meetings.models import Meeting

from . import ics_responses
from .binary_writes import execute_binary
from .builders import meeting_event_bytes
from .describe import change_note_shown
from .facts import MeetingFacts
from .ics_writer import STAMP
from .models import StoredEvent

# Bump when what `builders.event_properties` or `ics_writer` write changes: every stored piece
# is then written again (its key no longer matches).
EVENT_FORMAT = "1"


@dataclass(frozen=True, slots=True)
class EventProgram:
    acronym: str


def program_of(programs: dict[str, EventProgram], acronym: str) -> EventProgram:
    """The one `EventProgram` of `acronym` that all states of a build share (`programs`: the
    build's own), not one object per meeting."""
    return programs.get(acronym) or programs.setdefault(acronym, EventProgram(acronym))


@dataclass(frozen=True)
class EventState:
    """What a feed reads of each of its meetings to assemble it: the piece's key, and what the
    feed's head needs (VTIMEZONE spans, the next meeting of a system's feed)."""

    pk: int
    program: EventProgram
    status: str
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    key: str
    # What a feed's data version sums up (`selectors.meetings_aggregate`) and what decides, as
    # time passes, the key's day-dependent parts and whether a cancelled meeting is still shown
    # (`feed_layout`): kept in each stored feed's layout, so that a one-edit rebuild reads only
    # the edited meetings.
    sequence: int = 0
    changed_at: datetime | None = None
    updated_at: datetime | None = None
    has_change_summary: bool = False
    has_recording: bool = False
    recording_until: object = None
    note_shown: bool = False
    recording_shown: bool = False

    Status = Meeting.Status
    zone = Meeting.zone
    local_start = Meeting.local_start
    local_end = Meeting.local_end
    is_cancelled = Meeting.is_cancelled


@dataclass(frozen=True, slots=True)
class _StateFacts:
    """The columns a key reads, with the core's rules that decide the day-dependent parts."""

    time_zone: str
    calendar_changed_at: datetime | None
    change_summary: str
    recording_url: str
    recording_available_until: object

    zone = Meeting.zone
    recording_is_available = Meeting.recording_is_available


def day_facts(facts, *, now: datetime) -> tuple[bool, bool]:
    """What an event shows that moves with time alone: the change note (still within
    TUG_ICAL_CHANGE_NOTE_DAYS) and the recording (still available)."""
    return change_note_shown(facts, now=now), facts.recording_is_available()


def day_facts_of(state: EventState, *, now: datetime) -> tuple[bool, bool]:
    """`day_facts` from what a state keeps (whether there is a summary or a recording)."""
    facts = _StateFacts(
        state.time_zone,
        state.changed_at,
        "x" if state.has_change_summary else "",
        "x" if state.has_recording else "",
        state.recording_until,
    )
    return day_facts(facts, now=now)


def _settings_fingerprint() -> str:
    return repr((EVENT_FORMAT, settings.SITE_URL, settings.TUG_ICAL_UID_DOMAIN))


def event_state_key(
    *,
    sequence: int,
    changed_at,
    updated_at,
    replacement: str,
    topics: tuple,
    day: tuple[bool, bool],
    fingerprint: str,
) -> str:
    """`day`: `day_facts` of the meeting at the build's time."""
    parts = (
        fingerprint,
        sequence,
        changed_at.isoformat() if changed_at else "",
        updated_at.isoformat(),
        replacement,
        repr(topics),
        *day,
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


# The columns `event_states` reads, in its unpacking order.
STATE_COLUMNS = (
    "pk",
    "program__acronym",
    "status",
    "time_zone",
    "starts_at",
    "ends_at",
    "calendar_sequence",
    "calendar_changed_at",
    "updated_at",
    "change_summary",
    "recording_url",
    "recording_available_until",
    "replacement__slug",
    "replacement__is_published",
    "topics_updated",
    "topic_count",
)


def _with_topic_state(meetings):
    """The topics' last save and count: a topic's clock times show in the event but are not
    part of what bumps SEQUENCE, and a build may run between a topic's commit and the sync
    that bumps it."""
    return meetings.annotate(topics_updated=Max("topics__updated_at"), topic_count=Count("topics"))


def event_states(meetings, *, now: datetime, known: dict | None = None) -> list[EventState]:
    """The states of these meetings (a queryset), in its order: one query. With `known`
    ({id: state} read for a larger set in the same build run), only the ids are read, and the
    states of meetings not among them."""
    if known is not None:
        ids = list(meetings.values_list("pk", flat=True))
        if missing := [pk for pk in ids if pk not in known]:
            fresh = event_states(Meeting.objects.filter(pk__in=missing), now=now)
            known = known | {state.pk: state for state in fresh}
        return [known[pk] for pk in ids if pk in known]
    fingerprint = _settings_fingerprint()
    programs: dict[str, EventProgram] = {}
    states = []
    for (
        pk,
        acronym,
        status,
        time_zone,
        starts_at,
        ends_at,
        sequence,
        changed_at,
        updated_at,
        change_summary,
        recording_url,
        recording_until,
        replacement_slug,
        replacement_public,
        topics_updated,
        topic_count,
    ) in _with_topic_state(meetings).values_list(*STATE_COLUMNS):
        facts = _StateFacts(time_zone, changed_at, change_summary, recording_url, recording_until)
        note_shown, recording_shown = day_facts(facts, now=now)
        key = event_state_key(
            sequence=sequence,
            changed_at=changed_at,
            updated_at=updated_at,
            replacement=replacement_slug if replacement_public else "",
            topics=(topics_updated, topic_count),
            day=(note_shown, recording_shown),
            fingerprint=fingerprint,
        )
        states.append(
            EventState(
                pk,
                program_of(programs, acronym),
                status,
                time_zone,
                starts_at,
                ends_at,
                key,
                sequence=sequence,
                changed_at=changed_at,
                updated_at=updated_at,
                has_change_summary=bool(change_summary),
                has_recording=bool(recording_url),
                recording_until=recording_until,
                note_shown=note_shown,
                recording_shown=recording_shown,
            )
        )
    return states


# --- The copy each process holds ---------------------------------------------------------------

HELD_EVENTS_MAX_BYTES = 64 * 1024 * 1024
# A piece: (bytes before the DTSTAMP line, bytes after it, their digest), split and hashed once,
# so that assembling a feed slices and hashes nothing.
Piece = tuple[bytes, bytes, bytes]
# {meeting id: (state key, piece)}: the piece apart, so that a feed's thousands are taken as
# they are held, not copied out of a longer tuple.
_held: OrderedDict[int, tuple[str, Piece]] = OrderedDict()
_held_bytes = 0
_held_lock = threading.Lock()


def _size(entry: tuple[str, Piece]) -> int:
    before, after, _ = entry[1]
    return len(before) + len(after)


def _hold(entries: dict[int, tuple[str, Piece]]) -> None:
    """Hold these {meeting id: (state key, piece)}, the least recently held out past the bound."""
    global _held_bytes
    with _held_lock:
        for pk, entry in entries.items():
            if (old := _held.pop(pk, None)) is not None:
                _held_bytes -= _size(old)
            _held[pk] = entry
            _held_bytes += _size(entry)
        while _held_bytes > HELD_EVENTS_MAX_BYTES and _held:
            _held_bytes -= _size(_held.popitem(last=False)[1])


def forget_held() -> None:
    """Drop this process's copy (tests; the table stays)."""
    global _held_bytes
    with _held_lock:
        _held.clear()
        _held_bytes = 0


def forget_all() -> None:
    """Drop every stored piece: the next build of each feed writes all its events (a cold
    build)."""
    forget_held()
    StoredEvent.objects.all().delete()


# --- Pieces -------------------------------------------------------------------------------------


def _upsert_sql(*, content_placeholder: str = "%s") -> str:
    """One piece upserted, only while its meeting exists (the last parameter: its id again):
    a meeting another process deleted since its facts were read gets none. Its foreign key is
    checked when the build commits (Django makes them deferred), and a piece of a deleted
    meeting would have failed the whole build then. (SQLite needs the WHERE: without it,
    `ON CONFLICT` after a SELECT is ambiguous to its parser.)"""
    quote = connection.ops.quote_name
    table = quote(StoredEvent._meta.db_table)
    meetings, meeting_pk = quote(Meeting._meta.db_table), quote(Meeting._meta.pk.column)
    return (
        f"INSERT INTO {table} (meeting_id, state, content, stamp_at) "  # noqa: S608 - the table names are ours
        f"SELECT %s, %s, {content_placeholder}, %s "
        f"WHERE EXISTS (SELECT 1 FROM {meetings} WHERE {meeting_pk} = %s) "
        "ON CONFLICT (meeting_id) DO UPDATE SET state = excluded.state, "
        "content = excluded.content, stamp_at = excluded.stamp_at"
    )


def _store(pieces: dict[int, tuple[str, Piece]]) -> None:
    """Upsert the pieces in one statement (executemany; PostgreSQL and SQLite share the
    syntax): `bulk_create` would split them into batches of 999 parameters on SQLite, a query
    per 250 events. On PostgreSQL the bytes go as binary parameters (binary_writes.py: a cold
    build's megabytes were hex literals in the statements' text). In the caller's transaction,
    with no savepoint (two round trips on PostgreSQL): the statement itself skips a meeting
    deleted meanwhile, and anything else fails the build, to be retried whole."""
    rows = [
        (pk, key, before + after, len(before), pk)
        for pk, (key, (before, after, _)) in pieces.items()
    ]
    if connection.vendor == "postgresql":
        execute_binary(_upsert_sql(content_placeholder="%b"), rows, many=True)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(_upsert_sql(), rows)


def _piece(key: str, content: bytes, stamp_at: int) -> tuple[str, Piece]:
    """A held piece: the event's bytes split where its DTSTAMP line goes, and their digest."""
    before, after = content[:stamp_at], content[stamp_at:]
    return key, (before, after, ics_responses.event_digest(before + after))


def _held_or_stored(states: list[EventState], *, meetings=None, in_table: bool = True) -> dict:
    """{id: (state key, piece)} of the states whose piece this process holds, else the table
    stores, for that very state (read ones are held from now on). `meetings`: the queryset the
    states were read from, or None; `in_table`: False to look in this process only."""
    with _held_lock:
        held_entry = _held.get
        found = {
            state.pk: entry
            for state in states
            if (entry := held_entry(state.pk)) is not None and entry[0] == state.key
        }
    wanted = {state.pk: state.key for state in states if state.pk not in found}
    if wanted and in_table:
        # All of them (a new process): the feed's own filter as a subquery, not a long list.
        every = meetings is not None and len(wanted) == len(states)
        ids = meetings.values("pk") if every else list(wanted)
        rows = StoredEvent.objects.filter(meeting_id__in=ids).values_list(
            "meeting_id", "state", "content", "stamp_at"
        )
        read = {
            pk: _piece(key, bytes(content), stamp_at)
            for pk, key, content, stamp_at in rows
            if wanted.get(pk) == key
        }
        _hold(read)
        found |= read
    return found


def event_pieces(
    states: list[EventState],
    *,
    meetings,
    now: datetime,
    load_facts: Callable[[list[int]], dict[int, MeetingFacts]],
    edited: bool = False,
) -> dict[int, tuple[str, Piece]]:
    """{id: (state key, piece)} of each state (the piece: its bytes before and after where the
    DTSTAMP line goes, and their digest for the ETag; `meetings`: the queryset the states were
    read from, or None):
    held by this process, else stored, else written from the facts `load_facts` returns for the
    missing meeting ids ({id: facts}; then stored and held). A meeting deleted since its state
    was read has none: the feed leaves it out, and its data version makes the next refresh
    build again."""
    # Meetings just edited (`edited`: a one-edit refresh's, read afresh) have a new state: no
    # table holds a piece for it yet, unless another process wrote one a moment ago (writing
    # it again writes the same bytes). A query less on every edit.
    found = _held_or_stored(states, meetings=meetings, in_table=not edited)
    if missing := [state for state in states if state.pk not in found]:
        keys = {state.pk: state.key for state in missing}
        written = {}
        for pk, facts in load_facts(list(keys)).items():
            content, stamp_at = meeting_event_bytes(facts, now=now, stamp=STAMP)
            written[pk] = _piece(keys[pk], content, stamp_at)
        _store(written)
        _hold(written)
        found |= written
    return found


def stored_pieces(states: list[EventState]) -> list[Piece] | None:
    """Each state's piece, in order, held or stored, writing none: None when one is missing or
    stored for another state (its meeting was built anew since these states were read)."""
    found = _held_or_stored(states)
    if len(found) < len(states):
        return None
    return [found[state.pk][1] for state in states]
