"""The heading: the meeting's title, and its date, times and zone near the top."""

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from .dates_times import (
    _ANY_YEAR,
    _WEEKDAYS,
    _all_clocks,
    _all_dates,
    _clock_habit,
    _find_date,
    _find_time_range,
    _find_timezone,
    _make_date,
    _meridiem_elsewhere,
    _on_clock,
    _TimeRange,
)
from .record import Reading
from .text import _squash
from .trailer import _DISCLAIMER

# --------------------------------------------------------------------- title, date, time line

_AGENDA_ONLY = re.compile(  # whole lines (\A: searched, it would retry from every word)
    r"(?i)\A(?:(?:(?:meeting|draft|final|revised)\s+)*agenda|draft|final|revised)"
)
_LABEL_LINE = re.compile(r"^[A-Za-z][\w /()&-]{0,30}:\s")
_DATE_LABEL = re.compile(r"(?i)(?:date|when|time|day|meeting\s+date)\s*[:|]?")
# The name keeps the spaces before "(": a lazy name followed by \s* would rescan a run of
# spaces from each of its characters (quadratic); the caller strips them.
_ACRONYM = re.compile(r"^(?P<name>.+?)\((?P<acronym>[A-Z][A-Z0-9&-]{1,9})\)")
# Linear time: a match starts only where a run of separators starts (not inside it).
_TRAILING_AGENDA = re.compile(r"(?i)(?<![\s:–-])[\s:–-]+(?:meeting\s+)?agenda$")
_TITLE_SEPARATORS = " -–—|,:"
_TITLE_AGENDA = re.compile(r"(?i)(?<![\s:–-])[\s:–-]+agenda$")


# Lines a web page or a document viewer adds above the agenda: navigation, viewer chrome,
# page counts, a lone "<<" (read as junk, never as the title).
_SCRAPE_JUNK = re.compile(
    r"(?i)\A(?:[-+|<>•*#]|skip\s+to|home\b|size:|start\s+display|download|upload|view\b"
    r"|share\b|embed|transcript|category|citation|post\s+on|see\s+meeting\s+notes"
    r"|slide|page\s+\d|\d+\Z|document\s+sample|presentation\s+is\s+loading|government\Z"
    r"|index\Z|iso\s+public\b|.*\S\s>\s\S|[A-Z]+(?:\s\|\s[A-Z]+)+\Z)"
)
# A headline or a sentence is no meeting's name ("PUC To Conduct March 26 Meeting").
_SENTENCE = re.compile(
    r"(?i)\b(?:hosts|holds|schedules|announces|invites|bars|will|to\s+conduct|has\s+been|is|are|was)\b"
)
_TITLE_LEAD = re.compile(
    r"(?i)\A(?:[A-Z]+\s+)?(?:(?:conference\s+call|meeting|draft)\s+)?agenda[.:]?\s+"
)
_TITLE_TAIL = re.compile(r"(?i)(?<!\s)(?:\s*(?:…|\.\.\.)\s*\d*|\s+\d{1,3}|\s*\|\s*\S*|\s+on|\.)\Z")


def _find_title(lines: list[str], end: int) -> tuple[str | None, int]:
    """The program line(s) at the top, as printed: up to three lines before the first date, time,
    label or sentence (a long title wraps onto a second line), scrape chrome and headlines
    skipped. Returns the title and the index of the first line after it."""
    if memo := _memo_subject(lines, end):
        return memo
    found: list[str] = []
    for i in range(end):
        text = _squash(lines[i])
        if _is_chrome(text):
            continue
        if not text or _AGENDA_ONLY.fullmatch(text):
            continue
        position = _date_or_time_at(text)
        if position is not None and text[:position].count("(") > text[:position].count(")"):
            position = (
                _date_or_time_at(text[text.index(")", position) :])
                if ")" in text[position:]
                else None
            )
        if position is not None and not found:
            before = text[:position]
            if _DATE_LABEL.fullmatch(before.strip()) or _SENTENCE.search(before):
                before = ""  # "Date:", "The workshop will be held on": no name
            name = _clean_title(before)
            if len(name.split()) > _NAME_WORDS and _BREAK.search(before):
                # an admonition's sentences run into the name before the date
                name = _name_before(before) or ""
            found.append(name or _after_date(text))
        if position is not None or "\t" in lines[i] or _ends_title_block(text, found):
            return _title_of(found), i
        if _clean_title(text) not in found:
            found.append(_clean_title(text))
    return _title_of(found), end


