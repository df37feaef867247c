"""Stored feed bytes: each feed's validators (ETag, Last-Modified) and bytes, in the cache and
in this process.

A subscribed client asks for its feed every hour or so, nearly always with If-None-Match. The
answer must cost nothing: each feed's validators and bytes live in the cache, the validators
written by the build (`feed_publish`), so that a 304 touches neither the database nor a calendar
library, and a full answer reads nothing while this process holds recent validators and the
bytes, one or two cache reads when it does not. The first request for a new ETag (and one
after the cache lost the bytes) assembles them from the stored row (StoredFeed) and its events
(`feed_bytes.feed_content`) and puts them in the cache (`feed_keep`).
"""

import logging
import threading
import time
from collections import OrderedDict

from django.core.cache import cache
from redis.exceptions import RedisError

from .ics_responses import ServedCalendar, Validators, is_conditional, with_gzip

logger = logging.getLogger(__name__)

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


def feed_publish(feed, *, replaced_etag: str | None = None) -> None:
    """A build's validators. The bytes are put in the cache by the first request for the new
    ETag (`feed_keep`: it assembles them, `feed_bytes.feed_content`), so that an edit writes no
    megabytes for feeds nobody asks for before the next one; the bytes of the ETag they
    replaced leave the cache (each edit of an archive left megabytes there for a day)."""
    feeds_publish_replacing([(feed, replaced_etag)])


def feeds_publish_replacing(published) -> None:
    """`feed_publish` of several feeds ([(feed, replaced ETag or None)]: those one refresh
    rebuilt) in two cache calls, not two per feed."""
    feeds_publish([feed for feed, _ in published])
    gone = [
        _feed_content_cache_key(feed.key, replaced)
        for feed, replaced in published
        if replaced and replaced != feed.etag
    ]
    if gone:
        cache.delete_many(gone)


def feeds_publish(feeds) -> None:
    """Publish validators only, to the cache and this process (the sweep re-publishes every
    feed's): their bytes are put in the cache by the first request for them (`feed_keep`)."""
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


def feed_validators_recent(key: str) -> Validators | None:
    """The validators this process read or published at most RECENT_VALIDATORS_SECONDS ago,
    without reading the cache; None when it has none that recent."""
    expires_at, validators = _recent_validators.get(key, (0.0, None))
    return validators if expires_at > time.monotonic() else None


def feed_validators_for(request, key: str) -> Validators | None:
    """The validators to answer a request with. A full download gets those this process knew
    current a moment ago, when it has them: a copy up to RECENT_VALIDATORS_SECONDS old is well
    within what the feed allows (Cache-Control max-age=300), and it saves a cache read on every
    download. A poll gets here only when its copy is not that one (FeedNotModifiedMiddleware
    answered the others): it may be newer than what this process knows, so the cache decides."""
    if not is_conditional(request) and (recent := feed_validators_recent(key)):
        return recent
    return feed_validators(key)


# Each web process also holds the bytes it served, used only while their validators are the
# current ones (`feed_validators_for`): a full answer then reads nothing else. Bounded by size;
# the least recently served go first.
HELD_FEEDS_MAX_BYTES = 64 * 1024 * 1024
_held_feeds: OrderedDict[str, ServedCalendar] = OrderedDict()
_held_feeds_lock = threading.Lock()


def _size(served: ServedCalendar) -> int:
    return len(served.content) + len(served.content_gzip or b"")


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


def forget_held() -> None:
    """Drop this process's validators and bytes (tests; the cache and the rows stay)."""
    with _recent_validators_lock:
        _recent_validators.clear()
    with _held_feeds_lock:
        _held_feeds.clear()


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


def feed_keep(key: str, served: ServedCalendar, *, from_row: bool = False) -> None:
    """A feed a request assembled, or gzipped: held here, and put back in the cache for the
    others while its validators are still the current ones there. A request's validators can
    be a moment old (`feed_validators_for`) or read just before a build's commit: writing them
    over a newer build's put the replaced feed back for every process until the sweep, and its
    bytes with it. Only validators just read from the stored row (`from_row`) may go where the
    cache has none (it lost them): this process's own may be older than the lost ones. A cache
    that refuses them (Redis unreachable) leaves the request served all the same."""
    _hold(key, served)
    validators_key = _feed_cache_key(key)
    try:
        added = from_row and cache.add(validators_key, served.validators, FEED_VALIDATORS_TIMEOUT)
        current = added or cache.get(validators_key) == served.validators
        if not current:
            return  # a newer build published its own validators and bytes
        cache.set(
            _feed_content_cache_key(key, served.validators.etag),
            (served.content, served.content_gzip),
            FEED_VALIDATORS_TIMEOUT,
        )
    except (OSError, RedisError):
        logger.warning("Feed %s not put back in the cache", key, exc_info=True)
        return
    _remember(key, served.validators)


def feed_keep_gzip(key: str, served: ServedCalendar, *, from_row: bool = False) -> ServedCalendar:
    """The feed with its gzip, made now (the first gzip request since the bytes changed pays
    for it: tens of milliseconds for a whole archive), held here and put in the cache."""
    served = with_gzip(served)
    feed_keep(key, served, from_row=from_row)
    return served
