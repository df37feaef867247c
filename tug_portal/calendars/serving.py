"""Serving built calendars: validators and bytes in the cache, conditional GET, gzip, alarms.

A subscribed client asks for its feed every hour or so, nearly always with If-None-Match. The
answer must cost nothing: each feed's validators (ETag, Last-Modified) and bytes live in the
cache, written by the build, so that a 304 touches neither the database nor a calendar library,
and a full answer reads nothing while this process holds recent validators and the bytes, one or
two cache reads when it does not; the stored row is only the fallback when the cache lost them.
Alarms are spliced into those bytes.
"""

import gzip
import hashlib
import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.core.cache import cache
from django.http import HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from tug_portal.common.responses import accepts_gzip

from .feeds import BadFeedRequest

FEED_CACHE_PREFIX = "calendars:feed:"
FEED_CONTENT_CACHE_PREFIX = "calendars:feed-content:"
# How long a web process trusts the validators it last read from the cache to answer a poll or a
# download without reading them again. A few seconds of staleness cannot hurt: a client's copy is
# then at most that much older than the newest build, while the feed itself says Cache-Control
# max-age=300 (any shared cache may serve a five-minute-old copy) and REFRESH-INTERVAL one hour.
# Builds made in this process update it at once.
RECENT_VALIDATORS_SECONDS = 5
# Validators are re-published by every build and by the sweep, every few minutes; the timeout
# only bounds how long a deleted feed's validators could linger.
FEED_VALIDATORS_TIMEOUT = 60 * 60 * 24
MEETING_GENERATION_KEY = "calendars:meeting-generation"
MEETING_CACHE_TIMEOUT = 60 * 60  # a one-meeting .ics also changes as the days pass
CHUNK_SIZE = 64 * 1024
PUBLIC_CACHE_CONTROL = "public, max-age=300"
ALARM_MINUTES_MAX = 4 * 7 * 24 * 60  # four weeks
ALARMS_MAX = 4
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


def _feed_content_cache_key(key: str, etag: str) -> str:
    # Under the ETag: a reader holding new validators never gets old bytes, and the bytes of
    # a replaced build simply expire.
    return f"{FEED_CONTENT_CACHE_PREFIX}{key}:{etag}"


# The validators this process read or published lately, per feed key: a bounded LRU of feeds
# that exist (a miss is never remembered: any URL can be asked for, and a process must not
# grow with every random one).
RECENT_VALIDATORS_MAX = 1024
_recent_validators: OrderedDict[str, tuple[float, Validators]] = OrderedDict()
_recent_validators_lock = threading.Lock()


def _remember(key: str, validators: Validators) -> None:
    with _recent_validators_lock:
        _recent_validators[key] = (time.monotonic() + RECENT_VALIDATORS_SECONDS, validators)
        _recent_validators.move_to_end(key)
        while len(_recent_validators) > RECENT_VALIDATORS_MAX:
            _recent_validators.popitem(last=False)


def _publish(key: str, validators: Validators, contents: tuple[bytes, bytes] | None) -> None:
    """Validators, and the bytes (plain, gzip) when given, to the cache and this process."""
    entries = {_feed_cache_key(key): validators}
    if contents is not None:
        entries[_feed_content_cache_key(key, validators.etag)] = contents
    cache.set_many(entries, FEED_VALIDATORS_TIMEOUT)
    _remember(key, validators)


def feed_publish(feed) -> None:
    """A build's validators and bytes (plain and gzip), so that serving it needs no query. A
    rebuild of unchanged data finds its bytes in the cache already (they are stored under the
    ETag): writing megabytes again would only cost the build time."""
    validators = Validators.of(feed.etag, feed.content_changed_at)
    held = cache.has_key(_feed_content_cache_key(feed.key, feed.etag))
    contents = None if held else (bytes(feed.content), bytes(feed.content_gzip))
    _publish(feed.key, validators, contents)


def feeds_publish(feeds) -> None:
    """Re-publish validators only: a request whose bytes the cache lost reads the stored row
    once and puts them back (`feed_keep`)."""
    validators = {feed.key: Validators.of(feed.etag, feed.content_changed_at) for feed in feeds}
    cache.set_many(
        {_feed_cache_key(key): value for key, value in validators.items()},
        FEED_VALIDATORS_TIMEOUT,
    )
    for key, value in validators.items():
        _remember(key, value)


def feed_unpublish(key: str) -> None:
    cache.delete(_feed_cache_key(key))
    with _recent_validators_lock:
        _recent_validators.pop(key, None)