# A memo's head ("TO: Members ... RE: Supplemental Notice of October 2, 2015 NEPOOL Participants
# Committee Meeting"): its subject names the meeting; a letterhead above it does not.
_MEMO_TO = re.compile(r"(?i)\A(?:to|from)\s*:")
_MEMO_SUBJECT = re.compile(r"(?i)\A(?:re|subject)\s*:\s*(?P<subject>.+)")
_NOTICE_OF = re.compile(
    r"(?i)\A(?:(?:supplemental|revised|amended|special|final)\s+)*(?:notice|agenda)\s+(?:of|for)\s+"
)
_MEMO_LINES = 30


def _memo_subject(lines: list[str], end: int) -> tuple[str, int] | None:
    """The subject of a memo (a "TO:" or "FROM:" line above it) when it names a meeting, without
    "Notice of" and the date before the name."""
    addressed = False
    for i in range(min(end, _MEMO_LINES)):
        text = _squash(lines[i])
        addressed = addressed or bool(_MEMO_TO.match(text))
        subject = _MEMO_SUBJECT.match(text) if addressed else None
        if subject is None:
            continue
        name = _NOTICE_OF.sub("", subject["subject"])
        date = _find_date(name)
        if date and date.start == 0:
            name = name[date.end :]
        name = _clean_title(name)
        return (name, i + 1) if _MEETING_NAME.search(name) else None
    return None


def _title_by_date(lines: list[str], date: dt.date | None) -> str | None:
    """When no title heads the page (a viewer's slug, a roster or an admonition comes first),
    the meeting's name printed just before its date: "Board of Directors Meeting Agenda ...
    September 11, 2020", "... restrain competition. BOARD OF DIRECTORS MEETING December 9"."""
    if date is None:
        return None
    for line in lines:
        text = _squash(line)
        for hit in _all_dates(text):
            same_day = (hit.month, hit.day) == (date.month, date.day)
            if not same_day or hit.year not in (None, date.year):
                continue
            if name := _name_before(text[: hit.start]):
                return name
    return None


_AGENDA_WORD = re.compile(r"(?i)\bagenda\b")
_BREAK = re.compile(r"(?:[.?!]\s+(?=[A-Z])|\s[·|•]\s|:\s)")
_NAME_WORDS = 10


def _name_before(text: str) -> str | None:
    """The meeting's name in the text before its date: around the word "Agenda" ("X Meeting
    Agenda", "Agenda X"), else the words after the last sentence break, else a closing run of
    capitals ("New Jersey JOINT AC/OC/MIC MEETING")."""
    pieces = _AGENDA_WORD.split(text)
    segments = [pieces[-2], pieces[-1]] if len(pieces) > 1 else [text]
    for segment in segments:
        last = _BREAK.split(segment)[-1].strip(" ,;:–-|•*")
        words = last.split()
        if 2 <= len(words) <= _NAME_WORDS and not _find_time_range(last):
            candidate = last
        else:
            run = []
            for word in reversed(segment.split()):
                if any(c.islower() for c in word) or not any(c.isalpha() or c == "#" for c in word):
                    break
                run.insert(0, word)
            candidate = " ".join(run)
        name = _clean_title(candidate) if len(candidate.split()) >= 2 else ""
        place_or_sentence = _ADDRESS.search(name) or _SENTENCE.search(name)
        if name and _MEETING_NAME.search(name) and not place_or_sentence:
            return name
    return None


