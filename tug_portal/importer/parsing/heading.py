"""The heading: the meeting's title, and its date, times and zone near the top."""

import datetime as dt
import re
from dataclasses import dataclass

from .dates_times import (
    _ANY_YEAR,
    _WEEKDAYS,
    _find_date,
    _find_time_range,
    _find_timezone,
    _make_date,
    _TimeRange,
)
from .text import _squash
from .trailer import _DISCLAIMER

# --------------------------------------------------------------------- title, date, time line

_AGENDA_ONLY = re.compile(  # whole lines (\A: searched, it would retry from every word)
    r"(?i)\A(?:(?:(?:meeting|draft|final|revised)\s+)*agenda|draft|final|revised)"
)
_LABEL_LINE = re.compile(r"^[A-Za-z][\w /()&-]{0,30}:\s")
# The name keeps the spaces before "(": a lazy name followed by \s* would rescan a run of
# spaces from each of its characters (quadratic); the caller strips them.
_ACRONYM = re.compile(r"^(?P<name>.+?)\((?P<acronym>[A-Z][A-Z0-9&-]{1,9})\)")
# Linear time: a match starts only where a run of separators starts (not inside it).
_TRAILING_AGENDA = re.compile(r"(?i)(?<![\s:–-])[\s:–-]+(?:meeting\s+)?agenda$")
_TITLE_SEPARATORS = " -–—|,:"


def _find_title(lines: list[str], end: int) -> tuple[str | None, int]:
    """The program line(s) at the top, as printed: up to three lines before the first date, time,
    label or sentence (a long title wraps onto a second line). Returns the title and the index
    of the first line after it."""
    found: list[str] = []
    for i in range(end):
        text = _squash(lines[i])
        if not text or _AGENDA_ONLY.fullmatch(text):
            continue
        position = _date_or_time_at(text)
        if position is not None and not found:
            found.append(text[:position].strip(_TITLE_SEPARATORS))
        if position is not None or "\t" in lines[i] or _ends_title_block(text, found):
            return " ".join(part for part in found if part) or None, i
        found.append(text)
    return " ".join(found) or None, end


def _date_or_time_at(text: str) -> int | None:
    date, time = _find_date(text), _find_time_range(text)
    return min(
        (p for p in (date and date.start, time and time.start_index) if p is not None), default=None
    )


def _ends_title_block(text: str, found: list[str]) -> bool:
    """A fourth line, a sentence, a "Label: value" line, the disclaimer or, under the title,
    a heading such as "TUG Agenda"."""
    return (
        len(found) == 3
        or len(text) > 100
        or text.endswith(".")
        or bool(_LABEL_LINE.match(text) or _DISCLAIMER.search(text))
        or bool(found and _TRAILING_AGENDA.search(text))
    )


def _program(title: str | None) -> tuple[str | None, str | None]:
    """Program name and acronym from "Technology User Group (TUG)"; no acronym is invented."""
    if not title:
        return None, None
    match = _ACRONYM.match(title)
    if match:
        return match["name"].strip(_TITLE_SEPARATORS), match["acronym"]
    return _TRAILING_AGENDA.sub("", title) or title, None


@dataclass(frozen=True)
class _Heading:
    date: dt.date | None
    time: _TimeRange | None
    timezone: str | None
    warnings: tuple[str, ...]


def _read_heading(lines: list[str], end: int, claimed: set[int], title: str | None) -> _Heading:
    """Date, time and time zone of the meeting, from the lines above the agenda table."""
    candidates = [_squash(lines[i]) for i in range(end) if i not in claimed]
    dated = next(((text, hit) for text in candidates if (hit := _find_date(text))), None)
    timed = next(((text, tr) for text in candidates if (tr := _find_time_range(text))), None)
    date, warnings = _meeting_date(dated, title)
    time = timed[1] if timed else None
    timezone = _find_timezone(timed[0]) if timed else None
    if timezone is None and dated:
        timezone = _find_timezone(dated[0])
    if time is None:
        warnings.append("no meeting time found")
    elif not time.has_meridiem and max(time.start.hour, (time.end or time.start).hour) <= 12:
        warnings.append("the meeting time has no a.m./p.m.; read on a 24-hour clock")
    if timezone is None:
        warnings.append("no time zone found")
    return _Heading(date, time, timezone, tuple(warnings))


def _meeting_date(dated, title: str | None) -> tuple[dt.date | None, list[str]]:
    """A date printed without a year takes the year printed in the title or on its own line."""
    if dated is None:
        return None, ["no date found"]
    line, hit = dated
    year = hit.year or _year_in(f"{title or ''} {line}")
    date = _make_date(year, hit.month, hit.day)
    if date is None:
        return None, [f"the date {line!r} has no year" if not year else f"invalid date {line!r}"]
    if hit.weekday and hit.weekday != _WEEKDAYS[date.weekday()]:
        return date, [f"the weekday printed does not match {date.isoformat()}"]
    return date, []


def _year_in(text: str) -> int | None:
    match = _ANY_YEAR.search(text)
    return int(match.group()) if match else None
