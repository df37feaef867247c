"""The one way the core tells other apps that published content changed.

`meetings_changed` is sent after the transaction that changed something has committed, with
the ids of the meetings whose calendar-visible facts changed (including deleted ones) and of the
programs they belong to. Feeds rebuild and reminders re-plan on it; the core never calls them.
"""

from django.dispatch import Signal

# kwargs: meeting_ids (set[int]), program_ids (set[int])
meetings_changed = Signal()
