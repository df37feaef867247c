"""Read the text of a stakeholder meeting agenda into a plain record.

The parser knows nothing of Django nor of file formats (``extract.py`` turns files into text).
Agendas are written by many hands and reach us through Word, PDF and e-mail, so every rule here
is a tolerant pattern (tables of label synonyms, several spellings of dates and times, tables
separated by tabs or by runs of spaces) and every fact it cannot find stays empty rather than
guessed. ``AgendaRecord.warnings`` say what a person should check before publishing.
"""

import bisect
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, fields, is_dataclass, replace
from urllib.parse import unquote

# --------------------------------------------------------------------------------- the record


@dataclass(frozen=True)
class WebConference:
    url: str | None
    meeting_number: str | None
    access_code: str | None


@dataclass(frozen=True)
class DialIn:
    label: str | None
    number: str
    access_code: str | None


@dataclass(frozen=True)
class Contact:
    name: str | None
    email: str


@dataclass(frozen=True)
class Document:
    title: str
    url: str
    page: str | None


@dataclass(frozen=True)
class Topic:
    title: str
    facilitator: str | None  # the presenter cell as printed
    facilitators: tuple[str, ...] = ()  # the people named in that cell
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    body_markdown: str = ""
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class RelatedMeeting:
    """A later meeting whose agenda an announcement carries ("Agenda for meeting on ...")."""

    date: dt.date | None
    start_time: dt.time | None
    timezone: str | None
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class Announcement:
    title: str
    body_markdown: str
    topic_title: str | None  # the agenda topic this section details, if any
    documents: tuple[Document, ...]
    related_meeting: RelatedMeeting | None


@dataclass(frozen=True)
class Disclaimer:
    heading: str
    text: str


@dataclass(frozen=True)
class AgendaRecord:
    file: str | None
    title: str | None
    program_name: str | None
    program_acronym: str | None
    date: dt.date | None
    start_time: dt.time | None
    end_time: dt.time | None
    timezone: str | None
    web_conference: WebConference | None
    dial_in: tuple[DialIn, ...]
    topics: tuple[Topic, ...]
    next_meeting_date: dt.date | None
    contact: Contact | None
    disclaimer: Disclaimer | None
    announcements: tuple[Announcement, ...]
    stay_connected: tuple[str, ...]
    warnings: tuple[str, ...]

    def to_json_dict(self) -> dict:
        """The importer's interchange form: other tools read these keys, in this order."""
        return {
            "file": self.file,
            "title": self.title,
            "date": _plain(self.date),
            "start_time": _plain(self.start_time),
            "end_time": _plain(self.end_time),
            "timezone": self.timezone,
            "web_conference": _plain(self.web_conference),
            "dial_in": _plain(self.dial_in),
            "topics": [{"title": t.title, "facilitator": t.facilitator} for t in self.topics],
            "next_meeting_date": _plain(self.next_meeting_date),
            "contact": _plain(self.contact),
        }

    def to_full_dict(self) -> dict:
        """Every fact of the record, JSON-ready, for the service that creates meetings."""
        return _plain(self)


def _plain(value):
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------------ the pipeline


def parse_agenda(text: str, *, file: str | None = None) -> AgendaRecord:
    """Read an agenda's text. Never raises: what it cannot read is left empty and warned about."""
    lines = _normalise(text)
    footer, stay_connected = _stay_connected(lines)
    table = _find_topic_table(lines[:footer])
    rows = [row for row in table.rows if row.get("topic")] if table else []
    trailer = [i for i in range(footer) if _is_trailer(_squash(lines[i]))]
    title, title_end = _find_title(lines, table.start if table else footer)
    begin = table.end if table else title_end
    titles = [row["topic"] for row in rows]
    sections = _find_sections(lines, begin, footer, titles, trailer)
    header_end = min([table.start if table else footer, *trailer, *(s.start for s in sections)])

    claimed = set(range(footer, len(lines)))
    claimed.update(range(table.start, table.end) if table else ())
    for section in sections:
        claimed.update(range(section.start, section.end))
    disclaimer, disclaimer_lines = _find_disclaimer(lines, claimed)
    claimed.update(disclaimer_lines)

    heading = _read_heading(lines, header_end, claimed, title)
    web_conference, dial_in = _conference(lines, claimed | set(trailer))
    topics = _topics(rows, sections, heading.time)
    program_name, program_acronym = _program(title)
    warnings = [*heading.warnings, *_content_warnings(table, topics, web_conference, dial_in)]
    return AgendaRecord(
        file=file,
        title=title,
        program_name=program_name,
        program_acronym=program_acronym,
        date=heading.date,
        start_time=heading.time.start if heading.time else None,
        end_time=heading.time.end if heading.time else None,
        timezone=heading.timezone,
        web_conference=web_conference,
        dial_in=dial_in,
        topics=topics,
        next_meeting_date=_next_meeting_date(lines, trailer, heading.date),
        contact=_contact(lines, claimed),
        disclaimer=disclaimer,
        announcements=tuple(_announcement(s, titles, heading.date) for s in sections),
        stay_connected=stay_connected,
        warnings=tuple(warnings),
    )