def feed_validators(key: str) -> Validators | None:
    """The feed's current validators, from the cache (remembered here only when there are)."""
    validators = cache.get(_feed_cache_key(key))
    if validators is not None:
        _remember(key, validators)
    return validators


def _feed_validators_recent(key: str) -> Validators | None:
    """The validators this process read or published at most RECENT_VALIDATORS_SECONDS ago,
    without reading the cache; None when it has none that recent."""
    expires_at, validators = _recent_validators.get(key, (0.0, None))
    return validators if expires_at > time.monotonic() else None


def is_conditional(request) -> bool:
    return "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META


def feed_validators_for(request, key: str) -> Validators | None:
    """The validators to answer a request with. A full download gets those this process knew
    current a moment ago, when it has them: a copy up to RECENT_VALIDATORS_SECONDS old is well
    within what the feed allows (Cache-Control max-age=300), and it saves a cache read on every
    download. A poll gets here only when its copy is not that one (FeedNotModifiedMiddleware
    answered the others): it may be newer than what this process knows, so the cache decides."""
    if not is_conditional(request) and (recent := _feed_validators_recent(key)):
        return recent
    return feed_validators(key)


def feed_not_modified_recent(request, key: str, alarms: tuple[int, ...]):
    """A 304 when the client's copy is the one this process knew current a moment ago (no
    cache read, no query), else None: the poll then goes on to read the cache."""
    recent = _feed_validators_recent(key)
    return not_modified_or_none(request, recent, alarms) if recent else None


# Each web process also holds the bytes it served, used only while their validators are the
# current ones (`feed_validators_for`): a full answer then reads nothing else. Bounded by size;
# the least recently served go first.
HELD_FEEDS_MAX_BYTES = 64 * 1024 * 1024
_held_feeds: OrderedDict[str, ServedCalendar] = OrderedDict()
_held_feeds_lock = threading.Lock()


def _size(served: ServedCalendar) -> int:
    return len(served.content) + len(served.content_gzip)


def _held(key: str, validators: Validators) -> ServedCalendar | None:
    with _held_feeds_lock:
        served = _held_feeds.get(key)
        if served is None or served.validators != validators:
            return None
        _held_feeds.move_to_end(key)
        return served


def _hold(key: str, served: ServedCalendar) -> None:
    with _held_feeds_lock:
        _held_feeds[key] = served
        _held_feeds.move_to_end(key)
        while sum(_size(held) for held in _held_feeds.values()) > HELD_FEEDS_MAX_BYTES:
            _held_feeds.popitem(last=False)


def feed_served(key: str, validators: Validators, *, filename: str) -> ServedCalendar | None:
    """The current bytes of a feed: held by this process, else from the cache (then held);
    None when the cache lost them too."""
    if served := _held(key, validators):
        return served
    content = cache.get(_feed_content_cache_key(key, validators.etag))
    if content is None:
        return None
    served = ServedCalendar(*content, validators=validators, filename=filename)
    _hold(key, served)
    return served


def feed_keep(key: str, served: ServedCalendar) -> None:
    """A feed read from the stored row: held here, and its validators and bytes put back in the
    cache for the others."""
    _hold(key, served)
    _publish(key, served.validators, (served.content, served.content_gzip))


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


def _is_fresh(request, validators: Validators, alarms: tuple[int, ...]) -> bool:
    """RFC 9110: If-None-Match wins; else If-Modified-Since. Either encoding's ETag counts."""
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        current = _current_etags(validators, alarms)
        if if_none_match in current:  # what clients send: the one ETag we gave them
            return True
        if if_none_match.strip() == "*":
            return True
        sent = {etag.removeprefix("W/") for etag in parse_etags(if_none_match)}
        return not sent.isdisjoint(current)
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and int(validators.last_modified) <= since


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
            body = gzip.compress(content, mtime=0) if gzipped else content
            # Not an answer from stored bytes any more: each alarm value is a splice and a
            # compression of its own, charged as full work (common/fair_use.py).
            request.fair_use_stored = False
        else:
            body = served.content_gzip if gzipped else served.content
        super().__init__(_chunks(body), content_type="text/calendar; charset=utf-8")
        if length:
            self["Content-Length"] = str(len(body))
        self["Content-Disposition"] = f'attachment; filename="{served.filename}"'
        if gzipped:
            self["Content-Encoding"] = "gzip"
        _common_headers(
            self, served.validators, alarms, gzipped, cache_control or PUBLIC_CACHE_CONTROL
        )
