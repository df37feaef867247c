"""The trailer: the next meeting, the contact, the footer and the legal disclaimer."""

import datetime as dt
import re

from .dates_times import _all_dates, _date_on_or_after, _find_date
from .markdown import _BULLET
from .record import Contact, Disclaimer
from .text import _squash

# ---------------------------------------------------------------------- trailer and footer

_NEXT_MEETING = re.compile(r"(?i)^(?:[•·▪*-]\s*)?(?:the\s+)?(?:next|upcoming)\b")
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
    return _future_meetings_date(lines, reference)


# "7. Future Meetings a. ... i. March 17, 2020: Atlanta ii. June 16, 2020": a list of the
# meetings to come, whose first date after this meeting's is the next one.
_FUTURE_MEETINGS = re.compile(
    r"(?i)\b(?:future|suggested|upcoming)\s+(?:\w+\s+){0,2}?meetings?(?:\s+dates)?\b"
)
_FUTURE_WINDOW = 300  # characters after the heading in which the list is looked for


def _future_meetings_date(lines: list[str], reference: dt.date | None) -> dt.date | None:
    text = "\n".join(_squash(line) for line in lines)
    for match in _FUTURE_MEETINGS.finditer(text):
        window = text[match.end() : match.end() + _FUTURE_WINDOW]
        for hit in _all_dates(window):
            # a date without its year ("May 6, phone conference") is read after this meeting's
            date = _date_on_or_after(hit, reference) if hit.year or reference else None
            if date and (reference is None or date > reference):
                return date
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
    if 1 <= len(words) <= 5 and all(w[0].isupper() for w in words):
        return name
    # "the Public Advisor, Jane Doe,": the name is the part set off by commas after the role
    for part in reversed(name.split(",")[1:]):
        words = part.split()
        if 2 <= len(words) <= 4 and all(w[0].isupper() and w.isalpha() for w in words):
            return part.strip()
    return None


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