def _content_warnings(
    table: "_Table | None",
    topics: tuple[Topic, ...],
    web_conference: WebConference | None,
    dial_in: tuple[DialIn, ...],
) -> list[str]:
    warnings = []
    if table is None:
        warnings.append("topic table not found")
    elif not topics:
        warnings.append("topic table has no rows")
    if web_conference is None and not dial_in:
        warnings.append("no web conference or dial-in found")
    return warnings


# ---------------------------------------------------------------------------- text and cells

_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u00ad\u200b-\u200d\u2060\ufeff]")


def _normalise(text: str) -> list[str]:
    """Lines without invisible characters; Word's vertical tabs and form feeds end lines too."""
    return [_INVISIBLE.sub("", _ODD_SPACES.sub(" ", line)).rstrip() for line in text.splitlines()]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


@dataclass(frozen=True)
class _Cell:
    text: str
    start: int  # column index on tab-separated lines, character offset on space-aligned ones


_FRAGMENT = re.compile(r"\S+(?: \S+)*")


def _cells(line: str) -> list[_Cell]:
    """Table cells of a line: tab-separated (Word tables) or apart by 2+ spaces (PDF layout).

    Empty tab cells are kept so that positions line up with those of a header row.
    """
    if "\t" in line:
        return [_Cell(_squash(part), i) for i, part in enumerate(line.split("\t"))]
    return [_Cell(m.group(), m.start()) for m in _FRAGMENT.finditer(line)]


def _filled(cells: list[_Cell]) -> list[_Cell]:
    return [cell for cell in cells if cell.text]


# ------------------------------------------------------------------------------------- dates

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>(?:19|20)[0-9]{2})\b"
_WEEKDAY = r"(?:(?P<weekday>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_DATE_PATTERNS = (
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s*{_DAY}(?:,?\s*{_YEAR})?", re.I | re.A),
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
    try:
        return dt.date(year, month, day) if year else None
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
    r"(?<!\s)\s*(?:\(?[A-Z]{2,5}\)?\s*)?(?:-|–|—|(?i:to|until|till|through|thru))\s*"
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


# ---------------------------------------------------------------------- trailer and footer

_NEXT_MEETING = re.compile(r"(?i)^(?:the\s+)?(?:next|upcoming)\b")
_CONTACT_WORD = re.compile(r"(?i)\b(?:contact|questions?|inquiries|comments)\b")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")  # starts a word: linear time
_CONTACT_LABEL = re.compile(r"(?i)^(?:for\s+)?(?:contact|questions?|inquiries)\b.{0,60}[:?]$")
_STAY_CONNECTED = re.compile(r"(?i)^(?:stay connected|follow us|connect with us)\b")
_NAME_LEAD = re.compile(r"(?i)^.*(?::|\b(?:contact|to|email|e-mail)\b)")
_NAME_TAIL = re.compile(r"(?i)(?<!\s)\s+(?:at|via|by|email|e-mail)$")  # from a run's start
_NAME_TRIM = " ,;(<>–-"


def _is_next_meeting(text: str) -> bool:
    return bool(_NEXT_MEETING.match(text) and _find_date(text))


def _is_contact(text: str) -> bool:
    """ "Questions: Jane Doe, jdoe@...", or a "Questions? Contact:" line with the address below."""
    if _BULLET.match(text):
        return False
    labelled = _EMAIL.search(text) and _CONTACT_WORD.search(text)
    return bool(labelled or _CONTACT_LABEL.match(text))


def _is_trailer(text: str) -> bool:
    """Lines that close the agenda body: the next meeting, whom to contact."""
    return _is_next_meeting(text) or _is_contact(text)


def _next_meeting_date(lines, trailer: list[int], reference: dt.date | None) -> dt.date | None:
    for i in trailer:
        text = _squash(lines[i])
        if _is_next_meeting(text):
            return _date_on_or_after(_find_date(text), reference)
    return None


def _contact(lines: list[str], claimed: set[int]) -> Contact | None:
    """The first address on a contact line or under one, with the name printed beside it
    (before, or after in parentheses) or on the line above."""
    texts = [_squash(line) for i, line in enumerate(lines) if i not in claimed and line.strip()]
    for k, text in enumerate(texts):
        email, above = _EMAIL.search(text), texts[max(0, k - 2) : k]
        if not email or _BULLET.match(text) or not any(map(_is_contact, [*above, text])):
            continue
        name = _person_name(_NAME_LEAD.sub("", text[: email.start()]))
        name = name or _person_name(text[email.end() :].strip(" ()"))
        if name is None and above:
            name = _person_name(_NAME_LEAD.sub("", above[-1]))
        return Contact(name, email.group())
    return None


def _person_name(text: str) -> str | None:
    """A name is one to five capitalised words; anything else is not taken for one."""
    name = _NAME_TAIL.sub("", text.strip(_NAME_TRIM)).strip(_NAME_TRIM)
    words = name.split()
    return name if 1 <= len(words) <= 5 and all(w[0].isupper() for w in words) else None


def _stay_connected(lines: list[str]) -> tuple[int, tuple[str, ...]]:
    """The footer (social links, app, newsletter) and where it starts."""
    for i, line in enumerate(lines):
        if _STAY_CONNECTED.match(_squash(line)):
            return i, tuple(text for rest in lines[i + 1 :] if (text := _squash(rest)))
    return len(lines), ()


