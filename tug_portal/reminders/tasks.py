"""Celery tasks: each takes ids, calls one service and returns quietly when its object is gone.
Planning tasks are queued on commit of the change that calls for them; sending is driven by
beat (`dispatch_due`, every minute) and continues itself while mail is due."""

from datetime import timedelta

from django.utils import timezone

from tug_portal.common.queue import enqueue
from tug_portal.common.tasks import TRANSIENT_MAIL_ERRORS, portal_task

from . import dispatcher, planner, selectors, services


@portal_task()
def plan_meetings(meeting_ids: list[int]) -> None:
    """Meetings changed (the core's `meetings_changed`): re-plan their mails."""
    if planner.meetings_plan_deliveries(meeting_ids=meeting_ids):
        enqueue(dispatch_due)


@portal_task()
def plan_program(program_id: int) -> None:
    """A subscription or the reminder settings of a program changed."""
    if planner.program_plan_deliveries(program_id=program_id):
        enqueue(dispatch_due)


@portal_task()
def sweep_reminders() -> None:
    """Beat, every 10 minutes: re-plan upcoming meetings' reminders and re-send lost
    confirmation mails and subscription requests (whatever a lost task would have done); forget
    what has aged out (confirmation mail counts, subscriptions never confirmed)."""
    if planner.upcoming_plan_deliveries():
        enqueue(dispatch_due)
    awaiting = selectors.subscriptions_awaiting_confirmation_mail(
        since=timezone.now() - timedelta(days=1)
    )
    for subscription_id in awaiting.values_list("pk", flat=True):
        enqueue(send_confirmation, subscription_id)
    stored = selectors.subscription_requests_waiting(before=timezone.now() - timedelta(minutes=1))
    for request_id in stored.values_list("pk", flat=True):
        enqueue(handle_subscription_request, request_id)
    services.confirmation_mails_prune()
    services.subscriptions_unconfirmed_prune()


# The name `sweep_reminders` had before it said what it sweeps: a message queued under the old
# name before a deploy still runs. (Beat's stored entry, "reminders-sweep", is rewritten to the
# new name from settings.CELERY_BEAT_SCHEDULE when beat starts.)
sweep_reminders_old_name = portal_task(name="tug_portal.reminders.tasks.sweep")(sweep_reminders.run)


@portal_task()
def dispatch_due() -> None:
    """Beat, every minute: housekeeping, then as many parallel batches as the due mail needs
    (at most REMINDER_DISPATCH_PARALLELISM; each continues itself while more is due)."""
    for _ in range(dispatcher.deliveries_prepare_batches()):
        enqueue(send_batch)


@portal_task(acks_late=True)
def send_batch() -> None:
    """Claim and send one batch. Safe to run any number of times, at once or again after a
    crash: it only ever sends rows it claimed itself."""
    if dispatcher.deliveries_send_batch().may_have_more:
        enqueue(send_batch)


@portal_task()
def handle_subscription_request(request_id: int) -> None:
    """The subscribe form's request: the lookups, the subscription, its confirmation mail (a
    task of its own, queued on commit). Runs once per request, however often it is queued."""
    services.subscription_request_handle(request_id=request_id)


@portal_task(retry_for=TRANSIENT_MAIL_ERRORS, max_retries=5)
def send_confirmation(subscription_id: int) -> None:
    """Only transient SMTP errors reach here (the service swallows a refused address)."""
    services.subscription_send_confirmation(subscription_id=subscription_id)


@portal_task(retry_for=TRANSIENT_MAIL_ERRORS, max_retries=5)
def send_welcome(subscription_id: int) -> None:
    services.subscription_send_welcome(subscription_id=subscription_id)
