"""The next meeting of each active program, as the dashboard and the program pages show it, and
the meeting after a meeting, as its page shows it: computed once and kept for as long as each is
exactly right (issue 17: it cost two queries and their ORM work on every
page rendered afresh, though it changes only with an edit or with the clock).

The answer is stored with the page cache's content version (cache.py), which every committed
edit bumps, and with the instant the clock alone would change it (the selectors' rule,
`next_meetings_change_at`). It is served only under the current version and before that
instant, so it is never stale: an edit shows on the next request, and a meeting that ends is
replaced by the next one at once. The version is read before computing, as for pages: an
answer computed while an edit commits is stored under the old version and never served."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import caches
from django.utils import timezone

from tug_portal.meetings import selectors
from tug_portal.meetings.models import Meeting

from .cache import content_version

NEXT_MEETINGS_KEY = "web:next-meetings-by-program"
NEXT_AFTER_KEY = "web:next-meeting-after:{pk}"
# How long the cache keeps an answer the clock never changes; an edit ends it earlier anyway.
LONGEST_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class StoredNextMeetings:
    content_version: int
    valid_until: datetime | None  # None: no meeting is next, the clock changes nothing
    meetings: dict[int, Meeting]  # program id -> its next meeting

    def is_valid(self, version: int, now: datetime) -> bool:
        return self.content_version == version and (
            self.valid_until is None or now < self.valid_until
        )


def next_meetings_by_program(*, version: int | None = None) -> dict[int, Meeting]:
    """`selectors.meetings_next_by_program()` (program id -> next meeting), from the cache while
    it is exactly right. `version`: the content version the view read before its data, else
    read here. Kept with the rows (settings.CACHES["rows"]: Redis, or each process's memory), so
    that a page rendered afresh reads no file of the embedded cache for it."""
    now = timezone.now()
    version = content_version() if version is None else version
    stored = caches["rows"].get(NEXT_MEETINGS_KEY)
    if isinstance(stored, StoredNextMeetings) and stored.is_valid(version, now):
        return stored.meetings
    meetings = selectors.meetings_next_by_program(after=now)
    valid_until = selectors.next_meetings_change_at(meetings)
    kept = LONGEST_KEPT if valid_until is None else min(valid_until - now, LONGEST_KEPT)
    caches["rows"].set(
        NEXT_MEETINGS_KEY,
        StoredNextMeetings(content_version=version, valid_until=valid_until, meetings=meetings),
        # At least a second: the check above, not the cache's expiry, is what keeps it exact.
        timeout=max(1, int(kept.total_seconds()) + 1),
    )
    return meetings


@dataclass(frozen=True)
class StoredNextAfter:
    content_version: int
    meeting: Meeting | None


def next_meeting_after(meeting: Meeting, *, version: int | None = None) -> Meeting | None:
    """`selectors.meeting_next_for_program(program=..., after=meeting.ends_at)`: its program's
    meeting after this one (a meeting page's "Next TUG"). It depends on the meetings, not on
    the clock, so it is kept under the content version alone (`version`: the one the view
    read before its data, else read here)."""
    key = NEXT_AFTER_KEY.format(pk=meeting.pk)
    # One per meeting: kept with the rows (settings.CACHES["rows"]), not in the embedded file
    # cache's 300 entries.
    version = content_version() if version is None else version
    stored = caches["rows"].get(key)
    if isinstance(stored, StoredNextAfter) and stored.content_version == version:
        return stored.meeting
    following = selectors.meeting_next_for_program(program=meeting.program, after=meeting.ends_at)
    stored = StoredNextAfter(content_version=version, meeting=following)
    caches["rows"].set(key, stored, timeout=int(LONGEST_KEPT.total_seconds()))
    return following