# "record ... notice" is looked for after the first "record" only (an atomic group): if no
# "notice" follows that one, none follows a later one, and trying each would be quadratic.
_DISCLAIMER = re.compile(
    r"(?i)\bdisclaimer\b|^(?>.*?\brecord(?:ing|ed)?\b).*\bnotice\b|^(?>.*?\bnotice\b).*\brecord"
)


def _find_disclaimer(lines: list[str], claimed: set[int]) -> tuple[Disclaimer | None, range]:
    """The recording disclaimer: a short heading, then its paragraph (or "Heading: text")."""
    for i, line in enumerate(lines):
        heading, _, inline = _squash(line).partition(": ")
        if i in claimed or not _DISCLAIMER.search(heading) or len(heading.split()) > 12:
            continue
        if inline:
            return Disclaimer(heading, inline), range(i, i + 1)
        text, end = _paragraph_after(lines, i + 1)
        return Disclaimer(heading.rstrip(":"), text), range(i, end)
    return None, range(0)


def _paragraph_after(lines: list[str], begin: int) -> tuple[str, int]:
    """The first paragraph at or after ``begin`` (lines up to a blank one), joined, and its end."""
    i = begin
    while i < len(lines) and not lines[i].strip():
        i += 1
    end = i
    while end < len(lines) and lines[end].strip():
        end += 1
    return _squash(" ".join(lines[i:end])), end


# ------------------------------------------------------------------------------- topic table

# Header cells, tried in this order ("Topic Lead" names people); a bare "Item" column holds
# numbers when a "Topic" column exists, and the topics otherwise.
_HEADER_ROLES = (
    ("time", re.compile(r"(?i)^(?:times?|when|duration)\b")),
    (
        "person",
        re.compile(
            r"(?i)\b(?:facilitat|present|speaker|lead|owner|moderat|responsible|led\s+by|who\b)"
        ),
    ),
    ("topic", re.compile(r"(?i)\b(?:topics?|subjects?|agenda|description|discussion)\b")),
    ("item", re.compile(r"(?i)^(?:items?|no\.?|#)\W*$")),
)


@dataclass(frozen=True)
class _Column:
    role: str  # "time", "topic", "person", "item" (a number column) or "other"
    start: int


@dataclass(frozen=True)
class _Table:
    start: int  # the header row, or the first row of a table without one
    end: int
    rows: list[dict[str, str]]  # role -> cell text


def _find_topic_table(lines: list[str]) -> _Table | None:
    """The agenda table: under a "Topic | Presenter" style header, or else rows led by times."""
    for i, line in enumerate(lines):
        columns = _header_columns(_cells(line))
        if columns:
            return _read_table(lines, i, i + 1, columns)
    return _find_headerless_table(lines)


def _header_columns(cells: list[_Cell]) -> list[_Column] | None:
    filled = _filled(cells)
    if len(filled) < 2 or any(len(cell.text.split()) > 4 for cell in filled):
        return None
    roles = [_header_role(cell.text) for cell in filled]
    if "topic" not in roles and "item" in roles:
        roles[roles.index("item")] = "topic"
    if "topic" in roles and {"time", "person"} & set(roles):
        return [_Column(role, cell.start) for role, cell in zip(roles, filled, strict=True)]
    return None


def _header_role(text: str) -> str:
    return next((role for role, p in _HEADER_ROLES if p.search(text)), "other")


def _find_headerless_table(lines: list[str]) -> _Table | None:
    led = [i for i, line in enumerate(lines) if _is_time_led(_filled(_cells(line)))]
    if len(led) < 2:
        return None
    template = max((_filled(_cells(lines[i])) for i in led[:10]), key=len)[:3]
    roles = ("time", "topic", "person")
    columns = [_Column(role, cell.start) for role, cell in zip(roles, template, strict=False)]
    return _read_table(lines, led[0], led[0], columns)


def _is_time_led(cells: list[_Cell]) -> bool:
    return len(cells) >= 2 and _is_time_cell(cells[0].text)


def _is_time_cell(text: str) -> bool:
    found = _find_time_range(text)
    return bool(found and found.start_index == 0 and len(text) - found.end_index <= 6)


def _read_table(lines: list[str], start: int, first: int, columns: list[_Column]) -> _Table:
    roles = [column.role for column in columns]
    if "\t" in lines[start]:
        end = first
        while end < len(lines) and "\t" in lines[end]:
            end += 1
        rows = [_tab_row(lines[j], columns) for j in range(first, end)]
        return _Table(start, end, [_role_map(roles, texts) for texts in rows])
    candidates = _layout_candidates(lines, first)
    starts = _calibrated_starts(columns, [cells for _, _, cells in candidates])
    rows, end = _layout_rows(candidates, roles, starts, first)
    return _Table(start, end, [_role_map(roles, texts) for texts in rows])


def _tab_row(line: str, columns: list[_Column]) -> list[str]:
    parts = line.split("\t")
    return [_squash(parts[c.start]) if c.start < len(parts) else "" for c in columns]


def _role_map(roles: list[str], texts: list[str]) -> dict[str, str]:
    mapped: dict[str, str] = {}
    for role, text in zip(roles, texts, strict=True):
        mapped.setdefault(role, text)
    return mapped


