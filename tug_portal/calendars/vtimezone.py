"""VTIMEZONE components written the way Google and Outlook write them.

A zone's history is a series of rule eras (for US Pacific: 1987-2006 "first Sunday in April to
last Sunday in October", 2007 onwards "second Sunday in March to first Sunday in November").
Each era becomes one DAYLIGHT and one STANDARD observance with a yearly RRULE, closed with UNTIL
when a later era replaced it. Only the eras that govern the events of a calendar are written.

We do not use icalendar's `add_missing_timezones()`: it lists every transition as RDATE values,
which vobject (and, by reports, Outlook) read an hour off in summer.

The eras are derived from the zone's own data (stdlib zoneinfo), so any IANA zone works.
"""

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

FIRST_YEAR = 1970  # no meeting predates this; the first observance starts here
ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset (or of name) at an instant."""

    at: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_daylight: bool

    @property
    def onset(self) -> datetime:
        """The wall-clock time of the change, in the offset before it (as DTSTART wants)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    def rule_key(self) -> tuple:
        """Transitions with the same key in consecutive years may share one RRULE."""
        onset = self.onset
        return (
            self.is_daylight,
            self.offset_from,
            self.offset_to,
            self.name,
            onset.month,
            onset.weekday(),
            onset.time(),
        )

    def weekday_positions(self) -> set[int]:
        """Which "nth weekday of the month" this onset is: {2} for the 2nd Sunday; {4, -1} or
        {5, -1} when it is also the last one."""
        onset = self.onset
        positions = {(onset.day - 1) // 7 + 1}
        if onset.day + 7 > calendar.monthrange(onset.year, onset.month)[1]:
            positions.add(-1)
        return positions


@dataclass
class Era:
    """Consecutive yearly transitions that one RRULE describes."""

    transitions: list[Transition]
    positions: set[int] = field(default_factory=set)

    @property
    def first(self) -> Transition:
        return self.transitions[0]

    @property
    def last(self) -> Transition:
        return self.transitions[-1]

    def continues_with(self, transition: Transition) -> bool:
        return transition.onset.year == self.last.onset.year + 1 and bool(
            self.positions & transition.weekday_positions()
        )

    def byday(self) -> str:
        # "Last Sunday" when every year agrees it is the last; else the shared ordinal.
        position = -1 if -1 in self.positions else min(self.positions)
        return f"{position}{ICAL_WEEKDAYS[self.first.onset.weekday()]}"


def _state(zone: ZoneInfo, instant: datetime) -> tuple:
    local = instant.astimezone(zone)
    return local.utcoffset(), local.dst(), local.tzname()


def _exact_instant(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """Bisect to the second at which the state of `before` stops holding."""
    state = _state(zone, before)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if _state(zone, middle) == state:
            before = middle
        else:
            after = middle
    return after.replace(microsecond=0)


@lru_cache(maxsize=32)
def zone_transitions(tz_name: str, last_year: int) -> tuple[Transition, ...]:
    """Every transition from FIRST_YEAR to the end of `last_year`, preceded by a pseudo
    transition that states the offset in force at the start of FIRST_YEAR. Zones change at
    most once a day, so a daily scan finds every change; bisection then pins it down."""
    zone = ZoneInfo(tz_name)
    day = timedelta(days=1)
    instant = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset, dst, name = _state(zone, instant)
    transitions = [Transition(instant, offset, offset, name, bool(dst))]
    while instant < end:
        following = instant + day
        state = _state(zone, following)
        if state != (offset, dst, name):
            at = _exact_instant(zone, instant, following)
            transitions.append(Transition(at, offset, state[0], state[2], bool(state[1])))
            offset, dst, name = state
        instant = following
    return tuple(transitions)


def _eras(transitions: tuple[Transition, ...]) -> list[Era]:
    eras: list[Era] = []
    current: dict[tuple, Era] = {}
    for transition in transitions:
        key = transition.rule_key()
        era = current.get(key)
        if era is not None and era.continues_with(transition):
            era.transitions.append(transition)
            era.positions &= transition.weekday_positions()
        else:
            era = Era([transition], transition.weekday_positions())
            current[key] = era
            eras.append(era)
    return eras


def _observance(era: Era, *, open_ended: bool):
    first = era.first
    observance = TimezoneDaylight() if first.is_daylight else TimezoneStandard()
    observance.add("dtstart", first.onset)
    observance.add("tzoffsetfrom", first.offset_from)
    observance.add("tzoffsetto", first.offset_to)
    observance.add("tzname", first.name)
    if open_ended or len(era.transitions) > 1:
        rule = {"freq": "yearly", "bymonth": first.onset.month, "byday": era.byday()}
        if not open_ended:
            rule["until"] = era.last.at  # RFC 5545: UNTIL in a VTIMEZONE is in UTC
        observance.add("rrule", rule)
    return observance


def vtimezone(tz_name: str, first: datetime, last: datetime) -> Timezone:
    """A VTIMEZONE for `tz_name` that is right for every instant between `first` and `last`:
    the era in force at `first` and every era that starts before `last`."""
    transitions = zone_transitions(tz_name, last.year + 1)
    final_year = last.year + 1
    # (An instant before the first observance, FIRST_YEAR, is described by it: no meeting is.)
    governing = max(
        (t.at for t in transitions if t.at <= first.astimezone(UTC)), default=transitions[0].at
    )
    component = Timezone()
    component.add("tzid", tz_name)
    for era in _eras(transitions):
        open_ended = era.last.onset.year >= final_year
        ends = None if open_ended else era.last.at
        if era.first.at <= last.astimezone(UTC) and (ends is None or ends >= governing):
            component.add_component(_observance(era, open_ended=open_ended))
    return component
