"""A stored feed's layout: which meetings it holds, in order, with each one's calendar state as
its last build read it. A one-edit rebuild (`services.feeds_refresh_for_meetings`) starts from
it: it reads only the edited meetings, puts them in (or takes them out) and re-joins the pieces,
instead of reading the state of every meeting the feed holds.

A layout is kept in parts, one per (UTC) year of the meetings' starts (`LayoutPart`). Each part
carries what the feed's head, ETag and stability need of its meetings, worked out once when the
part changes: the time-zone spans of its events, their digests joined, and the instants when
time alone may change one of them. An edit rebuilds the one or two parts its meeting was and
is in; the feed's head, ETag and first such instant are combined from a few dozen parts. So a
one-edit rebuild of a forty-year archive does about what one of a ten-year archive does, and
the table (`layout_store`) rewrites one part's entries, not the archive's.

A layout is used only while what it was built under holds (`layout_context`: the day, the
programs, the settings); else the feed is checked and rebuilt from the database as before. What
moves with time alone within a day (a change note expiring, a recording no longer available, a
cancelled meeting leaving the feeds) is caught by `moved_by_time`, from the instant the layout
says the first such change can happen (`stable_until`).
"""

import bisect
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain, groupby
from operator import attrgetter

from django.conf import settings
from django.utils import timezone

from tug_portal.meetings.models import Meeting

from .builders import time_zone_spans
from .event_store import EVENT_FORMAT, EventProgram, EventState, Piece, day_facts_of, program_of
from .feed_specs import FeedSpec
from .selectors import (
    BUILD_FORMAT,
    combined_aggregate,
    feed_settings,
    meetings_aggregate,
    plain_aggregate,
    programs_shown,
)

LAYOUT_FORMAT = 3  # 2: entries stored as JSON lines (bytes); 3: in parts, one per year

# A feed's events are in this order (`selectors.feed_meetings`), and so are its layout's states.
FEED_ORDER = attrgetter("starts_at", "pk")


