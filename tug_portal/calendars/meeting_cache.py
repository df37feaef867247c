"""One-meeting calendars (/meetings/<slug>.ics), cached whole under a generation that any meeting
change replaces (receivers.py): a deleted or unpublished meeting is then never served from the
cache."""

import uuid

from django.core.cache import cache

from tug_portal.meetings.selectors import MEETING_SLUG_LENGTH

from . import event_store, selectors
from .ics_responses import ServedCalendar

MEETING_GENERATION_KEY = "calendars:meeting-generation"
MEETING_CACHE_TIMEOUT = 60 * 60  # a one-meeting .ics also changes as the days pass


def _meeting_cache_key(slug: str) -> str:
    generation = cache.get(MEETING_GENERATION_KEY, "0")
    # The cache outlives a deploy (Redis): a release that writes calendars otherwise (its
    # formats bumped) does not serve what the one before it cached.
    formats = f"{selectors.BUILD_FORMAT}.{event_store.EVENT_FORMAT}"
    return f"calendars:meeting:{formats}:{generation}:{slug}"


def meeting_calendars_forget() -> None:
    cache.set(MEETING_GENERATION_KEY, uuid.uuid4().hex, None)


def meeting_calendar_cached(slug: str) -> ServedCalendar | None:
    if len(slug) > MEETING_SLUG_LENGTH:
        return None  # names no meeting; not a 50,000-letter cache key
    return cache.get(_meeting_cache_key(slug))


def meeting_calendar_remember(slug: str, served: ServedCalendar) -> None:
    cache.set(_meeting_cache_key(slug), served, MEETING_CACHE_TIMEOUT)
