"""Dates, times and time zones as agendas print them."""

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from tug_portal.meetings.timeutil import MEETING_YEARS

# ------------------------------------------------------------------------------------- dates

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?P<day>[0-9]{1,2})(?: ?(?:st|nd|rd|th))?\b"
# a year may carry a footnote mark glued to it ("October 9, 20151"): five digits are no year
_YEAR = r"(?P<year>(?:19|20)[0-9]{2})(?:[0-9](?![0-9]))?\b"
_WEEKDAY = r"(?:(?P<weekday>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DATE_PATTERNS = (
    # "March 6-7, 2019": a meeting over days is dated by its first
    re.compile(
        rf"\b{_WEEKDAY}{_MONTH}\s*{_DAY}(?:\s?[-–]\s?[0-9]{{1,2}}(?![0-9:]))?(?: ?,?\s*{_YEAR})?",
        re.I | re.A,
    ),
    re.compile(rf"\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s*{_YEAR})?", re.I | re.A),
    re.compile(
        rf"\b{_WEEKDAY}(?P<mnum>[0-9]{{1,2}})/(?P<day>[0-9]{{1,2}})/(?P<year>[0-9]{{4}}|[0-9]{{2}})\b",
        re.I | re.A,
    ),
    re.compile(r"\b(?P<year>[0-9]{4})-(?P<mnum>[0-9]{2})-(?P<day>[0-9]{2})\b", re.A),
)
_ANY_YEAR = re.compile(r"\b(?:19|20)[0-9]{2}\b")


@dataclass(frozen=True)
class _DateHit:
    month: int
    day: int
    year: int | None
    weekday: str | None
    start: int
    end: int


def _find_date(text: str) -> _DateHit | None:
    """The first date written in ``text``, in any of the spellings agendas use (US order)."""
    hits = [hit for p in _DATE_PATTERNS for m in p.finditer(text) if (hit := _date_hit(m))]
    return min(hits, key=lambda hit: (hit.start, -hit.end), default=None)


def _date_hit(match: re.Match) -> _DateHit | None:
    found = match.groupdict()
    month = _MONTHS.index(found["month"][:3].lower()) + 1 if found.get("month") else None
    month = month or int(found["mnum"])
    year = int(found["year"]) if found["year"] else None
    if year is not None and year < 100:
        year += 2000
    weekday = (found.get("weekday") or "").lower() or None
    if not 1 <= month <= 12 or not 1 <= int(found["day"]) <= 31:
        return None
    return _DateHit(month, int(found["day"]), year, weekday, match.start(), match.end())


def _make_date(year: int | None, month: int, day: int) -> dt.date | None:
    """The date, when it is one a meeting can be on (meetings/timeutil.py → MEETING_YEARS)."""
    if year not in MEETING_YEARS:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date_on_or_after(hit: _DateHit, reference: dt.date | None) -> dt.date | None:
    """A date of a later meeting; one printed without a year is the first such day after
    ``reference`` (the agenda's own date), since agendas only announce meetings to come."""
    if hit.year or reference is None:
        return _make_date(hit.year, hit.month, hit.day)
    candidate = _make_date(reference.year, hit.month, hit.day)
    if candidate and candidate < reference:
        candidate = _make_date(reference.year + 1, hit.month, hit.day)
    return candidate


# ------------------------------------------------------------------------------------- times

_CLOCK = re.compile(
    r"\b(?:(?P<noon>noon)|(?P<hour>[0-9]{1,2})(?::(?P<minute>[0-9]{2}))?"
    r"(?:\s*(?P<meridiem>[ap])\.?\s?m\b\.?)?)(?![0-9:])",
    re.I | re.A,
)
# "–", "to"...; a zone may follow the first time ("10:00 a.m. PT – 11:00 a.m. PT")
_RANGE_JOINER = re.compile(  # from the start of a run of spaces: linear time
    r"(?<!\s)\s*(?:\(?[A-Z]{2,5}\)?\s*)?(?:-|–|—|―|‒|−|(?i:to|until|till|through|thru|and))\s*"
)


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    meridiem: str | None  # "a", "p" or None when printed on a 24-hour clock (or ambiguous)
    bare: bool  # a number alone ("9" of "9 – 11 a.m."): a time only as the start of a range
    start: int
    end: int


@dataclass(frozen=True)
class _TimeRange:
    start: dt.time
    end: dt.time | None
    has_meridiem: bool
    start_index: int
    end_index: int


def _clock(match: re.Match) -> _Clock | None:
    if match["noon"]:
        return _Clock(12, 0, "p", False, match.start(), match.end())
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    meridiem = match["meridiem"].lower() if match["meridiem"] else None
    twelve_hour = bool(meridiem) or match["minute"] is None
    if minute > 59 or hour > (12 if twelve_hour else 23) or (twelve_hour and hour == 0):
        return None
    bare = match["minute"] is None and meridiem is None
    return _Clock(hour, minute, meridiem, bare, match.start(), match.end())