# A street address ("7620 Metro Center Drive", "805 S.W. Broadway, Suite 500") or a
# "City, ST 97205" line: where the meeting is, not what it is called.
_ADDRESS = re.compile(
    r"(?i)\A\d{1,6}\s+(?:[\w.]+\s+){0,5}(?:street|st|avenue|ave|road|rd|drive|dr|boulevard"
    r"|blvd|lane|ln|way|parkway|pkwy|place|pl|court|ct|broadway|highway|hwy|suite)\b"
    r"|\A[A-Z][\w .]*,\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\Z"
)
# Words that name a meeting; a block of lines with an address and none of these is a place.
_MEETING_NAME = re.compile(
    r"(?i)\b(?:meeting|committee|subcommittee|council|board|group|forum|call|workshop|session"
    r"|conference|webinar|hearing|summit|task\s+force|stakeholder)\b"
)


def _title_of(found: list[str]) -> str | None:
    """The title block's lines joined; a block holding an address is a location ("ERCOT
    Austin Office / 7620 Metro Center Drive / Austin, Texas"): only the lines above the
    address that name a meeting stay (blank is right when nothing names it)."""
    parts = [part for part in found if part]
    where = next((k for k, part in enumerate(parts) if _ADDRESS.search(part)), None)
    if where is not None:
        parts = [part for part in parts[:where] if _MEETING_NAME.search(part)]
    return " ".join(parts) or None


def _is_chrome(text: str) -> bool:
    if not text:
        return False
    letters = [c for c in text if c.isalpha()]
    lowercase_slug = bool(letters) and text == text.lower() and len(text.split()) > 1
    position = _date_or_time_at(text)
    headline = bool(_SENTENCE.search(text[:position] if position is not None else text))
    banner = not _squash(_LETTER_SPACED.sub(" ", text)).strip("•·*-– ")
    junk = bool(_SCRAPE_JUNK.match(text)) or len(letters) < 2
    return junk or lowercase_slug or headline or banner


# "B O N N E V I L L E P O W E R": a letter-spaced banner (a logo's text), not the name; it
# starts only where a run of letters and spaces starts (linear time).
_LETTER_SPACED = re.compile(r"(?<![A-Z] )\b(?:[A-Z] ){4,}[A-Z]\b")


def _clean_title(text: str) -> str:
    """ "RELIABILITY | SECURITY Agenda Standards Committee Meeting |" -> the meeting's name."""
    text = _squash(_LETTER_SPACED.sub(" ", text))
    text = text.rpartition(" | ")[2] if text.count(" | ") >= 2 else text
    text = _TITLE_LEAD.sub("", text.strip(_TITLE_SEPARATORS))
    for _ in range(3):
        text = _TITLE_TAIL.sub("", text).strip(_TITLE_SEPARATORS)
    return _TITLE_AGENDA.sub("", text) or text  # "EDWG Meeting Agenda": the meeting's name


def _after_date(text: str) -> str:
    """ "October 21, 2020 Annual Board Meeting": the name after a date that opens the line."""
    date = _find_date(text)
    rest = text[date.end :] if date and date.start == 0 else ""
    return "" if _date_or_time_at(rest) is not None else _clean_title(rest)


def _date_or_time_at(text: str) -> int | None:
    date, time = _find_date(text), _find_time_range(text)
    return min(
        (p for p in (date and date.start, time and time.start_index) if p is not None), default=None
    )


# "Midwest ISO Offices", "Hilton Quebec", "Room 206A": where the meeting is, under its name.
_PLACE = re.compile(
    r"(?i)\b(?:offices?|hotel|inn|room|building|headquarters|campus|auditorium|ballroom|suites?)\b"
)


_CITY_STATE = re.compile(r"[A-Za-z],\s?[A-Z]{2}\Z")  # "... Harbor Hotel – Bayport, ME"


