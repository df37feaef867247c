"""A meeting page's meeting (its row, contact, replacement and dial-ins), read once and kept per
content version (issue 17).

Why: with its agenda, announcements, materials and the meeting after it kept, a meeting page
rendered afresh (staff, the first visitor after an edit) spent about half its time reading the
meeting itself: two queries and the ORM's building of them, for facts that change only with an
edit. Nothing of it changes with the clock (the page decides from the meeting's times and now
whether it is still ahead, at every render).

It is kept with the page cache's content version (cache.py), which every committed edit bumps,
and served only under that version (read before the data, as for pages). Staff (who see
drafts) and the public each have their own. A meeting that does not exist, or that the viewer
may not see, is a 404 and is not kept, so the keys are bounded by the meetings there are. Its
program is not kept with it: it comes from the kept reference rows at every render."""

import hashlib
from dataclasses import dataclass

from django.core.cache import caches

from tug_portal.meetings import selectors
from tug_portal.meetings.models import Meeting

KEY_PREFIX = "web:kept-meeting"
# How long the cache keeps a meeting nobody opens again; an edit ends it earlier anyway.
KEPT_SECONDS = 24 * 3600


@dataclass(frozen=True)
class KeptMeeting:
    content_version: int
    meeting: Meeting  # without its program (`selectors.meeting_with_program` adds it)


def meeting_for_page(*, slug: str, user, programs, version: int) -> Meeting:
    """`selectors.meeting_page_get(slug=..., user=..., programs=...)`, kept."""
    cache = caches["rows"]  # beside the rows (Redis, or each process's memory)
    facts = repr((slug, selectors.can_see_drafts(user)))
    key = f"{KEY_PREFIX}:{hashlib.sha256(facts.encode()).hexdigest()}"
    stored = cache.get(key)
    if isinstance(stored, KeptMeeting) and stored.content_version == version:
        meeting = stored.meeting
    else:
        meeting = selectors.meeting_page_row(slug=slug, user=user)
        cache.set(key, KeptMeeting(version, meeting), timeout=KEPT_SECONDS)
    return selectors.meeting_with_program(meeting, programs=programs)
