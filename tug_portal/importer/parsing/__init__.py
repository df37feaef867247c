"""Read the text of a stakeholder meeting agenda into a plain record.

The parser knows nothing of Django nor of file formats (``extract.py`` turns files into text).
Agendas are written by many hands and reach us through Word, PDF and e-mail, so every rule here
is a tolerant pattern (tables of label synonyms, several spellings of dates and times, tables
separated by tabs or by runs of spaces) and every fact it cannot find stays empty rather than
guessed. ``AgendaRecord.warnings`` say what a person should check before publishing.

Where things are (each module fills its part of the record in ``record.py``):

| module | concern |
| --- | --- |
| ``text.py`` | clean-up: invisible characters, odd spaces, table cells |
| ``dates_times.py`` | dates, times (a.m./p.m. resolved from evidence only) and zones |
| ``heading.py`` | the title, and the date, times and zone near it |
| ``conference.py`` | the web conference and the dial-ins |
| ``rows.py`` | the agenda rows: tables, running text, numbered items |
| ``trailer.py`` | the next meeting, the contact, footers and the disclaimer |
| ``sections.py`` / ``markdown.py`` | sections after the table; bodies and their links |
"""

import re
from dataclasses import replace

from .conference import _conference
from .dates_times import _clock_habit, _find_time_range
from .heading import _find_title, _program, _read_heading, _title_by_date
from .record import (
    AgendaRecord,
    Announcement,
    Contact,
    DialIn,
    Disclaimer,
    Document,
    RelatedMeeting,
    Topic,
    WebConference,
)
from .rows import _find_topic_table, _Table, _topics
from .running import running_rows
from .sections import _announcement, _find_sections
from .text import _normalise, _squash
from .trailer import _contact, _find_disclaimer, _is_trailer, _next_meeting_date, _stay_connected

__all__ = [
    "AgendaRecord",
    "Announcement",
    "Contact",
    "DialIn",
    "Disclaimer",
    "Document",
    "RelatedMeeting",
    "Topic",
    "WebConference",
    "parse_agenda",
]


def parse_agenda(text: str, *, file: str | None = None) -> AgendaRecord:
    """Read an agenda's text. Never raises: what it cannot read is left empty and warned about."""
    lines = _normalise(text)
    footer, stay_connected = _stay_connected(lines)
    table = _find_topic_table(lines[:footer])
    if table and not _readable(table.rows):
        table = None  # a web page's "|" read as columns: the rows are read as running text
    rows = [row for row in table.rows if row.get("topic")] if table else []
    running = [] if table else running_rows(lines[:footer])
    rows = rows or running
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
    title = title or _title_by_date(lines[:footer], heading.date)
    web_conference, dial_in = _conference(lines, claimed | set(trailer))
    if web_conference is None and not dial_in:
        # the last item's section may run over the call details printed after the agenda
        outside = claimed - {i for s in sections for i in range(s.start, s.end)}
        web_conference, dial_in = _conference(lines, outside | set(trailer))
    topics = _within_the_meeting(_topics(rows, sections, heading.time), heading.start)
    program_name, program_acronym = _program(title)
    warnings = [*heading.warnings, *_content_warnings(table, topics, web_conference, dial_in)]
    if running:
        warnings = [w for w in warnings if w != "topic table not found"]
        warnings.append("topics read from running text (no table): check titles and presenters")
    return AgendaRecord(
        file=file,
        title=title,
        program_name=program_name,
        program_acronym=program_acronym,
        date=heading.date,
        start_time=heading.start,
        end_time=_meeting_end(heading, running, text),
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


def _within_the_meeting(topics, start):
    """Rows run forward from the meeting's start: a row's clock that reads earlier than the row
    before it (or than an afternoon meeting's start) is read twelve hours on ("11:00, 12:00 -
    1:00, 1:00 - 3:20" crosses noon; "1:00 - 3:20" in a 1:00 p.m. meeting is the afternoon),
    and a row that still runs backwards is left blank rather than kept wrong."""
    checked, last = [], start
    for topic in topics:
        topic = _forward(topic, last)
        checked.append(topic)
        last = topic.end_time or topic.start_time or last
    return tuple(checked)


def _forward(topic, last):
    begin, end = topic.start_time, topic.end_time
    if begin is None:
        return topic
    if last is not None and begin < last:
        begin = _twelve_hours_on(begin)
        if begin < last:
            return replace(topic, start_time=None, end_time=None)
    if end is not None and end < begin:
        end = _twelve_hours_on(end)
        if end < begin:
            end = None
    return replace(topic, start_time=begin, end_time=end)


def _twelve_hours_on(clock):
    return clock.replace(hour=clock.hour + 12) if clock.hour < 12 else clock


def _readable(rows: list[dict[str, str]]) -> bool:
    titles = [row.get("topic", "") for row in rows if row.get("topic")]
    words = sum(bool(re.search(r"[A-Za-z]", title)) for title in titles)
    return not titles or words * 2 > len(titles)


def _meeting_end(heading, running: list[dict[str, str]], text: str):
    """When the only time by the date is the first row's ("10:00 – 10:10 Welcome ..."), the
    meeting ends where the last row does, read on the document's own clock."""
    timed = [_find_time_range(row.get("time", "")) for row in running]
    if heading.start is None or len(timed) < 2 or not (timed[0] and timed[-1]):
        return heading.end
    first, last = timed[0], timed[-1]
    if (first.start.minute, first.end) != (heading.start.minute, heading.end) or not last.end:
        return heading.end
    end = last.end
    if not last.has_meridiem:
        habit = _clock_habit(text)
        if habit is None:
            return None
        if habit == "12" and end.hour < 7:
            end = end.replace(hour=end.hour + 12)
    return end if end > heading.start else None


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