def _ends_title_block(text: str, found: list[str]) -> bool:
    """A fourth line, a sentence, a "Label: value" line, the disclaimer or, under the title,
    a heading such as "TUG Agenda"."""
    return (
        len(found) == 3
        or bool(found and _PLACE.search(text) and not _MEETING_NAME.search(text))
        or bool(found and _PLACE.search(text) and _CITY_STATE.search(text))
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
    time: _TimeRange | None  # the meeting's range when its start is known
    start: dt.time | None
    end: dt.time | None
    timezone: str | None
    warnings: tuple[str, ...]


# Words before a date that make it the meeting's ("Date:", "meeting on", "When:"), or another
# day's ("dated", "posted", "by", "approve ... minutes of").
_MEETING_WORDS = re.compile(
    r"(?i)\b(?:date|when|meeting|meets|held|scheduled|session|call|conference|workshop|webinar"
    r"|hearing|will\s+be|on|tomorrow|today)\b\W*$"
)
_OTHER_DAY_WORDS = re.compile(
    r"(?i)\b(?:dated|posted|post\s+on|filed|issued|by|before|effective|upload\w*|approved?"
    r"|minutes\s+(?:of|from)|through|until|updated|revised|released|due(?:\s+date)?|deadline"
    r"|next\s+(?:meeting|call)s?)\b\W*$"
)
_TIME_LABEL = re.compile(r"(?i)\b(?:time|when|hours)\s*:")
_CLOCK_WORDS = r"\d{1,2}(?::\d\d)?\s?[ap]\.?\s?m\.?"
_COMMENCE = re.compile(
    rf"(?i)\b(?:commence|begin|start|convene)s?\s+at\s+(?P<start>{_CLOCK_WORDS})\s+and\s+"
    rf"(?:conclude|end|adjourn|finish)(?:s)?\s+(?:at|by)\s+(?P<end>{_CLOCK_WORDS})"
)
# A range whose start was cut off (":00 a.m. 3:00 p.m.") or a time that only ends one ("to 5
# p.m."): what follows is an end time, the start unknown.
_ENDS_ONLY = re.compile(r"(?i)(?:\bto|\buntil|\btill|[–—―-]|:\d\d\s?[ap]\.?\s?m\.?)\s*$")
_WINDOW = 150  # characters after a date in which its time is looked for
_LISTING_MIN = 3  # lines of the same date-and-time shape: a list of files or meetings


def _read_heading(lines: list[str], end: int, claimed: set[int], title: str | None) -> _Heading:
    """Date, time and time zone of the meeting, from the lines above the agenda table.

    Every date is a candidate, weighed by its evidence (a time right after it, a label or
    "meeting ... on" before it, a weekday, a place near the top) against other days' marks
    ("dated", "posted", a list of file dates); the time is the one right after the chosen date
    or on a "Time:" line, and the zone the one written with that time. Below CONFIDENT a field
    is left empty and named in the warnings."""
    texts = [_squash(lines[i]) for i in range(end) if i not in claimed]
    texts = [t for t in texts if t]
    listing = _listing_lines(texts)
    joined = "\n".join(t if k not in listing else "" for k, t in enumerate(texts))
    warnings: list[str] = []
    date_reading, at = _meeting_date(joined, title)
    date = date_reading.kept
    if date is None:
        warnings.append(_no_date_warning(joined, date_reading))
    else:
        warnings.extend(_weekday_warning(joined, at, date))
    time, start, end_time, zone, why = _meeting_time(joined, at if date else None)
    if start is None:
        warnings.append(f"start time not found: {why}" if why else "no meeting time found")
    if zone is None:
        warnings.append("no time zone found")
    return _Heading(date, time, start, end_time, zone, tuple(warnings))


def _no_date_warning(text: str, reading: Reading) -> str:
    if reading.value is not None:
        return f"date not sure ({reading.evidence}): check the meeting's date"
    yearless = next((hit for hit in _all_dates(text) if not hit.year), None)
    if yearless:
        line = next(
            line for line in text.split("\n") if text[yearless.start : yearless.end] in line
        )
        return f"the date {line!r} has no year"
    return "no date found"


def _weekday_warning(text: str, at: int, date: dt.date) -> list[str]:
    hit = next((h for h in _all_dates(text) if h.end == at), None)
    if hit and hit.weekday and hit.weekday != _WEEKDAYS[date.weekday()]:
        return [f"the weekday printed does not match {date.isoformat()}"]
    return []


def _listing_lines(texts: list[str]) -> set[int]:
    """Lines that list dated things (files, other meetings) in one repeated shape."""
    shapes: dict[str, list[int]] = {}
    for k, text in enumerate(texts):
        if (_find_date(text) and text[:1] in "-•*·|") or re.match(r"^\d{8}\b", text):
            shape = re.sub(r"[A-Za-z]+", "a", re.sub(r"\d", "9", text))[:12]
            shapes.setdefault(shape, []).append(k)
    return {k for found in shapes.values() if len(found) >= _LISTING_MIN for k in found}


def _meeting_date(text: str, title: str | None) -> tuple[Reading, int]:
    """The meeting's date and where it is written in ``text``."""
    hits = _all_dates(text)
    if not hits:
        return Reading(None, 0.0, "no date"), 0
    counts: dict[tuple[int, int], int] = {}
    for hit in hits:
        counts[(hit.month, hit.day)] = counts.get((hit.month, hit.day), 0) + 1
    top = text[: min(300, sum(len(line) + 1 for line in text.split("\n")[:5]))]
    best: tuple[float, int, dt.date | None, str] = (-1.0, 0, None, "")
    for hit in hits:
        line_start = text.rfind("\n", 0, hit.start) + 1
        year = (
            hit.year
            or _year_near(hits, hit.start)
            or _year_in(text[line_start : hit.start])
            or _year_in(title or "")
        )
        date = _make_date(year, hit.month, hit.day)
        if date is None:
            continue
        before = text[max(0, hit.start - 40) : hit.start]
        confidence, why = 0.3, ["a date"]
        if (after := _time_after(text, hit.end)) is not None:
            confidence, why = confidence + 0.4, [*why, "a time follows"]
            if after.end is not None:  # a whole range: the heading, not a viewer's cut slug
                confidence += 0.05
            social = _SOCIAL.match(text, hit.end + after.end_index)
            if social:  # "May 10 5:30 to 7 p.m. – Reception": not the meeting's day and hour
                confidence, why = confidence - 0.6, [*why, "a reception's time"]
        other_day = _OTHER_DAY_WORDS.search(before)
        if _MEETING_WORDS.search(before) and not other_day:  # "Due date:" is no meeting's
            confidence, why = confidence + 0.3, [*why, "meeting words before"]
        if other_day:
            confidence, why = confidence - 0.4, [*why, "another day's words before"]
        if hit.weekday:
            confidence, why = confidence + 0.1, [*why, "a weekday"]
        if hit.start < len(top):
            confidence, why = confidence + 0.2, [*why, "near the top"]
        if counts[(hit.month, hit.day)] > 1:
            confidence, why = confidence + 0.1, [*why, "repeated"]
        if not hit.year:
            confidence, why = confidence - 0.1, [*why, "year from nearby"]
        if confidence > best[0]:
            best = (confidence, hit.end, date, ", ".join(why))
    confidence, at, date, why = best
    return Reading(date, confidence, why), at


_SOCIAL = re.compile(
    r"(?i)(?<!\s)(?:\s*[–—-])?\s*(?:(?:continental|networking)\s+)?(?:reception|breakfast|lunch|dinner"
    r"|registration|social|coffee)\b"
)


def _year_near(hits: list, position: int) -> int | None:
    """The year of a date printed without one: that of the nearest full date before it, else
    after it (a bare "2018" elsewhere is no evidence: "end-2018" is a deadline)."""
    years = [(hit.start, hit.year) for hit in hits if hit.year]
    before = [year for start, year in years if start < position]
    after = [year for start, year in years if start > position]
    return before[-1] if before else (after[0] if after else None)


def _time_after(text: str, position: int) -> _TimeRange | None:
    """The time written within _WINDOW characters after ``position``, before any other date."""
    window = text[position : position + _WINDOW]
    other = _all_dates(window)
    if other:
        window = window[: other[0].start]
    found = _find_time_range(window)
    return found


def _meeting_time(text: str, at: int | None):
    """(range, start, end, zone) of the meeting: the time after its date, else on a "Time:"
    line; a time without a.m./p.m. only where the document's own clock settles it."""
    offset, found = None, None
    if at is not None:
        window_start = at
        found = _time_after(text, at)
        offset = window_start if found else None
    if at is not None and (before := _time_before(text, at)) is not None:
        offset, found = before
    if found is None and at is not None and (said := _COMMENCE.search(text)):
        # "will commence at 10:00 a.m. and conclude at 5:00 p.m.": the range, placed where the
        # start is written (the zone is looked for after it)
        found = _find_time_range(f"{said['start']} - {said['end']}")
        if found:
            offset = said.start("start")
            span = said.end() - offset
            found = dataclasses.replace(found, start_index=0, end_index=span)
    if found is None:
        for match in _TIME_LABEL.finditer(text):
            found = _find_time_range(text[match.end() : match.end() + 60])
            if found:
                offset = match.end()
                break
    if found is None or offset is None:
        return None, None, None, None, None
    begin = offset + found.start_index
    # "December 17, 2008 - 9:45 – noon": a dash right after the date joins it to the start
    between = text[at:begin] if at is not None else "\n"
    joins_date = len(between) <= 5 and not between.strip(" \t,;–—―-")
    start_only_end = not joins_date and bool(_ENDS_ONLY.search(text[max(0, begin - 12) : begin]))
    settled = _settle_meridiem(text, found, offset)
    if settled is None:
        piece = text[offset + found.start_index : offset + found.end_index]
        why = f"{piece!r} has no a.m./p.m. and nothing in the document settles it"
        return None, None, None, None, why
    found = settled
    zone = _find_timezone(text[begin : offset + found.end_index + 40].split("\n\n")[0])
    if start_only_end:
        return None, None, found.start, zone, "only the end of the meeting is printed"
    end = found.end or _following_end(text, offset, found)
    return found, found.start, end, zone, None


_TIME_THEN_DATE = re.compile(
    r"(?i)(?:\s+on)?(?:\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day,?)?\s+"
)


def _time_before(text: str, date_end: int) -> tuple[int, _TimeRange] | None:
    """ "begins at 10 a.m. on March 26": a time written just before the date it belongs to."""
    hits = [h for h in _all_dates(text[: date_end + 1]) if h.end <= date_end + 1]
    if not hits:
        return None
    date_start = hits[-1].start
    offset = max(0, date_start - 40)
    window = text[offset:date_start]
    ranges = []
    cut = 0
    while (found := _find_time_range(window[cut:])) is not None:
        ranges.append((cut + found.start_index, cut + found.end_index))
        cut += found.end_index
    if not ranges:
        return None
    start, end = ranges[-1]
    if not _TIME_THEN_DATE.fullmatch(window[end:]):
        return None
    found = _find_time_range(window[start:])
    return (offset + start, found) if found else None


def _following_end(text: str, offset: int, found: _TimeRange) -> dt.time | None:
    """ "10:00 a.m. 3:00 p.m.": two times with a.m./p.m. side by side, the dash lost."""
    rest = text[offset + found.end_index : offset + found.end_index + 14]
    nxt = _find_time_range(rest)
    if nxt and found.has_meridiem and nxt.has_meridiem and not rest[: nxt.start_index].strip():
        return nxt.start if nxt.start > found.start else None
    return None


def _settle_meridiem(text: str, found: _TimeRange, offset: int) -> _TimeRange | None:
    """A range printed without a.m./p.m. is read only from the document's own evidence."""
    if found.has_meridiem:
        return found
    piece = text[offset + found.start_index : offset + found.end_index]
    clocks = _all_clocks(piece)
    if not clocks:
        return None
    first = clocks[0]
    meridiem = _meridiem_elsewhere(text, first)
    if meridiem:
        start, end = _on_clock(first, meridiem), found.end
        if end is not None and end < start:  # "1:00 to 5:00", the start settled as 1:00 p.m.
            end = dt.time(end.hour + 12, end.minute) if end.hour < 12 else None
            end = end if end is not None and end > start else None
        return dataclasses.replace(found, start=start, end=end, has_meridiem=True)
    habit = _clock_habit(text)
    if habit == "24":
        return found
    if habit == "12" and 7 <= first.hour <= 11:
        end = found.end
        if end is not None and end < found.start:
            end = dt.time((end.hour % 12) + 12, end.minute)
        elif end is not None and 1 <= end.hour <= 6:
            end = dt.time(end.hour + 12, end.minute)
        return dataclasses.replace(found, end=end, has_meridiem=True)
    return None


def _year_in(text: str) -> int | None:
    match = _ANY_YEAR.search(text)
    return int(match.group()) if match else None
