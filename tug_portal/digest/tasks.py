"""Celery tasks of the digest: beat plans (every 10 minutes) and dispatches (every minute); the
batches are the reminders' dispatcher given the digest's channel, so they are claimed, sent and
marked exactly as reminders are."""

from tug_portal.common.queue import enqueue
from tug_portal.common.tasks import portal_task
from tug_portal.reminders import dispatcher

from . import planner
from .channel import DIGESTS


@portal_task()
def plan_digests() -> None:
    """Beat: a row for each digest whose local send moment is near; send what is due."""
    if planner.digests_plan():
        enqueue(dispatch_digests)


@portal_task()
def dispatch_digests() -> None:
    """Beat, every minute: take back claims of dead workers, skip what is too late, and start
    as many batches as the due digests need (each continues itself while more is due)."""
    for _ in range(dispatcher.deliveries_prepare_batches(channel=DIGESTS)):
        enqueue(send_digest_batch)


@portal_task(acks_late=True)
def send_digest_batch() -> None:
    """Claim and send one batch; safe to run again after a crash (it sends only its claims)."""
    if dispatcher.deliveries_send_batch(channel=DIGESTS).may_have_more:
        enqueue(send_digest_batch)
