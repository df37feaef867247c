"""HTTP answers for calendars: validators (ETag, Last-Modified), conditional GET (304), and the
text/calendar response streamed from stored bytes, gzip when the client takes it, with alarms."""

import gzip
import hashlib
import re
import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from django.http import HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from tug_portal.common.responses import accepts_gzip

from .alarms import with_alarms

CHUNK_SIZE = 64 * 1024
PUBLIC_CACHE_CONTROL = "public, max-age=300"
DTSTAMP_LINE = re.compile(rb"^DTSTAMP:[^\r\n]*\r\n", re.MULTILINE)


@dataclass(frozen=True)
class Validators:
    etag: str  # hex digest, without quotes
    last_modified: float  # seconds since the epoch

    @classmethod
    def of(cls, etag: str, changed_at: datetime) -> "Validators":
        return cls(etag=etag, last_modified=changed_at.timestamp())


@dataclass(frozen=True)
class ServedCalendar:
    content: bytes
    content_gzip: bytes | None  # None: not compressed yet (`gzip_bytes` on the first gzip request)
    validators: Validators
    filename: str


# zlib's default level: within 2% of level 9's size on a feed, at two thirds of its time.
GZIP_LEVEL = 6


def gzip_bytes(content: bytes) -> bytes:
    """A plain gzip of the bytes (one member, no name, no mtime: the same bytes every time)."""
    return gzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0)


EVENT_START = b"BEGIN:VEVENT\r\n"
EVENT_END = b"END:VEVENT\r\n"


def event_digest(event: bytes) -> bytes:
    """One event's bytes (without its DTSTAMP line) hashed: what a calendar's ETag is made of."""
    return hashlib.sha256(event).digest()


def pieces_etag(head: bytes, digests, tail: bytes) -> str:
    """A calendar's ETag from its head, its events' digests (`event_digest`) and its tail: a
    feed assembled from stored events (`builders.calendar_from_pieces`) hashes each event once
    when it is written or read, then only 32 bytes per event, not the feed's megabytes again."""
    digest = hashlib.sha256(head)
    digest.update(b"".join(digests))
    digest.update(tail)
    return digest.hexdigest()[:32]


def content_etag(content: bytes) -> str:
    """The ETag of a calendar's bytes, its DTSTAMPs left out (so a rebuild of unchanged data
    keeps it): the same as `pieces_etag` of its head, events and tail."""
    content = DTSTAMP_LINE.sub(b"", content)
    first, last = content.find(EVENT_START), content.rfind(EVENT_END)
    if first < 0 or last < 0:
        return pieces_etag(content, [], b"")
    end = last + len(EVENT_END)
    events = content[first + len(EVENT_START) : end].split(EVENT_START)
    return pieces_etag(
        content[:first], [event_digest(EVENT_START + event) for event in events], content[end:]
    )


def served_calendar(content: bytes, *, filename: str, changed_at: datetime) -> ServedCalendar:
    return ServedCalendar(
        content=content,
        content_gzip=gzip_bytes(content),
        validators=Validators.of(content_etag(content), changed_at),
        filename=filename,
    )


def is_conditional(request) -> bool:
    return "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META


@lru_cache(maxsize=1024)
def _etag(validators: Validators, alarms: tuple[int, ...], gzipped: bool) -> str:
    variant = "".join(f"-a{minutes}" for minutes in alarms) + ("-gz" if gzipped else "")
    return f'"{validators.etag}{variant}"'


@lru_cache(maxsize=1024)
def _last_modified(validators: Validators) -> str:
    return http_date(validators.last_modified)


@lru_cache(maxsize=1024)
def _current_etags(validators: Validators, alarms: tuple[int, ...]) -> frozenset[str]:
    """Either encoding's ETag, strong or weak (If-None-Match compares weakly)."""
    strong = {_etag(validators, alarms, gzipped) for gzipped in (False, True)}
    return frozenset(strong | {f"W/{etag}" for etag in strong})


