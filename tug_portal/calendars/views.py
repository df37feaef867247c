"""Feeds, one-meeting calendars and the subscribe help page. Each calendar view is one call
into serving.py, which answers the request from what the builds stored."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from tug_portal.common import fair_use
from tug_portal.meetings.moved import moved_to_own_slug
from tug_portal.meetings.search import systems_all
from tug_portal.meetings.selectors import programs_active

from . import serving
from .links import program_subscribe_links

# Where a feed poll (If-None-Match / If-Modified-Since) is answered, before these views run:
# - calendars/middleware.py (FeedNotModifiedMiddleware, listed early in settings.MIDDLEWARE)
#   answers a poll whose copy is the one this process knew current a few seconds ago. Nearly
#   every request for a feed is such a poll; answering it there skips sessions, auth, URL
#   resolving and the fair-use budget, and reads nothing (not even the cache).
# - over the fair-use budget, `serving.feed_not_modified` (declared below) gives the 304 from
#   the cached validators, or the request is refused without running the view.


@fair_use.answers_polls_with(serving.feed_not_modified)
@require_safe
def feed_all(request):
    """/calendar/all.ics: every program. The early 304 is answered in calendars/middleware.py
    (see the comment above), so this view sees downloads and polls of other copies."""
    return serving.feed_response(request, program="")


@fair_use.answers_polls_with(serving.feed_not_modified)
@require_safe
def feed_program(request, slug):
    """/calendar/<slug>.ics: one program. The early 304 is answered in calendars/middleware.py
    (see the comment above), so this view sees downloads and polls of other copies."""
    return serving.feed_response(request, program=slug)


@fair_use.answers_polls_with(serving.meeting_not_modified)
@require_safe
@moved_to_own_slug("calendars:meeting_ics")
def meeting_ics(request, slug):
    """/meetings/<slug>.ics: one meeting (a draft is a 404 for the public)."""
    return serving.meeting_response(request, slug)


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