def _layout_candidates(lines: list[str], first: int) -> list[tuple[int, bool, list[_Cell]]]:
    """Lines that may belong to a space-aligned table: (index, blank line before it, cells).

    They stop at a closing line (next meeting, contact) or, after a blank line, at a line of
    a single cell (a heading, a paragraph); ``_layout_rows`` has the last word.
    """
    found, gap = [], False
    for j in range(first, len(lines)):
        cells = _filled(_cells(lines[j]))
        if not cells:
            gap = True
            continue
        if _is_trailer(_squash(lines[j])) or (gap and len(cells) < 2):
            break
        found.append((j, gap, cells))
        gap = False
    return found


def _calibrated_starts(columns: list[_Column], rows: list[list[_Cell]]) -> list[int]:
    """Column offsets: headers are often centred over their column, so the offset most full rows
    share wins when it lies further left."""
    full = [cells for cells in rows if len(cells) == len(columns)]
    starts = []
    for k, column in enumerate(columns):
        common = Counter(cells[k].start for cells in full).most_common(1)
        starts.append(min(column.start, common[0][0]) if common else column.start)
    return starts


def _layout_rows(candidates, roles: list[str], starts: list[int], first: int):
    """Join a PDF's table lines into rows (a cell that wraps continues on the next line) up to
    the end of the table. Returns the rows and the index after the table."""
    rows: list[list[str]] = []
    end = first
    for index, after_gap, cells in candidates:
        texts = _by_column(cells, starts)
        if after_gap and _ends_table(texts, roles):
            break
        if not rows or _starts_row(texts, roles, after_gap):
            rows.append(texts)
        else:
            rows[-1] = [
                _continued(role, old, new)
                for role, old, new in zip(roles, rows[-1], texts, strict=True)
            ]
        end = index + 1
    return rows, end


_ENDS_MID_LIST = re.compile(r"(?:[,;&/]|\band)$")


def _continued(role: str, text: str, more: str) -> str:
    """A cell that wraps onto the next line goes on after a space, except in a presenter column,
    where each line names someone (as a Word cell's paragraphs do): "Jennifer Chen; Jason Lee",
    unless the line before ends mid-list ("Trang Deluca," "Sarah Warren")."""
    if not (text and more):
        return text or more
    if role == "person" and not _ENDS_MID_LIST.search(text):
        return f"{text}; {more}"
    return f"{text} {more}"


def _by_column(cells: list[_Cell], starts: list[int]) -> list[str]:
    texts = [""] * len(starts)
    for cell in cells:
        k = max((i for i, start in enumerate(starts) if start <= cell.start + 2), default=0)
        texts[k] = f"{texts[k]} {cell.text}".strip()
    return texts


def _starts_row(texts: list[str], roles: list[str], after_gap: bool) -> bool:
    if after_gap:
        return True
    if "time" in roles:
        return bool(texts[roles.index("time")])
    return bool(texts[0]) and sum(map(bool, texts)) >= 2


def _ends_table(texts: list[str], roles: list[str]) -> bool:
    """After a blank line: text below the table whose words happen to be two spaces apart."""
    if "time" in roles:
        return not _is_time_cell(texts[roles.index("time")])
    return sum(map(bool, texts)) < 2


# ------------------------------------------------------------------------------------ topics

_PEOPLE_SEPARATOR = re.compile(  # from the start of a run of spaces: linear time
    r"(?<!\s)\s*(?:[,;]|\s&\s|\sand\s|\s/\s|(?<=[^\W\d_]{2})/(?=[^\W\d_]{2}))\s*"
)


def _topics(
    rows: list[dict[str, str]], sections: list["_Section"], meeting: _TimeRange | None
) -> tuple[Topic, ...]:
    bodies = {s.topic_index: s for s in sections if s.topic_index is not None}
    return tuple(_topic(row, bodies.get(i), meeting) for i, row in enumerate(rows))


def _topic(row: dict[str, str], section: "_Section | None", meeting: _TimeRange | None) -> Topic:
    title, slot = _without_numbering(row["topic"]), _find_time_range(row.get("time", ""))
    if slot is None:
        slot, title = _leading_slot(title)
        title = _without_numbering(title)
    start, end = _fit_to_meeting(slot, meeting)
    person = row.get("person") or None
    return Topic(
        title=title,
        facilitator=person,
        facilitators=_people(person or ""),
        start_time=start,
        end_time=end,
        body_markdown=section.markdown if section else "",
        documents=section.documents if section else (),
    )


# "1. Welcome", "2) Update", "3.\tQ&A": the document's numbering, not part of the title.
_NUMBERING = re.compile(r"^\s*\d{1,2}[.)](?:\s+|$)")


def _without_numbering(title: str) -> str:
    return _NUMBERING.sub("", title, count=1) or title


def _leading_slot(title: str) -> tuple[_TimeRange | None, str]:
    """A table without a time column may still print the slot first: "10:00 - 10:05 Welcome"."""
    slot = _find_time_range(title)
    if slot and slot.start_index == 0 and title[slot.end_index :].strip(_TITLE_SEPARATORS):
        return slot, title[slot.end_index :].strip(_TITLE_SEPARATORS)
    return None, title


def _fit_to_meeting(
    slot: _TimeRange | None, meeting: _TimeRange | None
) -> tuple[dt.time | None, dt.time | None]:
    """Slots printed without a.m./p.m. ("1:00 - 1:30") fall in the meeting's half of the day."""
    if slot is None:
        return None, None
    if slot.has_meridiem or meeting is None or _within(slot.start, meeting):
        return slot.start, slot.end
    start, end = (_afternoon(t) for t in (slot.start, slot.end))
    return (start, end) if _within(start, meeting) else (slot.start, slot.end)


