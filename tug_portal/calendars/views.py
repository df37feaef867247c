"""Feeds, one-meeting calendars and the subscribe help page. Thin: parse, then serve what the
builds stored (see serving.py for why a 304 costs no query and a 200 one cache read)."""

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tug_portal.meetings.selectors import meeting_get, meeting_is_public, programs_active

from . import services, serving
from .builders import build_meeting_ics
from .feeds import BadFeedRequest, feed_spec_from_query
from .links import program_subscribe_links
from .selectors import feed_scope_exists, stored_feed_get


def _bad_request(message: str):
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _serve_feed(request, *, program: str):
    try:
        spec = feed_spec_from_query(program, request.GET)
        alarms = serving.parse_alarms(request.GET.get("alarm"))
    except BadFeedRequest as error:
        return _bad_request(str(error))
    validators = serving.feed_validators_for(request, spec.key)
    if validators:
        if response := serving.not_modified_or_none(request, validators, alarms):
            return response
        if served := serving.feed_served(spec.key, validators, filename=spec.filename):
            return serving.CalendarResponse(request, served, alarms=alarms)
    elif not feed_scope_exists(spec):
        # Never published: most likely a URL that names nothing. One small query decides,
        # before the stored row, a build or anything this process would keep.
        raise Http404("No such program or system.")
    served = _stored_feed(spec)
    serving.feed_keep(spec.key, served)
    if validators != served.validators and (
        response := serving.not_modified_or_none(request, served.validators, alarms)
    ):
        return response
    return serving.CalendarResponse(request, served, alarms=alarms)


def _stored_feed(spec) -> serving.ServedCalendar:
    feed = stored_feed_get(key=spec.key)
    if feed is None:
        # Never built (a combination nobody asked for yet, or the first request after a
        # deploy before the sweep ran): build it once, here; from now on Celery keeps it.
        feed = services.feed_build(spec=spec)
    return serving.ServedCalendar(
        content=bytes(feed.content),
        content_gzip=bytes(feed.content_gzip),
        validators=serving.Validators.of(feed.etag, feed.content_changed_at),
        filename=spec.filename,
    )


@require_safe
def feed_all(request):
    return _serve_feed(request, program="")


@require_safe
def feed_program(request, slug):
    return _serve_feed(request, program=slug)


@require_safe
def meeting_ics(request, slug):
    """One meeting. Public ones are cached whole (any meeting change clears them); a draft is a
    404 for the public and built fresh, never cached, for staff."""
    try:
        alarms = serving.parse_alarms(request.GET.get("alarm"))
    except BadFeedRequest as error:
        return _bad_request(str(error))
    served = serving.meeting_calendar_cached(slug)
    cache_control = serving.PUBLIC_CACHE_CONTROL
    if served is None:
        meeting = meeting_get(slug=slug, user=request.user)
        served = serving.served_calendar(
            build_meeting_ics(meeting),
            filename=f"{meeting.slug}.ics",
            changed_at=max(filter(None, [meeting.calendar_changed_at, meeting.updated_at])),
        )
        if meeting_is_public(meeting):
            serving.meeting_calendar_remember(slug, served)
        else:
            cache_control = "private, no-store"
    if response := serving.not_modified_or_none(request, served.validators, alarms, cache_control):
        return response
    return serving.CalendarResponse(request, served, alarms=alarms, cache_control=cache_control)


@require_safe
def subscribe_help(request):
    feeds = [("All programs", program_subscribe_links())] + [
        (f"{program.name} ({program.acronym})", program_subscribe_links(program))
        for program in programs_active()
    ]
    return render(request, "calendars/help.html", {"feeds": feeds})
