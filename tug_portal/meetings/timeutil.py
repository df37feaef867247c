"""Local wall-clock times of a meeting's zone <-> UTC instants, and how times are written."""

import functools
import re
import zoneinfo
from datetime import date, datetime, time, timedelta

# Names a zoneinfo folder holds that are not zones a person lives in: the host's own zone
# (follows the server), the tz database's placeholder, and a build file.
NOT_IANA_ZONES = frozenset({"localtime", "Factory", "posixrules"})

# Stakeholders read "Pacific", not "America/Los_Angeles"; zones without a common US name fall
# back to their IANA name.
ZONE_NAMES = {
    "America/Los_Angeles": ("Pacific", "PT"),
    "America/Denver": ("Mountain", "MT"),
    "America/Phoenix": ("Arizona", "MST"),
    "America/Chicago": ("Central", "CT"),
    "America/New_York": ("Eastern", "ET"),
    "UTC": ("UTC", "UTC"),
}


@functools.cache
def iana_zones() -> frozenset[str]:
    """Every IANA zone this machine knows (read once: reading the folder takes 8 ms)."""
    return frozenset(zoneinfo.available_timezones()) - NOT_IANA_ZONES


def is_iana_time_zone(value: str) -> bool:
    return value in iana_zones()


# What people in the US call their zones, and the old names of them the tz database keeps as
# links ("US/Pacific", and "EST", "MST": a fixed offset nobody means), as the zones meant.
US_SPELLINGS = {
    "America/Los_Angeles": ["PST", "PDT", "US/Pacific", "PST8PDT"],
    "America/Denver": ["MDT", "US/Mountain", "MST7MDT"],
    "America/Phoenix": ["MST", "US/Arizona"],
    "America/Chicago": ["CST", "CDT", "US/Central", "CST6CDT"],
    "America/New_York": ["EST", "EDT", "US/Eastern", "EST5EDT"],
}
# "Pacific Time", "Eastern Standard Time": the zone's name before these words.
TIME_WORDS = re.compile(r"\s+(?:(?:standard|daylight)\s+)?time$")


@functools.cache
def _zones_by_spelling() -> dict[str, str]:
    zones = {zone.casefold(): zone for zone in iana_zones()}
    for zone, names in ZONE_NAMES.items():
        for name in names:
            zones.setdefault(name.casefold(), zone)
    for zone, names in US_SPELLINGS.items():
        zones.update({name.casefold(): zone for name in names})
    return zones


def canonical_time_zone(typed: str) -> str | None:
    """The IANA zone staff mean by what they typed: its name in any case
    ("america/los_angeles"), the name every meeting shows ("Pacific", "PT", "Pacific Time"), or
    a US abbreviation or old name ("PST", "US/Pacific"); None if no zone."""
    spelled = " ".join(typed.split()).casefold()
    zones = _zones_by_spelling()
    return zones.get(spelled) or zones.get(TIME_WORDS.sub("", spelled))


def zone_name(tz_name: str) -> str:
    return ZONE_NAMES.get(tz_name, (tz_name, tz_name))[0]


# The years a meeting may be in (a database constraint, meetings/models.py; the admin and the
# importer say so first). The feeds describe zones from 1970 on (calendars/vtimezone.py), and a
# year far ahead is a typo: an outside try's year 1 and 9999 overflowed the zone arithmetic,
# and a meeting in year 1 stopped its program's feeds. (Here, not in models.py: the importer's
# parser runs in a child process without Django.)
MEETING_YEARS = range(1970, 2100)


def span_label(start: datetime, end: datetime, tz_name: str) -> str:
    """ "10:00-11:00 Pacific": local start and end and the zone's name (the admin's meeting list,
    and the label of a meeting staff choose; SPAN_LABEL_IN_PARENS reads it back)."""
    return f"{start:%H:%M}-{end:%H:%M} {zone_name(tz_name)}"


# A span_label in parentheses, as a meeting's label ends ("TUG 2030-03-12 (10:00-11:00
# Pacific)") and staff may type it back: its start's hour and minute, and its zone's name.
SPAN_LABEL_IN_PARENS = re.compile(r"\(([0-2]\d):([0-5]\d)-[0-2]\d:[0-5]\d ([^()]{1,40})\)")


def zone_abbreviation(tz_name: str) -> str:
    return ZONE_NAMES.get(tz_name, (tz_name, tz_name))[1]


def local_to_utc(day: date, at: time, tz_name: str) -> datetime:
    """The UTC instant of a wall-clock time in a zone (fold=0: the first of a repeated hour)."""
    local = datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(tz_name))
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def local_time_exists(day: date, at: time, tz_name: str) -> bool:
    """False for a wall-clock time the zone skips that day (the hour the clocks go forward)."""
    local = datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(tz_name))
    back = local.astimezone(zoneinfo.ZoneInfo("UTC")).astimezone(local.tzinfo)
    return (back.date(), back.time()) == (day, at)


def local_span_to_utc(day: date, start: time, end: time | None, tz_name: str, duration: timedelta):
    """(starts_at, ends_at) in UTC; with no end time the duration applies; an end at or before
    the start is taken to be after midnight."""
    starts_at = local_to_utc(day, start, tz_name)
    if end is None:
        return starts_at, starts_at + duration
    end_day = day if end > start else day + timedelta(days=1)
    return starts_at, local_to_utc(end_day, end, tz_name)


def format_clock(value: time | datetime) -> str:
    """10:00 AM -> "10:00 AM"; 14:00 -> "2:00 PM"."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def format_time_range(start: time | datetime, end: time | datetime) -> str:
    """ "10:00-11:00 AM" when both share AM/PM, else "11:30 AM-12:30 PM"."""
    first, second = format_clock(start), format_clock(end)
    if first[-2:] == second[-2:]:
        return f"{first[:-3]}-{second}"
    return f"{first}-{second}"


def format_meeting_when(meeting) -> str:
    """ "Tuesday, October 16, 2018, 10:00-11:00 AM Pacific": a meeting in its own zone, as pages
    and mails write it."""
    start = meeting.local_start
    span = format_time_range(start, meeting.local_end)
    return f"{start:%A, %B} {start.day}, {start.year}, {span} {zone_name(meeting.time_zone)}"
