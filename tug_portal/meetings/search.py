"""Search and filter reads for the stakeholder lists: the dashboard, a program's page and the
announcements.

Free text is split into words; every word must match somewhere (AND), as the start of a word, so
"accept polic" finds the "Acceptable Use Policy". A meeting matches on its title and notes, its
agenda topics' titles and bodies and its facilitators' names; an announcement on its title and
body. PostgreSQL uses its full-text search (English stemming, prefix queries); other databases
(SQLite, the embedded default) a portable case-insensitive substring match. Each condition is an
EXISTS subquery, never a join, so rows are not repeated and every list costs the same few
queries at 3 meetings as at 3,000.
"""

import re
from datetime import datetime

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import connection, models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import AgendaTopic, Announcement, Meeting, StayConnectedLink, System
from .selectors import (
    announcements_visible,
    can_see_drafts,
    meetings_visible,
    public_meetings_filter,
    topics_for_lists,
)

SEARCH_CONFIG = "english"
MAX_TERMS = 8  # a search box, not a document: longer input only slows the query down


class When(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    PAST = "past", "Past"
    ALL = "all", "All"


def search_terms(text: str) -> list[str]:
    """The words of a search: letters and digits only, so no input can break a query."""
    return re.findall(r"\w+", (text or "").lower())[:MAX_TERMS]


def _text_matches(fields: tuple[str, ...], term: str) -> Q:
    """Any of `fields` contains a word starting with `term`."""
    if connection.vendor == "postgresql":
        # A raw tsquery "term:*" is a prefix query; `term` holds only word characters.
        query = SearchQuery(f"{term}:*", search_type="raw", config=SEARCH_CONFIG)
        return Q(SearchVectorExact(SearchVector(*fields, config=SEARCH_CONFIG), query))
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": term})
    return condition


def _meeting_matches(term: str) -> Q:
    topic_matches = AgendaTopic.objects.filter(
        _text_matches(("title", "body", "facilitators__name"), term), meeting=OuterRef("pk")
    )
    return _text_matches(("title", "notes"), term) | Q(Exists(topic_matches))


def _meeting_is_about(system_code: str) -> Exists:
    return Exists(
        AgendaTopic.objects.filter(meeting=OuterRef("pk"), systems__code__iexact=system_code)
    )


def _in_time(meetings: QuerySet[Meeting], when: str, now: datetime) -> QuerySet[Meeting]:
    """Upcoming soonest first (a meeting under way is still upcoming); past and all, latest
    first."""
    if when == When.UPCOMING:
        return meetings.upcoming(now)
    if when == When.PAST:
        return meetings.past(now)
    return meetings.order_by("-starts_at", "-pk")


def meetings_search(
    *,
    user=None,
    text: str = "",
    program_slug: str = "",
    system_code: str = "",
    when: str = When.UPCOMING,
    now: datetime | None = None,
) -> QuerySet[Meeting]:
    """Visible meetings matching the filters, with what a list row shows (program, topics with
    their systems) prefetched."""
    meetings = meetings_visible(user=user)
    if program_slug:
        meetings = meetings.filter(program__slug=program_slug)
    if system_code:
        meetings = meetings.filter(_meeting_is_about(system_code))
    for term in search_terms(text):
        meetings = meetings.filter(_meeting_matches(term))
    meetings = _in_time(meetings, when, now or timezone.now())
    return meetings.select_related("program").prefetch_related(
        Prefetch("topics", queryset=topics_for_lists())
    )


def announcements_search(
    *,
    user=None,
    text: str = "",
    program_slug: str = "",
    system_code: str = "",
    kind: str = "",
) -> QuerySet[Announcement]:
    """Visible announcements matching the filters, newest first. An announcement belongs to a
    program through the meeting it was presented at or the meeting it announces."""
    announcements = announcements_visible(user=user).select_related(
        "presented_at", "presented_at__program"
    )
    if program_slug:
        # Only through meetings the viewer may see: the link to a draft or a retired program's
        # meeting is not revealed by the filter either.
        presented, related = Q(), Q()
        if not can_see_drafts(user):
            presented = public_meetings_filter("presented_at__")
            related = public_meetings_filter("related_meeting__")
        announcements = announcements.filter(
            (presented & Q(presented_at__program__slug=program_slug))
            | (related & Q(related_meeting__program__slug=program_slug))
        )
    if system_code:
        announcements = announcements.filter(
            Exists(
                Announcement.systems.through.objects.filter(
                    announcement=OuterRef("pk"), system__code__iexact=system_code
                )
            )
        )
    if kind:
        announcements = announcements.filter(kind=kind)
    for term in search_terms(text):
        announcements = announcements.filter(_text_matches(("title", "body"), term))
    return announcements


def systems_all() -> QuerySet[System]:
    """The systems a stakeholder can filter by, by code."""
    return System.objects.order_by("code")


def stay_connected_links_all() -> list[StayConnectedLink]:
    """The "stay connected" links of every active program, each label and address once (the
    programs of one operator usually share them): for pages that belong to no one program."""
    links = StayConnectedLink.objects.filter(program__is_active=True).order_by(
        "order", "program__acronym", "pk"
    )
    unique = {}
    for link in links:
        unique.setdefault((link.label, link.url), link)
    return list(unique.values())
