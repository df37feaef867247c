"""How the materials reach the core's calendar state: their public part is a registered part of
each meeting's snapshot, and every save or delete of a material notes its meeting with the
core's change collector (meetings/changes.py), which re-syncs it once the transaction commits.
A change the public sees then bumps the meeting's SEQUENCE and sends `meetings_changed`: feeds
are rebuilt, cached pages dropped, as for any other edit."""

from django.db.models.signals import post_delete, post_save

from tug_portal.common.queue import enqueue_on_commit
from tug_portal.meetings import changes
from tug_portal.meetings.calendar_state import snapshot_part_register
from tug_portal.meetings.signals import meetings_changed

from .models import Material
from .selectors import meetings_materials_snapshot


def _material_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        changes.note(meeting_ids=[instance.meeting_id])


def _meetings_changed(sender, meeting_ids, **kwargs):
    from .tasks import plan_material_notices

    enqueue_on_commit(plan_material_notices, sorted(meeting_ids))


def connect() -> None:
    meetings_changed.connect(_meetings_changed, dispatch_uid="materials.meetings_changed")
    snapshot_part_register("materials", meetings_materials_snapshot)
    post_save.connect(_material_changed, sender=Material, dispatch_uid="materials.saved")
    post_delete.connect(_material_changed, sender=Material, dispatch_uid="materials.deleted")
