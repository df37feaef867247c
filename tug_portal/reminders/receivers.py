"""How reminders learn of changes made elsewhere: the core's `meetings_changed` (sent after the
change committed) and the creation of a program (which gets the default reminder settings)."""

from django.db.models.signals import post_save

from tug_portal.common.queue import enqueue_on_commit
from tug_portal.meetings.models import Program
from tug_portal.meetings.signals import meetings_changed

from . import services, tasks


def _meetings_changed(sender, meeting_ids, **kwargs):
    enqueue_on_commit(tasks.plan_meetings, sorted(meeting_ids))


def _program_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.reminder_policy_ensure(program=instance)


def connect() -> None:
    meetings_changed.connect(_meetings_changed, dispatch_uid="reminders.meetings_changed")
    post_save.connect(_program_saved, sender=Program, dispatch_uid="reminders.program_saved")