def _afternoon(moment: dt.time | None) -> dt.time | None:
    return moment.replace(hour=moment.hour + 12) if moment and moment.hour < 12 else moment


def _within(moment: dt.time, meeting: _TimeRange) -> bool:
    return meeting.start <= moment <= (meeting.end or meeting.start)


# Who a presenter cell may name without naming a person ("All", "Moderator", "ISO staff").
_NOT_A_PERSON = re.compile(
    r"(?i)^(?:all|everyone|open|various|none|n/?a|tb[ad]|(?:all\s+)?(?:participants|attendees"
    r"|stakeholders|members)|moderators?|facilitators?|presenters?|panel(?:ists)?|(?:iso\s+)?staff"
    r"|team)$"
)


def _people(cell: str) -> tuple[str, ...]:
    """Presenters named in one cell. "&" and "/" split only between names, so "PG&E" stays whole;
    a lone upper-case word ("CAISO", "TBD") is an affiliation or placeholder, not a person, and
    neither are "All" or "Moderator"."""
    parts = (part.strip() for part in _PEOPLE_SEPARATOR.split(cell))
    return tuple(
        p
        for p in parts
        if p and (" " in p or any(c.islower() for c in p)) and not _NOT_A_PERSON.match(p)
    )


# ---------------------------------------------------------------------------------- sections

_ANNOUNCEMENT = re.compile(r"(?i)\bannouncements?\b")


@dataclass(frozen=True)
class _Section:
    heading: str
    start: int
    end: int
    topic_index: int | None
    body: list[str]
    markdown: str
    documents: tuple[Document, ...]


def _find_sections(
    lines: list[str], begin: int, end: int, titles: list[str], trailer: list[int]
) -> list["_Section"]:
    """Detail sections after the agenda table: headed by a topic's title or an announcement.
    Each runs to the next section, to a closing line (next meeting, contact) or to the footer."""
    heads, taken, closing = [], set(), set(trailer)
    title_keys = [_title_key(title) for title in titles]
    for i in range(begin, end):
        text = _squash(lines[i])
        if i in closing or not _may_be_heading(lines[i], text):
            continue
        key = _title_key(text)
        topic = next(
            (k for k, t in enumerate(title_keys) if k not in taken and _same_topic(key, t)), None
        )
        if topic is not None or _ANNOUNCEMENT.search(text):
            taken.add(topic)  # None for a plain announcement: never a topic index
            heads.append((i, text, topic))
    stops = sorted({i for i, _, _ in heads} | closing | {end})
    sections = []
    for i, text, topic in heads:
        stop = stops[bisect.bisect_right(stops, i)]
        markdown, documents = _body(lines[i + 1 : stop])
        sections.append(_Section(text, i, stop, topic, lines[i + 1 : stop], markdown, documents))
    return sections


def _may_be_heading(line: str, text: str) -> bool:
    return (
        0 < len(text) <= 100
        and "\t" not in line
        and not _BULLET.match(line)
        and not text.endswith((".", ",", ";"))
    )


def _title_key(text: str) -> list[str]:
    words = re.sub(r"\W+", " ", text.casefold()).split()
    return words[1:] if words and words[0].isdigit() else words


def _same_topic(a: list[str], b: list[str]) -> bool:
    """Whether two title keys name one topic: a detail heading may shorten or reorder its
    topic's title ("DRRS – Acceptable Use Policy" for "DRRS – Acceptable Use Policy Changes")."""
    if len(a) < 2 or len(b) < 2:
        return bool(a) and a == b
    shorter, longer = sorted((a, b), key=len)
    if longer[: len(shorter)] == shorter:
        return True
    return len(set(a) & set(b)) / len(set(a) | set(b)) >= 0.75


def _announcement(section: _Section, titles: list[str], reference: dt.date | None) -> Announcement:
    return Announcement(
        title=section.heading,
        body_markdown=section.markdown,
        topic_title=None if section.topic_index is None else titles[section.topic_index],
        documents=section.documents,
        related_meeting=_related_meeting(section.body, reference),
    )


_RELATED = re.compile(
    r"(?i)\b(?:agenda\s+for|meeting\s+on|call\s+on|session\s+on|held\s+on|scheduled\s+for)\b"
)


def _related_meeting(body: list[str], reference: dt.date | None) -> RelatedMeeting | None:
    """A later meeting whose agenda a section carries, from a line such as "Agenda for meeting
    on November 1st 2018 2:00pm" and the items under it."""
    for i, line in enumerate(body):
        text = _squash(line)
        hit = _find_date(text) if _RELATED.search(text) and not _BULLET.match(line) else None
        if hit:
            time = _find_time_range(f"{text[: hit.start]} {text[hit.end :]}")
            return RelatedMeeting(
                date=_date_on_or_after(hit, reference),
                start_time=time.start if time else None,
                timezone=_find_timezone(text),
                topics=_sub_topics(body[i + 1 :]),
            )
    return None


