"""Celery tasks of the materials; each calls one service and is safe to run twice. The
"materials posted" mails are sent by the reminders' dispatcher given the materials' channel,
so they are claimed, sent and marked exactly as reminders are."""

from django.conf import settings

from tug_portal.common.queue import enqueue
from tug_portal.common.tasks import portal_task
from tug_portal.reminders import dispatcher

from . import notify, services
from .notify import MATERIALS_NOTICES


@portal_task()
def expire_materials() -> None:
    """Beat, every 10 minutes: unpublish what is past its last day, re-sync meetings whose
    materials came into view, delete due files."""
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
    """Beat, every minute: plan what a lost planning task left unplanned, take back claims of
    dead workers, skip what is too late, and start as many batches as the due mails need
    (each continues itself while more is due)."""
    notify.notices_plan_missed()
    for _ in range(dispatcher.deliveries_prepare_batches(channel=MATERIALS_NOTICES)):
        enqueue(send_material_notices)


@portal_task(acks_late=True)
def send_material_notices() -> None:
    """Claim and send one batch; safe to run again after a crash (it sends only its claims)."""
    if dispatcher.deliveries_send_batch(channel=MATERIALS_NOTICES).may_have_more:
        enqueue(send_material_notices)
