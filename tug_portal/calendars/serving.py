"""Serving built calendars: validators in the cache, conditional GET, gzip, alarms, streaming.

A subscribed client asks for its feed every hour or so, nearly always with If-None-Match. The
answer must cost nothing: each feed's validators (ETag, Last-Modified) live in the cache, written
by the build, so that a 304 touches neither the database nor a calendar library. A full answer
reads the stored bytes (one query, once per web process and feed version) and streams them;
alarms are spliced into those bytes.
"""

import gzip
import hashlib
import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.http import HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from .feeds import BadFeedRequest

FEED_CACHE_PREFIX = "calendars:feed:"
# Validators are re-published by every build and by the sweep, every few minutes; the timeout
# only bounds how long a deleted feed's validators could linger.
FEED_VALIDATORS_TIMEOUT = 60 * 60 * 24
MEETING_GENERATION_KEY = "calendars:meeting-generation"
MEETING_CACHE_TIMEOUT = 60 * 60  # a one-meeting .ics also changes as the days pass
CHUNK_SIZE = 64 * 1024
PUBLIC_CACHE_CONTROL = "public, max-age=300"
ALARM_MINUTES_MAX = 4 * 7 * 24 * 60  # four weeks
ALARMS_MAX = 4
# Django's GZipMiddleware decides with this same test: agreeing with it means it never
# compresses what we chose to send uncompressed.
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
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
    content_gzip: bytes
    validators: Validators
    filename: str


def content_etag(content: bytes) -> str:
    """The hash of a calendar without its DTSTAMPs, so a rebuild of unchanged data keeps it."""
    return hashlib.sha256(DTSTAMP_LINE.sub(b"", content)).hexdigest()[:32]


# --- Validators in the cache ----------------------------------------------------------------


def _feed_cache_key(key: str) -> str:
    return FEED_CACHE_PREFIX + key


def feed_publish_validators(key: str, validators: Validators) -> None:
    cache.set(_feed_cache_key(key), validators, FEED_VALIDATORS_TIMEOUT)


def feed_publish(feed) -> None:
    feed_publish_validators(feed.key, Validators.of(feed.etag, feed.content_changed_at))


def feeds_publish(feeds) -> None:
    cache.set_many(
        {
            _feed_cache_key(feed.key): Validators.of(feed.etag, feed.content_changed_at)
            for feed in feeds
        },
        FEED_VALIDATORS_TIMEOUT,
    )


def feed_unpublish(key: str) -> None:
    cache.delete(_feed_cache_key(key))


def feed_validators(key: str) -> Validators | None:
    return cache.get(_feed_cache_key(key))


# Each web process also keeps the feeds it served, keyed by ETag: the ETag comes from the shared
# cache on every request, so a held copy is only used while it is the current one, and a full
# answer then needs no query either. Bounded by size; the least recently served go first.
HELD_FEEDS_MAX_BYTES = 64 * 1024 * 1024
_held_feeds: OrderedDict[str, ServedCalendar] = OrderedDict()
_held_feeds_lock = threading.Lock()


def _size(served: ServedCalendar) -> int:
    return len(served.content) + len(served.content_gzip)


def feed_held(key: str, validators: Validators) -> ServedCalendar | None:
    with _held_feeds_lock:
        served = _held_feeds.get(key)
        if served is None or served.validators != validators:
            return None
        _held_feeds.move_to_end(key)
        return served


def feed_hold(key: str, served: ServedCalendar) -> None:
    with _held_feeds_lock:
        _held_feeds[key] = served
        _held_feeds.move_to_end(key)
        while sum(_size(held) for held in _held_feeds.values()) > HELD_FEEDS_MAX_BYTES:
            _held_feeds.popitem(last=False)


# One-meeting calendars are cached whole, under a generation that any meeting change replaces:
# a deleted or unpublished meeting is then never served from the cache.


def _meeting_cache_key(slug: str) -> str:
    generation = cache.get(MEETING_GENERATION_KEY, "0")
    return f"calendars:meeting:{generation}:{slug}"


def meeting_calendars_forget() -> None:
    cache.set(MEETING_GENERATION_KEY, uuid.uuid4().hex, None)


def meeting_calendar_cached(slug: str) -> ServedCalendar | None:
    return cache.get(_meeting_cache_key(slug))


def meeting_calendar_remember(slug: str, served: ServedCalendar) -> None:
    cache.set(_meeting_cache_key(slug), served, MEETING_CACHE_TIMEOUT)