def _sub_topics(lines: list[str]) -> tuple[Topic, ...]:
    """Plain lines are item titles; the bullets (and their indented lines) under one, its body."""
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        text = _squash(line)
        if not text:
            continue
        if items and (_BULLET.match(line) or (_indent(line) and items[-1][1])):
            items[-1][1].append(line)
        elif not _BULLET.match(line):
            items.append((text, []))
    topics = []
    for title, body in items:
        markdown, documents = _body(body)
        topics.append(Topic(title, None, body_markdown=markdown, documents=documents))
    return tuple(topics)


# ----------------------------------------------------------------------- bodies as Markdown

_BULLET = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-–*•◦▪‣○·●■►➢\uf0a7\uf0b7\uf0d8]|o(?=[ \t])|[0-9]{1,2}[.)]"
    r"|[a-z][.)])[ \t]+(?P<text>\S.*)$"
)
_ENDS_SENTENCE = re.compile(r"[.:;!?\"”’)]$")
_NEST = "    "  # Python-Markdown nests lists by four spaces (CommonMark accepts it too)
_URL = re.compile(r"(?<![\w.@/])(?:https?://|www\.)[^\s<>\"]+", re.I)
_DOC_EXTENSION = r"\.(?:pdf|docx?|xlsx?|pptx?|csv|zip|html?|aspx|txt)"
# A file name (maybe with spaces) ending the link, or one path token holding one of "/_%=-"
# and not ending with punctuation. Possessive runs (no backtracking into a token) keep it
# linear: the earlier "[^\s]*[/_%=-][^\s]*[^.,;:!?]" took 30 s on a 62 KB line of slashes.
_URL_TAIL = re.compile(
    rf"(?i)(?<![^\s<>\"])(?:[^\s<>\"]++ ){{0,3}}[^\s<>\"]+{_DOC_EXTENSION}"
    r"|(?<![^\s<>\"])[^\s<>\"/_%=-]*+[/_%=-][^\s<>\"]++(?<![.,;:!?])"
)
_ENDS_WITH_DOCUMENT = re.compile(rf"(?i){_DOC_EXTENSION}$")


def _body(lines: list[str]) -> tuple[str, tuple[Document, ...]]:
    lines = _rejoin_wrapped_urls(lines)
    return _markdown(lines), _documents(lines)


def _rejoin_wrapped_urls(lines: list[str]) -> list[str]:
    """A long link wrapped by the author's editor goes on, on the next line, to its document;
    spaces inside the rejoined part are the file name's own, so they are percent-encoded."""
    joined: list[str] = []
    for line in lines:
        url = _trailing_url(joined[-1]) if joined else None
        tail = line.strip()
        complete = not url or _ENDS_WITH_DOCUMENT.search(url) or _BULLET.match(line)
        if not complete and _URL_TAIL.fullmatch(tail):
            joined[-1] = joined[-1].rstrip() + tail.replace(" ", "%20")
        else:
            joined.append(line)
    return joined


def _trailing_url(line: str) -> str | None:
    matches = list(_URL.finditer(line.rstrip()))
    if matches and matches[-1].end() == len(line.rstrip()):
        return matches[-1].group()
    return None


def _markdown(lines: list[str]) -> str:
    """Bullets become "- " items nested by their indentation, other lines paragraphs; text is
    kept verbatim. A line that wraps (the one before ends mid-sentence) is joined to it; an
    indented line under an item that ended its sentence (a quoted error message) is an item."""
    out: list[str] = []
    indents: list[int] = []
    block, adjacent = None, False
    for line in lines:
        text = _squash(line)
        if not text:
            adjacent = False
            continue
        bullet, indent = _BULLET.match(line), _indent(line)
        wraps = adjacent and not _ENDS_SENTENCE.search(out[-1])
        if bullet:
            item = f"{_marker(bullet['marker'])} {_squash(bullet['text'])}"
        elif block == "item" and adjacent and indent > indents[-1]:
            if wraps and not text.startswith(('"', "“")):
                out[-1] = f"{out[-1]} {text}"
                continue
            item = f"- {text}"
        elif block == "text" and wraps and text[0].islower():
            out[-1] = f"{out[-1]} {text}"
            continue
        else:
            indents.clear()
            out.extend(["", text] if out else [text])
            block, adjacent = "text", True
            continue
        if block == "text":
            out.append("")
        out.append(_NEST * _nesting_level(indents, indent) + item)
        block, adjacent = "item", True
    return "\n".join(out)


def _marker(marker: str) -> str:
    return f"{marker[:-1]}." if marker[0].isdigit() else "-"


def _nesting_level(indents: list[int], indent: int) -> int:
    while indents and indents[-1] > indent:
        indents.pop()
    if indents and indents[-1] == indent:
        indents.pop()
    indents.append(indent)
    return len(indents) - 1


_PAGE = re.compile(r"(?i)\bpages?\s+([0-9]+(?:\s*[-–]\s*[0-9]+)?)")
_LEAD_IN = re.compile(
    r"(?i)^(?:please\s+)?(?:refer\s+to|see|review|visit|read|available\s+at|found\s+at)\s+"
    r"(?:the\s+)?"
)
_PAGE_OF = re.compile(r"(?i)^(?:pages?|pg\.?|p\.)\s*[0-9]+(?:\s*[-–]\s*[0-9]+)?\s+(?:of|in)\s+")
_DOCUMENT_TAIL = re.compile(r"(?i)(?<!\s)\s+(?:at|here|on|in)$")  # from a run's start
_DOCUMENT_TRIM = " :–-,(["


