"""A list's page (its rows' values and the whole list's size), read once and kept while it is
exactly right (issue 17).

Why: with its rows, fragments and reference rows kept, a list page rendered afresh (staff, the
first visitor after an edit) still read its page of meetings: about a fifth of the page's time,
most of it the ORM building the SQL of a query whose answer changes only with an edit or with
the clock.

When a kept page is served, it is the page the query would read:
- it is stored with the page cache's content version (cache.py), which every committed edit
  bumps, and served only under that version (the version is read before the data, as for
  pages: a page read while an edit commits is stored under the old version);
- a meeting list changes with the clock alone when a meeting ends: "upcoming" holds the
  meetings that end at or after now, "past" those that ended. So a meeting page is kept until
  the first instant any meeting ends (`selectors.meetings_first_end`, itself kept per version),
  and read again after it;
- staff see drafts, the public does not: each has its own;
- typed words are never kept (any text would be a key of its own: a flood of searches would
  fill the cache); only the choices are (program, system, when, kind, page), so the keys are
  bounded by the data. A page past the last is a 404 and not kept.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import caches
from django.core.paginator import Page, Paginator
from django.utils import timezone

from tug_portal.meetings import selectors

from .pagination import paginate

KEY_PREFIX = "web:kept-list"
FIRST_END_KEY = "web:first-meeting-end"
# How long the cache keeps a page nobody asks for again; an edit ends it earlier anyway.
KEPT_SECONDS = 24 * 3600


@dataclass(frozen=True)
class KeptPage:
    content_version: int
    valid_until: datetime | None  # None: the clock changes nothing (no meeting is ahead)
    rows: list
    count: int

    def is_valid(self, version: int, now: datetime) -> bool:
        return self.content_version == version and (
            self.valid_until is None or now <= self.valid_until
        )


@dataclass(frozen=True)
class KeptFirstEnd:
    content_version: int
    first_end: datetime | None


def list_page(
    search: Callable,
    arguments: dict,
    *,
    number: int,
    per_page: int,
    version: int,
    typed_text: str,
    changes_with_clock: bool,
) -> Page:
    """`paginate(search(**arguments), number, per_page)`, kept (the module says when).
    `typed_text`: what was typed in the search box (nothing is kept for it); `changes_with_clock`:
    a meeting list (which the end of a meeting changes)."""
    if typed_text:
        return paginate(search(**arguments), number, per_page)
    now = timezone.now()
    cache = caches["rows"]  # beside the rows it lists (Redis, or each process's memory)
    key = _key(search, arguments, number=number, per_page=per_page)
    stored = cache.get(key)
    if isinstance(stored, KeptPage) and stored.is_valid(version, now):
        return _page_of(stored, number=number, per_page=per_page)
    # Before the query: the meetings' membership of "upcoming" and "past" is the same from now
    # until then, so the page read next is right until then.
    valid_until = first_meeting_end(version=version, now=now) if changes_with_clock else None
    page = paginate(search(**arguments), number, per_page)
    kept = KeptPage(version, valid_until, list(page.object_list), page.paginator.count)
    cache.set(key, kept, timeout=KEPT_SECONDS)
    return page


def first_meeting_end(*, version: int, now: datetime) -> datetime | None:
    """The first instant at or after `now` at which a meeting ends (any meeting: drafts and
    retired programs' too, which staff see listed), kept per content version."""
    cache = caches["rows"]
    stored = cache.get(FIRST_END_KEY)
    if (
        isinstance(stored, KeptFirstEnd)
        and stored.content_version == version
        and (stored.first_end is None or now <= stored.first_end)
    ):
        return stored.first_end
    first_end = selectors.meetings_first_end(after=now)
    cache.set(FIRST_END_KEY, KeptFirstEnd(version, first_end), timeout=KEPT_SECONDS)
    return first_end


def _key(search: Callable, arguments: dict, *, number: int, per_page: int) -> str:
    # The viewer counts only as "sees drafts" or not. The forms clean a program's slug and a
    # system's code to its own spelling, so a name typed in another case shares the key.
    shown = {
        name: selectors.can_see_drafts(value) if name == "user" else value
        for name, value in arguments.items()
    }
    facts = repr((search.__module__, search.__qualname__, sorted(shown.items()), number, per_page))
    return f"{KEY_PREFIX}:{hashlib.sha256(facts.encode()).hexdigest()}"


def _page_of(kept: KeptPage, *, number: int, per_page: int) -> Page:
    paginator = Paginator(kept.rows, per_page)
    paginator.count = kept.count  # a cached property: the whole list's size, not the page's
    return Page(kept.rows, number, paginator)
