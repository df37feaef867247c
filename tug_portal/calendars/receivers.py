"""How this app hears of changes: the core's `meetings_changed` signal, sent on commit."""

from tug_portal.common.queue import enqueue_on_commit
from tug_portal.meetings.signals import meetings_changed

from . import meeting_cache
from .tasks import refresh_feeds


def on_meetings_changed(sender, *, meeting_ids, program_ids, system_ids=(), **kwargs):
    # One-meeting calendars are cached; forget them all (they rebuild on their next request).
    meeting_cache.meeting_calendars_forget()
    # Feeds are rebuilt by a worker; if the broker is down, the beat sweep catches up.
    enqueue_on_commit(refresh_feeds, sorted(program_ids), sorted(meeting_ids), sorted(system_ids))


def connect():
    meetings_changed.connect(on_meetings_changed, dispatch_uid="calendars.meetings_changed")
