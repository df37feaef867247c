"""Writes one VEVENT's bytes from its properties, without building an icalendar component tree.

`icalendar` spends most of a feed's build creating a component, a typed value and a parameter
dict per property, then walking them back to text. Our events use a handful of value types, so
this module writes them directly and gives the same bytes `icalendar.Event.to_ical()` gives
for the same properties (`tests/calendars/test_ics_writer.py` checks it against the library;
the golden feed pins the whole output). What it borrows from the library, it borrows whole:
parameters are rendered by `icalendar.Parameters` (memoized: an archive repeats the same few)
and the property order is icalendar's (its VEVENT canonical order, then alphabetical).

A property is `(name, value, parameters)`: value a `str` (TEXT), a `vUri` (written as is), a
`datetime` (UTC → `Z`; another zone → `TZID=`), an `int`, or a `list` of str (CATEGORIES).
The DTSTAMP property's value may be `STAMP`: the event is then written without it and the
offset where its line goes is returned, so that a stored event can take any build's DTSTAMP.
"""

from datetime import UTC, datetime
from functools import lru_cache

from icalendar import Event, Parameters, vUri

STAMP = object()  # placeholder for the build's DTSTAMP (see `EventBytes`)

_CANONICAL = {name: index for index, name in enumerate(Event.canonical_order)}
_LIMIT = 75  # octets, as icalendar folds


def _sort_key(name: str) -> tuple:
    """icalendar's order: canonical names first, in their order, then the others by name."""
    upper = name.upper()
    index = _CANONICAL.get(upper)
    return (0, index, "") if index is not None else (1, 0, upper)


_sort_key = lru_cache(maxsize=128)(_sort_key)


@lru_cache(maxsize=4096)
def _parameters(items: tuple) -> str:
    """`;A=1;B=2` as icalendar writes these parameters (its own code, memoized)."""
    rendered = Parameters({key: list(v) if isinstance(v, tuple) else v for key, v in items})
    text = rendered.to_ical().decode()
    return f";{text}" if text else ""


def escape_text(text: str) -> str:
    """RFC 5545 TEXT escaping, in the order icalendar applies it."""
    return (
        text.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _datetime(value: datetime, parameters: dict) -> str:
    zone = value.tzinfo
    if zone is UTC or getattr(zone, "key", None) == "UTC":
        return value.strftime("%Y%m%dT%H%M%SZ")
    if zone is not None:
        parameters.setdefault("TZID", zone.key)
    return value.strftime("%Y%m%dT%H%M%S")


def _value(value, parameters: dict) -> str:
    if isinstance(value, vUri):
        return str(value)
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, datetime):
        return _datetime(value, parameters)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return ",".join(escape_text(item) for item in value)
    raise TypeError(f"no writer for {type(value).__name__}")


def fold(line: str) -> str:
    """icalendar's folding: a line breaks once the next character would take it to 75 octets
    (74 characters when ASCII), and a backslash or caret escape is never split from what it
    escapes (it moves to the next line)."""
    if not line.isascii():
        return _fold_any(line)
    if len(line) < _LIMIT:
        return line
    width, size, start, segments = _LIMIT - 1, len(line), 0, []
    while size - start > width:
        segment = line[start : start + width]
        if segment[-1] in "\\^":
            segment = segment[:-1]
        segments.append(segment)
        start += len(segment)
    segments.append(line[start:])
    return "\r\n ".join(segments)


def _fold_any(line: str) -> str:
    """The same, counting octets: the line's UTF-8 cut at the last character boundary within
    74 octets (a continuation byte, 0b10xxxxxx, never starts a segment). Walked a character at
    a time it took a third of a cold archive build: most meetings' descriptions hold a dash or
    an accent, and each is a thousand characters."""
    data = line.encode()
    width, size, start, segments = _LIMIT - 1, len(data), 0, []
    while size - start > width:
        end = start + width
        while data[end] & 0xC0 == 0x80:  # the next segment may not start inside a character
            end -= 1
        if data[end - 1] in b"\\^":
            end -= 1
        segments.append(data[start:end])
        start = end
    segments.append(data[start:])
    return b"\r\n ".join(segments).decode()


def property_line(name: str, value, parameters: dict | None) -> str:
    """One content line, folded, without its line end."""
    parameters = dict(parameters or {})
    text = _value(value, parameters)
    items = tuple(
        sorted(
            (key.upper(), tuple(v) if isinstance(v, list) else v) for key, v in parameters.items()
        )
    )
    return fold(f"{name.upper()}{_parameters(items) if items else ''}:{text}")


def event_bytes(properties) -> tuple[bytes, int]:
    """The VEVENT's bytes and the offset where its DTSTAMP line goes (-1 when DTSTAMP was
    written, i.e. given as a datetime rather than `STAMP`)."""
    ordered = sorted(properties, key=lambda prop: _sort_key(prop[0]))
    lines, stamp_at = ["BEGIN:VEVENT"], -1
    for name, value, parameters in ordered:
        if value is STAMP:
            stamp_at = len(lines)
            continue
        lines.append(property_line(name, value, parameters))
    lines.append("END:VEVENT")
    if stamp_at < 0:
        return ("\r\n".join(lines) + "\r\n").encode(), -1
    before = ("\r\n".join(lines[:stamp_at]) + "\r\n").encode()
    after = ("\r\n".join(lines[stamp_at:]) + "\r\n").encode()
    return before + after, len(before)


def stamp_line(now: datetime) -> bytes:
    """The DTSTAMP line of a build."""
    return f"DTSTAMP:{now.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n".encode()
