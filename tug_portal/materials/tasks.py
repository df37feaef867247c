"""Celery tasks of the materials; each calls one service and is safe to run twice."""

from django.conf import settings
from django.utils import timezone

from tug_portal.common.queue import enqueue
from tug_portal.common.tasks import portal_task

from . import notify, services


@portal_task()
def expire_materials() -> None:
    """Beat, every 10 minutes: unpublish what is past its last day, delete due files."""
    services.materials_expire()


@portal_task()
def plan_material_notices(meeting_ids: list[int]) -> None:
    """What the public sees of these meetings changed (the core's `meetings_changed`): batch
    their newly public materials and plan the "materials posted" mails."""
    planned = sum(notify.notices_plan(meeting_id=pk) for pk in meeting_ids)
    if planned and not settings.TUG_MATERIALS_NOTICE_DELAY_SECONDS:
        enqueue(send_material_notices)


@portal_task()
def dispatch_material_notices() -> None:
    """Beat, every minute: take back claims of dead workers, send what is due."""
    notify.notices_release_stale_claims()
    if notify.notices_due(now=timezone.now()).exists():
        enqueue(send_material_notices)


@portal_task(acks_late=True)
def send_material_notices() -> None:
    """Claim and send one batch; only ever sends rows it claimed itself."""
    if notify.notices_send_batch() >= settings.REMINDER_BATCH_SIZE:
        enqueue(send_material_notices)
