"""A stored feed's layout: which meetings it holds, in order, with each one's calendar state as
its last build read it. A one-edit rebuild (`services.feeds_refresh_for_meetings`) starts from
it: it reads only the edited meetings, puts them in (or takes them out) and re-joins the pieces,
instead of reading the state of every meeting the feed holds.

A layout is used only while what it was built under holds (`layout_context`: the day, the
programs, the settings); else the feed is checked and rebuilt from the database as before. What
moves with time alone within a day (a change note expiring, a recording no longer available, a
cancelled meeting leaving the feeds) is caught by `moved_by_time`, from the instant the layout
says the first such change can happen (`stable_until`).
"""

import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from tug_portal.meetings.models import Meeting

from .event_store import EVENT_FORMAT, EventProgram, EventState, day_facts_of, program_of
from .feed_specs import FeedSpec
from .selectors import BUILD_FORMAT, feed_settings, plain_aggregate

LAYOUT_FORMAT = 2  # 2: entries stored as JSON lines (bytes)


def layout_context(spec: FeedSpec, *, now: datetime, programs: dict) -> str:
    """What a layout is valid under: equal contexts, equal everything but the meetings."""
    facts = (
        LAYOUT_FORMAT,
        BUILD_FORMAT,
        EVENT_FORMAT,
        spec.key,
        timezone.localdate(now).isoformat(),
        plain_aggregate(programs),
        *feed_settings(),
    )
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:32]


# Instants as integer microseconds since the epoch: exact, and cheap to read back.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _us(value: datetime | None) -> int | None:
    return (value - _EPOCH) // _MICROSECOND if value is not None else None


def _instant(value: int | None) -> datetime | None:
    return _EPOCH + timedelta(microseconds=value) if value is not None else None


def _first_moment_after(states: list[EventState], now: datetime) -> datetime | None:
    """The first instant after `now` when time alone may change how the feed shows one of
    these meetings (never later than it can): a change note expiring, a cancelled meeting
    leaving, a recording's last day ending. A plain loop: an archive has thousands."""
    note_days = timedelta(days=settings.TUG_ICAL_CHANGE_NOTE_DAYS)
    cancelled_days = timedelta(days=settings.TUG_ICAL_CANCELLED_DAYS)
    cancelled = Meeting.Status.CANCELLED
    first = None
    for state in states:
        moments = []
        if (changed := state.changed_at) is not None:
            if state.has_change_summary:
                moments.append(changed + note_days)
            if state.status == cancelled:
                moments.append(changed + cancelled_days)
        if state.has_recording and state.recording_until is not None:
            # Available through that day in the meeting's zone: midnight UTC is no later.
            moments.append(datetime.combine(state.recording_until, time(), tzinfo=UTC))
        for moment in moments:
            if moment > now and (first is None or moment < first):
                first = moment
    return first


def _entry(state: EventState) -> list:
    return [
        state.pk,
        state.program.acronym,
        state.status,
        state.time_zone,
        _us(state.starts_at),
        _us(state.ends_at),
        state.key,
        state.sequence,
        _us(state.changed_at),
        _us(state.updated_at),
        state.has_change_summary,
        state.has_recording,
        state.recording_until.isoformat() if state.recording_until else None,
        state.note_shown,
        state.recording_shown,
    ]


# One encoder for every line (`json.dumps` with options makes a new one per call).
_ENCODER = json.JSONEncoder(separators=(",", ":"))


def _encoded(state: EventState) -> bytes:
    return _ENCODER.encode(_entry(state)).encode()


def layout_of(
    states: list[EventState], *, context: str, now: datetime, entries: dict | None = None
) -> tuple[dict, list[bytes]]:
    """The layout (what a refresh reads of every feed it may patch: small) and its entries
    (one JSON line per meeting, read only for the feeds patched). `entries`: {id: line}
    already written for some of these states (the layout a patch started from): kept as they
    are, so that a patch encodes only the meetings it read afresh."""
    entries = entries or {}
    layout = {
        "context": context,
        "stable_until": _us(_first_moment_after(states, now)),
        "token": uuid.uuid4().hex,  # names these entries (`held_layout`)
    }
    return layout, [entries.get(state.pk) or _encoded(state) for state in states]


def entries_bytes(lines: list[bytes]) -> bytes:
    """What `StoredFeed.layout_entries` stores: the lines joined (no entry holds a newline)."""
    return b"\n".join(lines)


# The layouts this process wrote or read lately, parsed: {feed key: (token, states, {id:
# entry})}. Used only when the stored layout's token is the same (a build rolled back, or made
# by another process, leaves a different one).
HELD_LAYOUTS_MAX = 64
_held: OrderedDict[str, tuple[str, list[EventState], dict]] = OrderedDict()
_held_lock = threading.Lock()


def hold_layout(key: str, token: str, states: list[EventState], entries: dict) -> None:
    with _held_lock:
        _held[key] = (token, states, entries)
        _held.move_to_end(key)
        while len(_held) > HELD_LAYOUTS_MAX:
            _held.popitem(last=False)


def held_layout(key: str, token: str) -> tuple[list[EventState], dict] | None:
    with _held_lock:
        held = _held.get(key)
    return held[1:] if held is not None and held[0] == token else None


def forget_held_layouts() -> None:
    with _held_lock:
        _held.clear()


def states_of(stored: bytes) -> tuple[list[EventState], dict]:
    """The states the stored entries (`entries_bytes`) keep, and {id: line}."""
    programs: dict[str, EventProgram] = {}
    states, by_pk = [], {}
    for line in bytes(stored).split(b"\n") if stored else ():
        entry = json.loads(line)
        (
            pk,
            acronym,
            status,
            time_zone,
            starts_at,
            ends_at,
            key,
            sequence,
            changed_at,
            updated_at,
            has_summary,
            has_recording,
            recording_until,
            note_shown,
            recording_shown,
        ) = entry
        by_pk[pk] = line
        states.append(
            EventState(
                pk,
                program_of(programs, acronym),
                status,
                time_zone,
                _instant(starts_at),
                _instant(ends_at),
                key,
                sequence=sequence,
                changed_at=_instant(changed_at),
                updated_at=_instant(updated_at),
                has_change_summary=has_summary,
                has_recording=has_recording,
                recording_until=date.fromisoformat(recording_until) if recording_until else None,
                note_shown=note_shown,
                recording_shown=recording_shown,
            )
        )
    return states, by_pk


def layout_usable(layout: dict | None, *, context: str) -> bool:
    return bool(layout) and layout.get("context") == context and "token" in layout


def layout_stable(layout: dict, *, now: datetime) -> bool:
    """Whether nothing in the feed can have changed with time alone since its build."""
    until = layout.get("stable_until")
    return until is None or now < _instant(until)


def moved_by_time(states: list[EventState], *, now: datetime) -> set[int]:
    """The meetings whose event time alone changed since the build (a change note expired, a
    recording no longer available) or that time took out of the feed (cancelled long enough)."""
    cancelled_until = now - timedelta(days=settings.TUG_ICAL_CANCELLED_DAYS)
    moved = set()
    for state in states:
        if day_facts_of(state, now=now) != (state.note_shown, state.recording_shown) or (
            state.status == Meeting.Status.CANCELLED
            and state.changed_at is not None
            and state.changed_at < cancelled_until
        ):
            moved.add(state.pk)
    return moved