# A client holds one copy of a feed and sends its one ETag (70 characters at most with the
# alarms' and gzip's suffixes). A longer list is not parsed: kilobytes of commas cost Django's
# `parse_etags` milliseconds, twice a request, on a request no budget refuses (a poll).
IF_NONE_MATCH_MAX_CHARS = 1024


def _is_fresh(request, validators: Validators, alarms: tuple[int, ...]) -> bool:
    """RFC 9110: If-None-Match wins; else If-Modified-Since. Either encoding's ETag counts."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        current = _current_etags(validators, alarms)
        if if_none_match in current:  # what clients send: the one ETag we gave them
            return True
        if len(if_none_match) > IF_NONE_MATCH_MAX_CHARS:
            return False  # not a calendar client's: the full answer, which budgets count
        # "*" names no copy (RFC 9110 makes its 304 a SHOULD): no calendar client sends it,
        # and as a 304 it went uncounted by the budgets (found from outside). The full answer.
        sent = {etag.removeprefix("W/") for etag in parse_etags(if_none_match)} - {"*"}
        return not sent.isdisjoint(current)
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    # A date later than this clock is invalid (RFC 7232 §3.3), and was a 304 forever.
    return since is not None and int(validators.last_modified) <= since <= time.time()


def _common_headers(response, validators, alarms, gzipped, cache_control) -> None:
    response["ETag"] = _etag(validators, alarms, gzipped)
    response["Last-Modified"] = _last_modified(validators)
    response["Cache-Control"] = cache_control
    response["Vary"] = "Accept-Encoding"


def not_modified_or_none(request, validators, alarms, cache_control=PUBLIC_CACHE_CONTROL):
    """A 304 when the client's copy is current, else None."""
    if request.method not in ("GET", "HEAD") or not _is_fresh(request, validators, alarms):
        return None
    response = HttpResponseNotModified()
    _common_headers(response, validators, alarms, accepts_gzip(request), cache_control)
    return response


def _chunks(content: bytes):
    view = memoryview(content)
    for start in range(0, len(content), CHUNK_SIZE):
        yield bytes(view[start : start + CHUNK_SIZE])


def content_gzip(served: ServedCalendar) -> bytes:
    """The gzip held with the bytes, else made now (the caller keeps `with_gzip`'s copy)."""
    return served.content_gzip if served.content_gzip is not None else gzip_bytes(served.content)


def with_gzip(served: ServedCalendar) -> ServedCalendar:
    return replace(served, content_gzip=content_gzip(served))


class CalendarResponse(StreamingHttpResponse):
    """text/calendar from stored bytes, streamed in chunks, gzip when the client takes it."""

    def __init__(self, request, served: ServedCalendar, *, alarms=(), cache_control=None):
        gzipped = accepts_gzip(request)
        length = True
        if alarms and request.method == "HEAD":
            # A HEAD gets no body: the splice and its compression (megabytes for a feed with
            # its history) would be work for nothing. Its length is left unsaid (RFC 9110
            # allows it); the validators are the same as a GET's.
            body, length = b"", False
        elif alarms:
            content = with_alarms(served.content, alarms)
            body = gzip_bytes(content) if gzipped else content
            # Not an answer from stored bytes any more: each alarm value is a splice and a
            # compression of its own, charged as full work (common/fair_use.py).
            request.fair_use_stored = False
        else:
            body = content_gzip(served) if gzipped else served.content
        super().__init__(_chunks(body), content_type="text/calendar; charset=utf-8")
        if length:
            self["Content-Length"] = str(len(body))
        self["Content-Disposition"] = f'attachment; filename="{served.filename}"'
        if gzipped:
            self["Content-Encoding"] = "gzip"
        _common_headers(
            self, served.validators, alarms, gzipped, cache_control or PUBLIC_CACHE_CONTROL
        )