def served_calendar(content: bytes, *, filename: str, changed_at: datetime) -> ServedCalendar:
    return ServedCalendar(
        content=content,
        content_gzip=gzip.compress(content, mtime=0),
        validators=Validators.of(content_etag(content), changed_at),
        filename=filename,
    )


# --- Alarms ---------------------------------------------------------------------------------


def parse_alarms(value: str | None) -> tuple[int, ...]:
    """ "30" or "1440,30" → minutes before the start, largest first."""
    if not value:
        return ()
    try:
        minutes = {int(part) for part in value.split(",") if part.strip()}
    except ValueError:
        minutes = {-1}
    if (
        not minutes
        or len(minutes) > ALARMS_MAX
        or not all(0 <= m <= ALARM_MINUTES_MAX for m in minutes)
    ):
        raise BadFeedRequest(
            f"alarm takes up to {ALARMS_MAX} numbers of minutes before the meeting, "
            f"from 0 to {ALARM_MINUTES_MAX}, e.g. ?alarm=30 or ?alarm=1440,15."
        )
    return tuple(sorted(minutes, reverse=True))


def _valarm(minutes: int) -> bytes:
    trigger = f"-PT{minutes}M" if minutes else "PT0S"
    when = f"in {minutes} minutes" if minutes else "now"
    return (
        f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Meeting starts {when}\r\n"
        f"TRIGGER:{trigger}\r\nEND:VALARM\r\n"
    ).encode()


def with_alarms(content: bytes, alarms: tuple[int, ...]) -> bytes:
    """Insert a VALARM per value before the end of every event that is not cancelled. A byte
    splice on serialized output: the request builds nothing. (Folded lines start with a space
    and text escapes line breaks, so "END:VEVENT" and "STATUS:CANCELLED" only match as lines.)"""
    if not alarms:
        return content
    block = b"".join(_valarm(minutes) for minutes in alarms)
    *events, tail = content.split(b"END:VEVENT\r\n")
    return (
        b"".join(
            event + (b"" if b"\r\nSTATUS:CANCELLED\r\n" in event else block) + b"END:VEVENT\r\n"
            for event in events
        )
        + tail
    )


# --- Responses ------------------------------------------------------------------------------


def _etag(validators: Validators, alarms: tuple[int, ...], gzipped: bool) -> str:
    variant = "".join(f"-a{minutes}" for minutes in alarms) + ("-gz" if gzipped else "")
    return f'"{validators.etag}{variant}"'


def _accepts_gzip(request) -> bool:
    return bool(ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))


def _is_fresh(request, validators: Validators, alarms: tuple[int, ...]) -> bool:
    """RFC 9110: If-None-Match wins; else If-Modified-Since. Either encoding's ETag counts."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        sent = {etag.removeprefix("W/") for etag in parse_etags(if_none_match)}
        return bool(sent & {_etag(validators, alarms, gzipped) for gzipped in (False, True)})
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(validators.last_modified) <= since


def _common_headers(response, validators, alarms, gzipped, cache_control) -> None:
    response["ETag"] = _etag(validators, alarms, gzipped)
    response["Last-Modified"] = http_date(validators.last_modified)
    response["Cache-Control"] = cache_control
    response["Vary"] = "Accept-Encoding"


def not_modified_or_none(request, validators, alarms, cache_control=PUBLIC_CACHE_CONTROL):
    """A 304 when the client's copy is current, else None."""
    if request.method not in ("GET", "HEAD") or not _is_fresh(request, validators, alarms):
        return None
    response = HttpResponseNotModified()
    _common_headers(response, validators, alarms, _accepts_gzip(request), cache_control)
    return response


def _chunks(content: bytes):
    view = memoryview(content)
    for start in range(0, len(content), CHUNK_SIZE):
        yield bytes(view[start : start + CHUNK_SIZE])


class CalendarResponse(StreamingHttpResponse):
    """text/calendar from stored bytes, streamed in chunks, gzip when the client takes it."""

    def __init__(self, request, served: ServedCalendar, *, alarms=(), cache_control=None):
        gzipped = _accepts_gzip(request)
        if alarms:
            content = with_alarms(served.content, alarms)
            body = gzip.compress(content, mtime=0) if gzipped else content
        else:
            body = served.content_gzip if gzipped else served.content
        super().__init__(_chunks(body), content_type="text/calendar; charset=utf-8")
        self["Content-Length"] = str(len(body))
        self["Content-Disposition"] = f'attachment; filename="{served.filename}"'
        if gzipped:
            self["Content-Encoding"] = "gzip"
        _common_headers(
            self, served.validators, alarms, gzipped, cache_control or PUBLIC_CACHE_CONTROL
        )
