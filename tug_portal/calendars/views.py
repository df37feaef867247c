"""Feeds, one-meeting calendars and the subscribe help page. Thin: parse, then serve what the
builds stored (see serving.py for why a 304 costs no query and a 200 one cache read)."""

from urllib.parse import urlencode

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from tug_portal.common import fair_use
from tug_portal.meetings.search import systems_all
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
            fair_use.answered_from_store(request)
            return serving.CalendarResponse(request, served, alarms=alarms)
    elif not feed_scope_exists(spec):
        # Never published: most likely a URL that names nothing. One small query decides,
        # before the stored row, a build or anything this process would keep.
        raise Http404("No such program or system.")
    served = _stored_feed(request, spec)
    serving.feed_keep(spec.key, served)
    if validators != served.validators and (
        response := serving.not_modified_or_none(request, served.validators, alarms)
    ):
        return response
    return serving.CalendarResponse(request, served, alarms=alarms)


def _stored_feed(request, spec) -> serving.ServedCalendar:
    feed = stored_feed_get(key=spec.key)
    if feed is not None:
        fair_use.answered_from_store(request)
    else:
        # Never built (a combination nobody asked for yet, or the first request after a
        # deploy before the sweep ran): build it once, here; from now on Celery keeps it.
        feed = services.feed_build(spec=spec)
    return serving.ServedCalendar(
        content=bytes(feed.content),
        content_gzip=bytes(feed.content_gzip),
        validators=serving.Validators.of(feed.etag, feed.content_changed_at),
        filename=spec.filename,
    )


def _feed_not_modified(request, slug=""):
    """Over the fair-use budget, a poll is answered only by the stored validators: 304 or
    nothing (the limiter then refuses it without running the view)."""
    try:
        spec = feed_spec_from_query("" if slug == "all" else slug, request.GET)
        alarms = serving.parse_alarms(request.GET.get("alarm"))
    except BadFeedRequest:
        return None
    validators = serving.feed_validators(spec.key)
    return validators and serving.not_modified_or_none(request, validators, alarms)


def _meeting_not_modified(request, slug):
    try:
        alarms = serving.parse_alarms(request.GET.get("alarm"))
    except BadFeedRequest:
        return None
    served = serving.meeting_calendar_cached(slug)
    return served and serving.not_modified_or_none(request, served.validators, alarms)


@fair_use.answers_polls_with(_feed_not_modified)
@require_safe
def feed_all(request):
    return _serve_feed(request, program="")


@fair_use.answers_polls_with(_feed_not_modified)
@require_safe
def feed_program(request, slug):
    return _serve_feed(request, program=slug)


@fair_use.answers_polls_with(_meeting_not_modified)
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
    if served is not None:
        fair_use.answered_from_store(request)
    else:
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


def _feed_card(name: str, links: dict, key: str, reminders_query: str = "") -> dict:
    reminders = reverse("reminders:subscribe") + (f"?{reminders_query}" if reminders_query else "")
    return {"name": name, "links": links, "key": key, "reminders_url": reminders}


@require_safe
def subscribe_help(request):
    """Every feed there is to follow: all programs, each program, each system (DRRS, OMS, ...),
    each with its reminders sign-up."""
    feeds = [_feed_card("All programs", program_subscribe_links(), "all")] + [
        _feed_card(
            f"{program.name} ({program.acronym})",
            program_subscribe_links(program),
            program.slug,
            urlencode({"program": program.slug}),
        )
        for program in programs_active()
    ]
    system_feeds = [
        _feed_card(
            f"{system.code}: {system.name}",
            program_subscribe_links(system=system.code),
            f"system-{system.code.lower()}",
            urlencode({"system": system.code}),
        )
        for system in systems_all()
    ]
    context = {"feeds": feeds, "system_feeds": system_feeds}
    return render(request, "calendars/help.html", context)
