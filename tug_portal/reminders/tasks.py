"""Celery tasks: each takes ids, calls one service and returns quietly when its object is gone.
Planning tasks are queued on commit of the change that calls for them; sending is driven by
beat (`dispatch_due`, every minute) and continues itself while mail is due."""

import math
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from tug_portal.common.queue import enqueue

from . import dispatcher, planner, selectors, services

# "database is locked" (SQLite) or a dropped connection (PostgreSQL): worth a few more tries.
TRANSIENT_DB_ERRORS = (OperationalError,)
RETRY = {
    "autoretry_for": TRANSIENT_DB_ERRORS,
    "max_retries": 3,
    "retry_backoff": True,
    "ignore_result": True,
}


@shared_task(**RETRY)
def plan_meetings(meeting_ids: list[int]) -> None:
    """Meetings changed (the core's `meetings_changed`): re-plan their mails."""
    if planner.meetings_plan_deliveries(meeting_ids=meeting_ids):
        enqueue(dispatch_due)


@shared_task(**RETRY)
def plan_program(program_id: int) -> None:
    """A subscription or the reminder settings of a program changed."""
    if planner.program_plan_deliveries(program_id=program_id):
        enqueue(dispatch_due)


@shared_task(**RETRY)
def sweep() -> None:
    """Beat: catch up on whatever a lost task would have done."""
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


@shared_task(**RETRY)
def dispatch_due() -> None:
    """Beat, every minute: housekeeping, then as many parallel batches as the due mail needs
    (at most REMINDER_DISPATCH_PARALLELISM; each continues itself while more is due)."""
    dispatcher.deliveries_release_stale_claims()
    dispatcher.deliveries_expire()
    due = dispatcher.deliveries_due_count()
    batches = min(
        math.ceil(due / settings.REMINDER_BATCH_SIZE), settings.REMINDER_DISPATCH_PARALLELISM
    )
    for _ in range(batches):
        enqueue(send_batch)


@shared_task(acks_late=True, **RETRY)
def send_batch() -> None:
    """Claim and send one batch. Safe to run any number of times, at once or again after a
    crash: it only ever sends rows it claimed itself."""
    if dispatcher.deliveries_send_batch().may_have_more:
        enqueue(send_batch)


@shared_task(**RETRY)
def handle_subscription_request(request_id: int) -> None:
    """The subscribe form's request: the lookups, the subscription, its confirmation mail (a
    task of its own, queued on commit). Runs once per request, however often it is queued."""
    services.subscription_request_handle(request_id=request_id)


@shared_task(
    autoretry_for=(*TRANSIENT_DB_ERRORS, OSError, smtplib.SMTPException),
    max_retries=5,
    retry_backoff=True,
    ignore_result=True,
)
def send_confirmation(subscription_id: int) -> None:
    """Only transient SMTP errors reach here (the service swallows a refused address)."""
    services.subscription_send_confirmation(subscription_id=subscription_id)


@shared_task(
    autoretry_for=(*TRANSIENT_DB_ERRORS, OSError, smtplib.SMTPException),
    max_retries=5,
    retry_backoff=True,
    ignore_result=True,
)
def send_welcome(subscription_id: int) -> None:
    services.subscription_send_welcome(subscription_id=subscription_id)
