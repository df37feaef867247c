"""Agenda rows: the topic table (tab, space-aligned or headerless) and the topics it lists."""

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from .dates_times import _find_time_range, _TimeRange
from .heading import _TITLE_SEPARATORS
from .record import Topic
from .sections import _Section
from .text import _Cell, _cells, _filled, _squash
from .trailer import _is_trailer

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