def _documents(lines: list[str]) -> tuple[Document, ...]:
    """Every link in a body, with the words before it as title and a "Page 11" reference."""
    documents: dict[str, Document] = {}
    for line in lines:
        bullet = _BULLET.match(line)
        text = bullet["text"] if bullet else line
        for match in _URL.finditer(text):
            url = match.group().rstrip(".,;:)]")
            before = _squash(text[: match.start()])
            page = _PAGE.search(before)
            title = _document_title(before) or _file_name(url)
            documents.setdefault(url, Document(title, url, page.group(1) if page else None))
    return tuple(documents.values())


def _document_title(before: str) -> str:
    clause = re.split(r"(?<=[.!?])\s+", before)[-1]
    clause = _PAGE_OF.sub("", _LEAD_IN.sub("", clause.strip(_DOCUMENT_TRIM)))
    return _DOCUMENT_TAIL.sub("", clause.strip(_DOCUMENT_TRIM)).strip(_DOCUMENT_TRIM)


def _file_name(url: str) -> str:
    path = re.split(r"[?#]", url.split("://", 1)[-1])[0]
    name = unquote(path.rstrip("/").rpartition("/")[2]) if "/" in path else ""
    return name.rpartition(".")[0] or name or url


# ------------------------------------------------------------------------- conference access

# Whole labels (\A: searched, they would retry from every word).
_LABEL_KINDS = (
    (
        "meeting_number",
        re.compile(
            r"(?i)\A(?:meeting|event|webinar|session|webex|zoom)\s*(?:number|num|no|id|#)\.?"
        ),
    ),
    (
        "url",
        re.compile(
            r"(?i)\A(?:(?:web|webinar|webex|meeting|event|join|joining|online|conference|zoom"
            r"|teams)\s+)*(?:url|link|(?:web\s*)?address|web\s*page)"
        ),
    ),
    (
        "access_code",
        re.compile(
            r"(?i)\A(?:(?:meeting|event|webinar|attendee|participant|conference|audio|call|phone)\s+)*"
            r"(?:access\s*code|pass\s*code|code|id|pin|password)"
        ),
    ),
    (
        "phone",
        re.compile(
            r"(?i)\A.{0,40}?\b(?:call|dial|phone|toll|tele\w*|bridge|audio|domestic|international"
            r"|local|u\.?s\.?|canada|number)\b.{0,40}"
        ),
    ),
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?[0-9]{1,3}[\s.-]?)?(?:\([0-9]{3}\)|[0-9]{3})[\s.-]?[0-9]{3}[\s.-]?[0-9]{4}"
    r"(?![0-9])"
)
_NUMBER_FIRST = re.compile(
    rf"(?P<number>{_PHONE.pattern})[\s,:–-]*\(?(?P<label>[A-Za-z][\w /.&-]{{0,40}}?)\)?"
)
_CONFERENCE_HOST = re.compile(
    r"(?i)webex|zoom\.us|teams\.microsoft|gotomeeting|gotowebinar|bluejeans|meet\.google"
)
_GROUP_HEADINGS = (
    (
        "phone",
        re.compile(
            r"(?i)\b(?:conference\s+call|teleconference|telephone|dial[\s-]*in|audio|phone"
            r"|call[\s-]*in)\b"
        ),
    ),
    ("web", re.compile(r"(?i)\b(?:web\w*|online|video|zoom|teams)\b")),
)
_TYPED_GROUP = {"url": "web", "meeting_number": "web", "phone": "phone"}


@dataclass(frozen=True)
class _Pair:
    kind: str
    label: str
    value: str
    start: int
    slot: int  # the pair's place in its row: the column of a side-by-side table


def _conference(
    lines: list[str], claimed: set[int]
) -> tuple[WebConference | None, tuple[DialIn, ...]]:
    """Web conference and dial-ins from "Label | value" cells or "Label: value" lines.

    An access code belongs to what its column last listed (a link or a phone number), else to
    the column's heading ("Web Conference Information" | "Conference Call Information"), else
    to what was listed last. Columns are found under the headings' positions, or else by the
    pair's place in its row.
    """
    headings: list[tuple[int, str]] = []
    listed: dict[int, str] = {}  # column -> group of the link or number it last listed
    last: str | None = None
    grouped: list[tuple[_Pair, str | None]] = []
    for i, line in enumerate(lines):
        if i in claimed:
            continue
        cells = _filled(_cells(line))
        pairs = _row_pairs(cells, _squash(lines[i + 1]) if i + 1 < len(lines) else "")
        if not pairs and (found := _group_headings(cells)):
            headings, listed = found, {}
        for pair in pairs:
            column = _heading_index(headings, pair.start) if headings else pair.slot
            group = _TYPED_GROUP.get(pair.kind)
            if group:
                listed[column] = last = group
            else:
                group = listed.get(column) or (headings[column][1] if headings else None) or last
            grouped.append((pair, group))
    return _web_conference(grouped, lines, claimed), _dial_ins(grouped)


_NEXT_LABEL = re.compile(r"[,;|]\s+(?=[A-Za-z][\w ()-]{0,30}:\s)")


