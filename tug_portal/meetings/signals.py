"""The one way the core tells other apps that published content changed.

`meetings_changed` is sent after the transaction that changed something has committed, with
the ids of the meetings an edit touched or whose calendar-visible facts changed (including
deleted ones), of the programs they belong to, and of the systems saved (`system_ids`: a
system's name or code is shown by its calendar feeds even when no meeting names it). A
consumer that cares only about what SEQUENCE tracks compares the meeting's `calendar_sequence`
with what it last saw.

The core never calls its consumers; it sends this signal from one place,
`services.meetings_sync_calendar_state`, which runs on commit of every edit (`changes.py`) and
also from the feeds' periodic sweep (`calendars.services.feeds_sweep`, beat every 5 minutes), so
an edit whose on-commit hook never ran still reaches every listener.

Each consumer app wires its listeners in its own `receivers.py`, connected in its `apps.ready`:
- calendars/receivers.py `on_meetings_changed`: forgets the cached one-meeting calendars and
  queues `calendars.tasks.refresh_feeds` for those programs;
- reminders/receivers.py `_meetings_changed`: queues `reminders.tasks.plan_meetings`;
- web/receivers.py `content_version_bump` (web/cache.py): every cached public page is stale.
"""

from django.dispatch import Signal

# kwargs: meeting_ids (set[int]), program_ids (set[int]), system_ids (set[int])
meetings_changed = Signal()
