"""Answering a calendar request: the one function per URL that the views call.

`feed_response` answers /calendar/all.ics and /calendar/<slug>.ics: parse the query, take the
feed's validators (feed_store.py), answer 304 when the client's copy is current, else the bytes
the last build stored (this process, the cache, then the StoredFeed row), building the feed here
only when it was never built. `meeting_response` does the same for one meeting's .ics
(meeting_cache.py). The HTTP side (validators, 304, gzip, streaming) is ics_responses.py; alarms
are alarms.py.

Where a subscribed client's poll is answered:
1. `FeedNotModifiedMiddleware` (middleware.py), early in settings.MIDDLEWARE, answers a poll
   whose copy matches validators this process read a few seconds ago: no session, auth, URL
   resolving or fair-use budget, no cache read (`feed_not_modified(..., recent_only=True)`).
2. Over the fair-use budget, `feed_not_modified` (declared on the views with
   `fair_use.answers_polls_with`) gives the 304 from the cached validators, or the request is
   refused without running the view.
3. Anything else reaches `feed_response`.
"""

from django.http import Http404, HttpResponseBadRequest

from tug_portal.common import fair_use
from tug_portal.common.responses import accepts_gzip
from tug_portal.meetings.selectors import meeting_get, meeting_is_public

from . import feed_store, meeting_cache, services
from .alarms import parse_alarms
from .builders import build_meeting_ics
from .feed_bytes import feed_content
from .feed_specs import BadFeedRequest, FeedSpec, feed_spec_from_query
from .ics_responses import (
    PUBLIC_CACHE_CONTROL,
    CalendarResponse,
    ServedCalendar,
    Validators,
    not_modified_or_none,
    served_calendar,
)
from .selectors import feed_scope_exists, stored_feed_get


def _bad_request(message: str):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def feed_response(request, *, program: str):
    """The answer to a GET of a feed ("" = all programs): 400 for a bad query, 404 for a feed
    that names nothing, 304 when the client's copy is current, else the stored bytes."""
    try:
        spec = feed_spec_from_query(program, request.GET)
        alarms = parse_alarms(request.GET.get("alarm"))
    except BadFeedRequest as error:
        return _bad_request(str(error))
    validators = feed_store.feed_validators_for(request, spec.key)
    if validators is None and not feed_scope_exists(spec):
        # Never published: most likely a URL that names nothing. One small query decides,
        # before the stored row, a build or anything this process would keep.
        raise Http404("No such program or system.")
    if validators and (response := not_modified_or_none(request, validators, alarms)):
        return response
    served = validators and feed_store.feed_served(spec.key, validators, filename=spec.filename)
    gzip_wanted = accepts_gzip(request) and not alarms
    if served:
        fair_use.answered_from_store(request)
        if gzip_wanted and served.content_gzip is None:  # the first gzip request since a build
            served = feed_store.feed_keep_gzip(spec.key, served)
    else:  # not in the cache since the build (or lost): the row, then kept in the cache
        served = _feed_from_row_or_build(request, spec)
        if served is None:
            return fair_use.busy_response(request, retry_after=1)
        if gzip_wanted:
            served = feed_store.feed_keep_gzip(spec.key, served, from_row=True)
        else:
            feed_store.feed_keep(spec.key, served, from_row=True)
        if response := not_modified_or_none(request, served.validators, alarms):
            return response
    return CalendarResponse(request, served, alarms=alarms)


def _feed_from_row_or_build(request, spec: FeedSpec) -> ServedCalendar | None:
    """The bytes of the stored feed, assembled from its head and its events
    (`feed_bytes.feed_content`); else (never built: a combination nobody asked for yet, or the
    first request after a deploy before the sweep ran; or an event of it built anew since, by
    another feed, before its own refresh) built once, here: from then on Celery keeps it. A
    row whose parts changed under it (a refresh committed in between) is read once more first.
    None in the rare case that a concurrent build replaced one of its events meanwhile."""
    feed = stored_feed_get(key=spec.key)
    content = feed and feed_content(feed)
    if feed and content is None:
        # A refresh may have committed between this row and its parts: read it once more
        # before building the feed here (the whole archive, which the worker just did).
        feed = stored_feed_get(key=spec.key)
        content = feed and feed_content(feed)
    if content:
        fair_use.answered_from_store(request)
    else:
        feed = services.feed_build(spec=spec)
        content = feed_content(feed)
        if content is None:
            return None
    return ServedCalendar(
        content=content,
        content_gzip=None,  # made by the first request that takes gzip
        validators=Validators.of(feed.etag, feed.content_changed_at),
        filename=spec.filename,
    )


def feed_not_modified(request, slug: str = "", *, recent_only: bool = False):
    """A 304 when a poll's copy is current by the stored validators, else None (then the caller
    goes on: the view, or the fair-use refusal). `recent_only`: only the validators this process
    read a moment ago, no cache read (the middleware)."""
    try:
        spec = feed_spec_from_query("" if slug == "all" else slug, request.GET)
        alarms = parse_alarms(request.GET.get("alarm"))
    except BadFeedRequest:
        return None  # the view answers 400 with the message
    if recent_only:
        validators = feed_store.feed_validators_recent(spec.key)
    else:
        validators = feed_store.feed_validators(spec.key)
    return validators and not_modified_or_none(request, validators, alarms)


def meeting_response(request, slug: str):
    """One meeting. Public ones are cached whole (any meeting change clears them); a draft is a
    404 for the public and built fresh, never cached, for staff."""
    try:
        alarms = parse_alarms(request.GET.get("alarm"))
    except BadFeedRequest as error:
        return _bad_request(str(error))
    served = meeting_cache.meeting_calendar_cached(slug)
    cache_control = PUBLIC_CACHE_CONTROL
    if served is not None:
        fair_use.answered_from_store(request)
    else:
        meeting = meeting_get(slug=slug, user=request.user)
        changed_at = max(filter(None, [meeting.calendar_changed_at, meeting.updated_at]))
        # Stamped with its last change, as a feed is: built again later (the cache entry
        # gone), the same ETag comes with the same bytes.
        served = served_calendar(
            build_meeting_ics(meeting, stamp=changed_at),
            filename=f"{meeting.slug}.ics",
            changed_at=changed_at,
        )
        if meeting_is_public(meeting):
            meeting_cache.meeting_calendar_remember(slug, served)
        else:
            cache_control = "private, no-store"
    if response := not_modified_or_none(request, served.validators, alarms, cache_control):
        return response
    return CalendarResponse(request, served, alarms=alarms, cache_control=cache_control)


def meeting_not_modified(request, slug: str):
    """Over the fair-use budget: a 304 from the cached one-meeting calendar, else None."""
    try:
        alarms = parse_alarms(request.GET.get("alarm"))
    except BadFeedRequest:
        return None
    served = meeting_cache.meeting_calendar_cached(slug)
    return served and not_modified_or_none(request, served.validators, alarms)
