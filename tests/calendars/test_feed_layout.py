"""A feed's layout in parts (`calendars.feed_layout`): what each part works out once."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tug_portal.calendars.event_store import EventProgram, EventState
from tug_portal.calendars.feed_layout import LayoutPart, layout_built, layout_patched, moved_by_time

TUG = EventProgram("TUG")
NEW_YORK = ZoneInfo("America/New_York")


def _state(pk, starts_at, *, recording_until=None, key="k") -> EventState:
    return EventState(
        pk,
        TUG,
        "scheduled",
        "America/New_York",
        starts_at,
        starts_at + timedelta(hours=2),
        key,
        sequence=1,
        changed_at=starts_at - timedelta(days=30),
        updated_at=starts_at - timedelta(days=30),
        has_recording=recording_until is not None,
        recording_until=recording_until,
        recording_shown=recording_until is not None,
    )


def _piece(pk) -> tuple[bytes, bytes, bytes]:
    return (b"BEGIN:VEVENT\r\n", f"UID:{pk}\r\nEND:VEVENT\r\n".encode(), bytes(32))


def test_a_recordings_last_instant_is_the_midnight_after_its_last_day_in_the_meetings_zone():
    """Before: midnight UTC of its last day, hours early; a build between that instant and the
    real one took it for past, and the link stayed in the feed until the next day's check."""
    state = _state(1, datetime(2026, 3, 3, 15, tzinfo=UTC), recording_until=date(2026, 3, 10))

    part = LayoutPart.of(2026, [state], [b"[]"], [_piece(1)])

    assert part.moments == (datetime(2026, 3, 11, tzinfo=NEW_YORK),)
    assert part.first_moment_after(datetime(2026, 3, 10, 12, tzinfo=UTC)) == part.moments[0]


def test_parts_are_years_and_a_patch_remakes_only_the_years_its_meetings_were_and_are_in():
    states = [
        _state(1, datetime(2025, 6, 1, 15, tzinfo=UTC)),
        _state(2, datetime(2026, 6, 1, 15, tzinfo=UTC)),
        _state(3, datetime(2027, 6, 1, 15, tzinfo=UTC)),
    ]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    layout = layout_built(states, {s.pk: _piece(s.pk) for s in states}, now=now)
    moved = _state(2, datetime(2027, 1, 5, 15, tzinfo=UTC), key="k2")

    patched, years = layout_patched(
        layout, moved={2}, fresh=[moved], pieces={2: _piece(2)}, now=now
    )

    assert list(layout.parts) == [2025, 2026, 2027]
    assert years == {2026, 2027}
    assert list(patched.parts) == [2025, 2027]  # 2026 emptied
    assert patched.parts[2025] is layout.parts[2025]  # shared, not remade
    assert [s.pk for s in patched.parts[2027].states] == [2, 3]
    assert patched.year_of == {1: 2025, 2: 2027, 3: 2027}
    assert layout.year_of == {1: 2025, 2: 2026, 3: 2027}  # the old layout as it was
    assert len(patched) == 3


def test_time_is_looked_for_only_in_parts_where_an_instant_came_since_the_build():
    ended = _state(1, datetime(2025, 3, 3, 15, tzinfo=UTC), recording_until=date(2026, 11, 30))
    quiet = _state(2, datetime(2026, 6, 1, 15, tzinfo=UTC))
    built = datetime(2026, 11, 30, 12, tzinfo=UTC)
    layout = layout_built([ended, quiet], {1: _piece(1), 2: _piece(2)}, now=built)

    assert moved_by_time(layout, now=built + timedelta(hours=1)) == set()
    assert moved_by_time(layout, now=built + timedelta(days=1)) == {1}
