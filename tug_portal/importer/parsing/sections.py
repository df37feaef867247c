"""Sections after the table: announcements and the topics they detail."""

import bisect
import datetime as dt
import re
from dataclasses import dataclass

from .dates_times import _date_on_or_after, _find_date, _find_time_range, _find_timezone
from .markdown import _BULLET, _body
from .record import Announcement, Document, RelatedMeeting, Topic
from .text import _indent, _squash

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