def layout_context(spec: FeedSpec, *, now: datetime, programs: dict) -> str:
    """What a layout is valid under: equal contexts, equal everything but the meetings."""
    facts = (
        LAYOUT_FORMAT,
        BUILD_FORMAT,
        EVENT_FORMAT,
        spec.key,
        timezone.localdate(now).isoformat(),
        plain_aggregate(programs_shown(spec, programs)),
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


def part_year(state: EventState) -> int:
    """The part a meeting's state is kept in: the UTC year it starts (feed order is by start,
    so each part is a run of the feed's events)."""
    return state.starts_at.astimezone(UTC).year


def _moments(states: Iterable[EventState]) -> tuple[datetime, ...]:
    """Every instant when time alone may change how the feed shows one of these meetings
    (never later than it can), sorted: a change note expiring, a cancelled meeting leaving, a
    recording's last day ending."""
    note_days = timedelta(days=settings.TUG_ICAL_CHANGE_NOTE_DAYS)
    cancelled_days = timedelta(days=settings.TUG_ICAL_CANCELLED_DAYS)
    cancelled = Meeting.Status.CANCELLED
    moments = []
    for state in states:
        if (changed := state.changed_at) is not None:
            if state.has_change_summary:
                moments.append(changed + note_days)
            if state.status == cancelled:
                moments.append(changed + cancelled_days)
        if state.has_recording and state.recording_until is not None:
            # Available through that day in the meeting's zone: gone at the next midnight there.
            last_day = state.recording_until + timedelta(days=1)
            moments.append(datetime.combine(last_day, time(), tzinfo=state.zone))
    return tuple(sorted(moments))


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


def encoded(state: EventState) -> bytes:
    """A state's entry: one JSON line (no newline in it)."""
    return _ENCODER.encode(_entry(state)).encode()


def decoded(line: bytes, programs: dict[str, EventProgram]) -> EventState:
    """The state an entry (`encoded`) keeps; `programs`: shared by the states read together."""
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
    ) = json.loads(line)
    return EventState(
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


@dataclass(frozen=True, slots=True)
class LayoutPart:
    """The meetings of one year of a feed, in feed order: their states, their entries (JSON
    lines, what the table keeps), their pieces (`event_store`), and what the feed's head, ETag
    and stability need of them, computed once."""

    year: int
    states: tuple[EventState, ...]
    entries: tuple[bytes, ...]
    pieces: tuple[Piece, ...] | None  # None: not looked up yet (`Layout.with_pieces`)
    digests: bytes | None  # the pieces' digests joined: what the ETag hashes
    spans: dict[str, tuple[datetime, datetime]]
    moments: tuple[datetime, ...]
    aggregate: dict  # what the feed's data version sums up of them (`meetings_aggregate`)

    @classmethod
    def of(cls, year: int, states, entries, pieces) -> "LayoutPart":
        states = tuple(states)
        pieces = tuple(pieces) if pieces is not None else None
        return cls(
            year=year,
            states=states,
            entries=tuple(entries),
            pieces=pieces,
            digests=b"".join([piece[2] for piece in pieces]) if pieces is not None else None,
            spans=time_zone_spans(states),
            moments=_moments(states),
            aggregate=meetings_aggregate(states),
        )

    def entries_bytes(self) -> bytes:
        """What the table stores for the part: its lines joined (no entry holds a newline)."""
        return b"\n".join(self.entries)

    def first_moment_after(self, now: datetime) -> datetime | None:
        """The first such instant at `now` or later (a change note is still shown at the very
        instant its window ends, and gone just after)."""
        index = bisect.bisect_left(self.moments, now)
        return self.moments[index] if index < len(self.moments) else None


@dataclass(frozen=True)
class Layout:
    """A feed's layout, in parts by year (ascending), and which part holds each meeting.
    Never changed once made (a process holds it, `layout_store`): a patch makes a new one,
    sharing the parts it did not touch. `token` names it in the feed's row; `built_at`: the
    build it was made for (moments up to then are in its states already)."""

    token: str
    built_at: datetime
    parts: dict[int, LayoutPart]
    year_of: dict[int, int]  # meeting id → the year of its part

    def __len__(self) -> int:
        return len(self.year_of)

    @property
    def has_pieces(self) -> bool:
        return all(part.pieces is not None for part in self.parts.values())

    def with_pieces(self, pieces: list[Piece]) -> "Layout":
        """The same layout with its events' pieces (`pieces`: each state's, in order)."""
        parts, start = {}, 0
        for year, part in self.parts.items():
            end = start + len(part.states)
            parts[year] = LayoutPart.of(year, part.states, part.entries, pieces[start:end])
            start = end
        return Layout(token=self.token, built_at=self.built_at, parts=parts, year_of=self.year_of)

    def states(self) -> Iterator[EventState]:
        return chain.from_iterable(part.states for part in self.parts.values())

    def pieces(self) -> list[Piece]:
        return list(chain.from_iterable(part.pieces for part in self.parts.values()))

    def digests(self) -> list[bytes]:
        """The events' digests, joined per part (`ics_responses.pieces_etag` joins them all)."""
        return [part.digests for part in self.parts.values()]

    def spans(self) -> dict[str, tuple[datetime, datetime]]:
        """The VTIMEZONE spans of every event (`builders.timezones_ical`)."""
        spans: dict[str, tuple[datetime, datetime]] = {}
        for part in self.parts.values():
            for zone, (low, high) in part.spans.items():
                if (known := spans.get(zone)) is not None:
                    low, high = min(low, known[0]), max(high, known[1])
                spans[zone] = (low, high)
        return spans

    def aggregate(self) -> dict:
        """What the feed's data version sums up of its meetings (`selectors.feed_version_of`),
        combined from its parts': the same as the database's aggregate of the meetings."""
        return combined_aggregate(part.aggregate for part in self.parts.values())

    def holds_any(self, ids: Iterable[int]) -> bool:
        year_of = self.year_of
        return any(pk in year_of for pk in ids)

    def states_ending_after(self, now: datetime) -> Iterator[EventState]:
        """The states, in order, from the year before `now` on: every meeting still ahead or
        under way (none lasts a year), without walking the archive before it."""
        since = now.astimezone(UTC).year - 1
        return chain.from_iterable(
            part.states for year, part in self.parts.items() if year >= since
        )

    def first_moment_after(self, now: datetime) -> datetime | None:
        moments = [m for part in self.parts.values() if (m := part.first_moment_after(now))]
        return min(moments, default=None)

    def row(self, context: str) -> dict:
        """What the feed's row keeps of it (`StoredFeed.layout`): small, read by every refresh."""
        return {
            "context": context,
            "stable_until": _us(self.first_moment_after(self.built_at)),
            "token": self.token,
            "built_at": _us(self.built_at),
        }


def layout_built(states: list[EventState], pieces: dict[int, Piece], *, now) -> Layout:
    """The layout of a feed built whole: `states` in feed order, `pieces`: {id: piece}."""
    parts = {}
    for year, run in groupby(states, key=part_year):
        run = list(run)
        entries = [encoded(state) for state in run]
        parts[year] = LayoutPart.of(year, run, entries, [pieces[state.pk] for state in run])
    return Layout(token=uuid.uuid4().hex, built_at=now, parts=parts, year_of=years_of(parts))


def years_of(parts: dict[int, LayoutPart]) -> dict[int, int]:
    """{meeting id: the year of its part}."""
    return {state.pk: year for year, part in parts.items() for state in part.states}


def layout_patched(
    layout: Layout, *, moved: set[int], fresh: list[EventState], pieces: dict[int, Piece], now
) -> tuple[Layout, set[int]]:
    """The layout with the `moved` meetings taken out and the `fresh` states (those of them the
    feed holds now, read afresh; `pieces`: {id: piece} of each) put in their place; and the
    years whose parts changed (an emptied one is gone from the new layout). Only those parts
    are made again: the others are shared with `layout`."""
    year_of = layout.year_of
    out = {pk for pk in moved if pk in year_of}
    years = {year_of[pk] for pk in out} | {part_year(state) for state in fresh}
    by_year: dict[int, list[EventState]] = {}
    for state in fresh:
        by_year.setdefault(part_year(state), []).append(state)
    parts = dict(layout.parts)
    for year in years:
        kept = []
        if (old := parts.pop(year, None)) is not None:
            rows = zip(old.states, old.entries, old.pieces, strict=True)
            kept = [row for row in rows if row[0].pk not in out]
        for state in by_year.get(year, ()):
            index = bisect.bisect(kept, FEED_ORDER(state), key=lambda row: FEED_ORDER(row[0]))
            kept.insert(index, (state, encoded(state), pieces[state.pk]))
        if kept:
            states, entries, part_pieces = zip(*kept, strict=True)
            parts[year] = LayoutPart.of(year, states, entries, part_pieces)
    year_of = dict(year_of)  # a C-level copy: the old layout stays as it was
    for pk in out:
        del year_of[pk]
    for state in fresh:
        year_of[state.pk] = part_year(state)
    ordered = {year: parts[year] for year in sorted(parts)}
    return Layout(token=uuid.uuid4().hex, built_at=now, parts=ordered, year_of=year_of), years


def layout_usable(layout: dict | None, *, context: str) -> bool:
    return bool(layout) and layout.get("context") == context and "token" in layout


def layout_built_at(layout: dict) -> datetime:
    """When the layout a feed's row names was made (`Layout.row`)."""
    return _instant(layout.get("built_at"))


def layout_stable(layout: dict, *, now: datetime) -> bool:
    """Whether nothing in the feed can have changed with time alone since its build."""
    until = layout.get("stable_until")
    return until is None or now < _instant(until)


def moved_by_time(layout: Layout, *, now: datetime) -> set[int]:
    """The meetings whose event time alone changed since the build (a change note expired, a
    recording no longer available) or that time took out of the feed (cancelled long enough):
    looked for only in the parts where such an instant came since the layout's build."""
    cancelled_until = now - timedelta(days=settings.TUG_ICAL_CANCELLED_DAYS)
    moved = set()
    for part in layout.parts.values():
        moment = part.first_moment_after(layout.built_at)
        if moment is None or moment > now:
            continue
        for state in part.states:
            if day_facts_of(state, now=now) != (state.note_shown, state.recording_shown) or (
                state.status == Meeting.Status.CANCELLED
                and state.changed_at is not None
                and state.changed_at < cancelled_until
            ):
                moved.add(state.pk)
    return moved