def _find_time_range(text: str) -> _TimeRange | None:
    """The first time or time range in ``text``: "10:00 - 11:00 AM", "1 pm", "9 – 11 a.m."."""
    clocks = [clock for m in _CLOCK.finditer(text) if (clock := _clock(m))]
    for k, clock in enumerate(clocks):
        after = clocks[k + 1] if k + 1 < len(clocks) else None
        if after and (after.bare or not _RANGE_JOINER.fullmatch(text[clock.end : after.start])):
            after = None
        if not clock.bare or (after and after.meridiem):
            return _resolve_range(clock, after)
    return None


def _resolve_range(first: _Clock, second: _Clock | None) -> _TimeRange:
    """One a.m./p.m. serves both ends ("1:00 - 3:00 PM"), unless that would end the range
    before it starts ("11:00 - 1:00 PM")."""
    if second is None:
        return _TimeRange(
            _on_clock(first, first.meridiem), None, bool(first.meridiem), first.start, first.end
        )
    start_meridiem = first.meridiem or second.meridiem
    end_meridiem = second.meridiem or first.meridiem
    start, end = _on_clock(first, start_meridiem), _on_clock(second, end_meridiem)
    if second.hour == 12 and second.meridiem == "a" and first.hour < 12 and first.meridiem != "p":
        # "11:00 – 12:30 a.m.": a morning range cannot end after midnight; the "a.m." is the
        # morning's, and 12:30 the half hour after noon (the usual slip of the 12 o'clock hour)
        start, end = _on_clock(first, "a"), dt.time(12, second.minute)
    if start > end and first.meridiem is None and start_meridiem:
        start = _on_clock(first, "a" if start_meridiem == "p" else "p")
    elif start > end and second.meridiem is None and end_meridiem:
        end = _on_clock(second, "a" if end_meridiem == "p" else "p")
    return _TimeRange(start, end, bool(start_meridiem), first.start, second.end)


def _on_clock(clock: _Clock, meridiem: str | None) -> dt.time:
    hour = clock.hour
    if meridiem:
        hour = clock.hour % 12 + (12 if meridiem == "p" else 0)
    return dt.time(hour, clock.minute)


_TIMEZONES = (
    ("America/Los_Angeles", re.compile(r"(?i:\bpacific\b)|\bP[SDP]?T\b")),
    ("America/Denver", re.compile(r"(?i:\bmountain\b)|\bM[SDP]?T\b")),
    ("America/Chicago", re.compile(r"(?i:\bcentral\b)|\bC[SDP]?T\b")),
    ("America/New_York", re.compile(r"(?i:\beastern\b)|\bE[SDP]?T\b")),
    ("America/Anchorage", re.compile(r"(?i:\balaska\b)|\bAK[SD]?T\b")),
    ("Pacific/Honolulu", re.compile(r"(?i:\bhawaii\b)|\bHST\b")),
)
_ARIZONA = re.compile(r"\barizona\b", re.I)


def _find_timezone(text: str) -> str | None:
    """The IANA zone named in ``text``; Arizona keeps standard time, so it outranks "MST"."""
    if _ARIZONA.search(text):
        return "America/Phoenix"
    found = [(m.start(), zone) for zone, p in _TIMEZONES if (m := p.search(text))]
    return min(found)[1] if found else None


def _all_dates(text: str) -> list[_DateHit]:
    """Every date written in ``text``, in order; of overlapping readings the one with a year,
    then the longest ("#16-6 December 8, 2016" is December 8, not "6 December")."""
    hits = [hit for p in _DATE_PATTERNS for m in p.finditer(text) if (hit := _date_hit(m))]
    kept: list[_DateHit] = []
    for hit in sorted(hits, key=lambda h: (h.year is None, h.start - h.end, h.start)):
        if all(hit.end <= other.start or hit.start >= other.end for other in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


def _all_clocks(text: str) -> list[_Clock]:
    return [clock for m in _CLOCK.finditer(text) if (clock := _clock(m))]


def _clock_habit(text: str) -> str | None:
    """How a document writes the times it leaves without a.m./p.m., from its own evidence:
    "24" when it writes an hour past 12 or a leading zero ("13:30", "08:00"), "12" when a run
    of times crosses noon back to 1 ("11:30, 12:00, 1:00"), else None: unknown, never assumed."""
    plain = [c for c in _all_clocks(text) if c.meridiem is None and not c.bare]
    if any(c.hour > 12 or text[c.start] == "0" for c in plain):
        return "24"
    if any(a.hour == 12 and 1 <= b.hour <= 6 for a, b in itertools.pairwise(plain)):
        return "12"
    return None


def _meridiem_elsewhere(text: str, clock: _Clock) -> str | None:
    """The a.m./p.m. the same clock time carries where the document writes it again."""
    for other in _all_clocks(text):
        same = (other.hour, other.minute) == (clock.hour, clock.minute)
        if same and other.meridiem:
            return other.meridiem
    return None