def _row_pairs(cells: list[_Cell], next_line: str) -> list[_Pair]:
    """Label/value pairs of one line: "Label: value" in a cell (several may share one, as in
    "Call-in: (866) 528-2256, Access code: 389 588 9"), or a label cell and the cell after it;
    a lone "Label:" line takes its value from the next line."""
    cells = [_Cell(part, c.start) for c in cells for part in _NEXT_LABEL.split(c.text)]
    pairs: list[_Pair] = []
    i = 0
    while i < len(cells):
        readings = _pair_candidates(cells, i, next_line)
        found = next(((r, kind) for r in readings if (kind := _label_kind(r[0], r[1]))), None)
        if found is None:
            i += 1
            continue
        (label, value, used), kind = found
        pairs.append(_Pair(kind, _clean_label(label), value.strip(), cells[i].start, len(pairs)))
        i += used
    return pairs


def _pair_candidates(cells: list[_Cell], i: int, next_line: str) -> list[tuple[str, str, int]]:
    """(label, value, cells used) readings of the cell at ``i``, the likeliest first."""
    text = cells[i].text
    label, colon, rest = text.partition(":")
    candidates = [(label, rest, 1)] if colon and rest.strip() else []
    number_first = _NUMBER_FIRST.fullmatch(text)
    if number_first:  # "1-844-517-1271 US Toll Free", as conferencing services print them
        candidates.append((number_first["label"], number_first["number"], 1))
    if i + 1 < len(cells):
        candidates.append((text, cells[i + 1].text, 2))
    elif len(cells) == 1 and text.endswith(":"):
        candidates.append((text, next_line, 1))
    return candidates


def _clean_label(label: str) -> str:
    return label.strip().rstrip(":#").strip()


# Innermost parentheses, from the start of a run of spaces: "[^)]*" from each "(" of a run of
# them would rescan it (quadratic).
_PARENTHETICAL = re.compile(r"(?<!\s)\s*\([^()]*\)")


def _label_kind(label: str, value: str) -> str | None:
    """What a label names; an aside in parentheses ("Meeting number (access code)") aside."""
    label = _clean_label(label)
    if not label or not value.strip() or len(label) > 60 or _URL.search(label):
        return None
    plain = _PARENTHETICAL.sub("", label).strip()
    for kind, pattern in _LABEL_KINDS:
        if (pattern.fullmatch(label) or pattern.fullmatch(plain)) and _fits(kind, value):
            return kind
    return None


def _fits(kind: str, value: str) -> bool:
    if kind == "url":
        return _first_url(value) is not None
    if kind == "phone":
        return bool(_PHONE.search(value))
    return len(value) <= 40 and any(c.isdigit() for c in value)


def _first_url(text: str) -> str | None:
    match = _URL.search(text)
    return match.group().rstrip(".,;:)]") if match else None


def _group_headings(cells: list[_Cell]) -> list[tuple[int, str]]:
    groups = [(cell.start, g) for cell in cells if (g := _group_of_heading(cell.text))]
    return groups if groups and len(groups) == len(cells) else []


def _group_of_heading(text: str) -> str | None:
    if len(text.split()) > 6 or _URL.search(text) or any(c.isdigit() for c in text):
        return None
    return next((group for group, p in _GROUP_HEADINGS if p.search(text)), None)


def _heading_index(headings: list[tuple[int, str]], start: int) -> int:
    """The heading over a cell: the last one starting at or before it."""
    return max(
        (k for k, (heading_start, _) in enumerate(headings) if heading_start <= start), default=0
    )


def _web_conference(grouped, lines: list[str], claimed: set[int]) -> WebConference | None:
    url = next((_first_url(p.value) for p, _ in grouped if p.kind == "url"), None)
    url = url or _conference_link(lines, claimed)
    number = next((p.value for p, _ in grouped if p.kind == "meeting_number"), None)
    code = _first_code(grouped, "web")
    return WebConference(url, number, code) if url or number else None


def _first_code(grouped, group: str) -> str | None:
    """The first access code under ``group``, else one printed before any link or number,
    which serves the whole meeting."""
    codes = [(p.value, g) for p, g in grouped if p.kind == "access_code"]
    return next((v for v, g in codes if g == group), None) or next(
        (v for v, g in codes if g is None), None
    )


def _conference_link(lines: list[str], claimed: set[int]) -> str | None:
    """An unlabelled link to a known conferencing service ("Join: https://x.webex.com/...")."""
    for i, line in enumerate(lines):
        url = _first_url(line) if i not in claimed else None
        if url and _CONFERENCE_HOST.search(url):
            return url
    return None


def _dial_ins(grouped) -> tuple[DialIn, ...]:
    """Each number takes the phone access code printed after it (one code may follow several
    numbers), else the first phone code, else a code shared by the whole meeting."""
    dial_ins: list[DialIn] = []
    waiting: list[int] = []
    for pair, group in grouped:
        if pair.kind == "phone":
            for number in _PHONE.finditer(pair.value):
                waiting.append(len(dial_ins))
                dial_ins.append(DialIn(pair.label, number.group(), None))
        elif pair.kind == "access_code" and group == "phone":
            for k in waiting:
                dial_ins[k] = replace(dial_ins[k], access_code=pair.value)
            waiting = []
    fallback = _first_code(grouped, "phone")
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for dial_in in dial_ins:
        if (dial_in.label, dial_in.number) not in seen:
            seen.add((dial_in.label, dial_in.number))
            unique.append(replace(dial_in, access_code=dial_in.access_code or fallback))
    return tuple(unique)
