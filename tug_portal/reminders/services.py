"""Writes about subscribers, subscriptions and reminder settings. Keyword-only functions, each
one transaction. Planning and sending live in planner.py and dispatcher.py."""

import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import transaction
from django.utils import timezone

from tug_portal.common.queue import enqueue_on_commit
from tug_portal.meetings.models import Program, System

from . import mail, tasks
from .models import Delivery, ReminderOffset, ReminderPolicy, Subscriber, Subscription
from .smtp_errors import classify

logger = logging.getLogger(__name__)

Status = Subscription.Status


def normalize_email(email: str) -> str:
    """One subscriber per mailbox, however it is typed (“Ann@Example.com ” = “ann@example.com”)."""
    return email.strip().lower()


# --- Reminder settings ----------------------------------------------------------------------


@transaction.atomic
def reminder_policy_ensure(*, program: Program) -> ReminderPolicy:
    """The program's reminder settings, created with the default offsets the first time."""
    policy, created = ReminderPolicy.objects.get_or_create(program=program)
    if created:
        ReminderOffset.objects.bulk_create(
            ReminderOffset(policy=policy, before=timedelta(minutes=minutes))
            for minutes in settings.REMINDER_DEFAULT_OFFSETS_MINUTES
        )
    return policy


def reminder_policy_changed(*, program_id: int) -> None:
    """Staff changed a program's reminders: re-plan its meetings once the change commits."""
    enqueue_on_commit(tasks.plan_program, program_id)


# --- Subscribing ----------------------------------------------------------------------------


@transaction.atomic
def subscription_request(
    *, email: str, program: Program, systems: Iterable[System] = ()
) -> Subscription:
    """Someone asked for a program's reminders. Nothing is sent to them until they follow the
    link of the confirmation mail queued here (double opt-in). Asking again for a confirmed
    subscription changes nothing but mails them their preferences link, so the form never
    reveals who is subscribed and never lets anyone change another person's settings."""
    subscriber, _ = Subscriber.objects.get_or_create(email=normalize_email(email))
    subscription, _ = Subscription.objects.select_for_update().get_or_create(
        subscriber=subscriber, program=program
    )
    now = timezone.now()
    if subscription.status != Status.CONFIRMED:
        subscription.status = Status.UNCONFIRMED
        subscription.systems.set(systems)
    # At most one mail per interval to an address, however often the form is sent.
    recently_mailed = subscription.confirmation_sent_at and (
        now - subscription.confirmation_sent_at
        < timedelta(seconds=settings.REMINDER_CONFIRMATION_RESEND_SECONDS)
    )
    if not recently_mailed:
        subscription.confirmation_requested_at = now
        enqueue_on_commit(tasks.send_confirmation, subscription.pk)
    subscription.save(update_fields=["status", "confirmation_requested_at", "updated_at"])
    return subscription


def subscription_send_confirmation(*, subscription_id: int) -> bool:
    """Send the confirmation mail asked for (or, when already confirmed, the preferences link).
    Not one transaction on purpose: no lock is held while the SMTP server answers. Two tasks
    for one request may both send; the cost is a second confirmation mail."""
    subscription = (
        Subscription.objects.select_related("subscriber", "program")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None or not _confirmation_wanted(subscription):
        return False
    try:
        mail.confirmation_message(subscription).send()
    except (smtplib.SMTPException, OSError) as error:
        failure = classify(error)
        if not failure.bounces:
            raise  # transient: the task retries
        logger.warning("Confirmation mail to %s refused: %s", subscription.subscriber, failure)
        return False
    Subscription.objects.filter(pk=subscription.pk).update(confirmation_sent_at=timezone.now())
    return True


def _confirmation_wanted(subscription: Subscription) -> bool:
    requested, sent = subscription.confirmation_requested_at, subscription.confirmation_sent_at
    return (
        subscription.status != Status.UNSUBSCRIBED
        and requested is not None
        and (sent is None or sent < requested)
    )


@transaction.atomic
def subscription_confirm(*, subscription: Subscription) -> bool:
    """The address owner followed the confirmation link. False when there was nothing to
    confirm (already confirmed, or unsubscribed since: a stale link subscribes nobody)."""
    locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if locked.status != Status.UNCONFIRMED:
        return False
    now = timezone.now()
    locked.status, locked.confirmed_at = Status.CONFIRMED, now
    locked.save(update_fields=["status", "confirmed_at", "updated_at"])
    # The mail reached them, so the address takes mail again.
    _subscriber_clear_bouncing(locked.subscriber_id)
    enqueue_on_commit(tasks.plan_program, locked.program_id)
    enqueue_on_commit(tasks.send_welcome, locked.pk)
    subscription.status, subscription.confirmed_at = locked.status, locked.confirmed_at
    return True


def subscription_send_welcome(*, subscription_id: int) -> bool:
    """Once, after confirming: the mail that keeps the preferences link. (Queued only by the
    confirmation that changed the status, so a second click sends nothing.)"""
    subscription = (
        Subscription.objects.select_related("subscriber", "program")
        .filter(pk=subscription_id, status=Status.CONFIRMED)
        .first()
    )
    if subscription is None or subscription.subscriber.is_bouncing:
        return False
    try:
        mail.confirmation_message(subscription, welcome=True).send()
    except (smtplib.SMTPException, OSError) as error:
        failure = classify(error)
        if not failure.bounces:
            raise
        logger.warning("Welcome mail to %s refused: %s", subscription.subscriber, failure)
        return False
    return True


@transaction.atomic
def subscription_unsubscribe(*, subscription: Subscription) -> None:
    """Stop every mail of this subscription, including those already planned. Idempotent."""
    now = timezone.now()
    if subscription.status != Status.UNSUBSCRIBED:
        subscription.status, subscription.unsubscribed_at = Status.UNSUBSCRIBED, now
        subscription.save(update_fields=["status", "unsubscribed_at", "updated_at"])
    subscription.deliveries.filter(state__in=Delivery.WAITING).update(
        state=Delivery.State.SKIPPED, note="unsubscribed", next_attempt_at=None
    )


@transaction.atomic
def subscriber_update_preferences(
    *, subscriber: Subscriber, choices: dict[Program, list[System] | None]
) -> None:
    """For each program in `choices`: None to stop its reminders, else the systems to narrow
    them to (empty: every meeting). Programs left out are not touched. Coming from a signed
    link, a new subscription needs no further confirmation."""
    existing = {
        s.program_id: s for s in subscriber.subscriptions.select_for_update().order_by("pk")
    }
    now = timezone.now()
    for program, systems in choices.items():
        subscription = existing.get(program.pk)
        if systems is None:
            if subscription is not None:
                subscription_unsubscribe(subscription=subscription)
            continue
        subscription = subscription or Subscription(subscriber=subscriber, program=program)
        if subscription.status != Status.CONFIRMED:
            subscription.status, subscription.confirmed_at = Status.CONFIRMED, now
        subscription.save()
        subscription.systems.set(systems)
        enqueue_on_commit(tasks.plan_program, program.pk)


@transaction.atomic
def subscriber_unsubscribe_all(*, subscriber: Subscriber) -> None:
    for subscription in subscriber.subscriptions.select_for_update().order_by("pk"):
        subscription_unsubscribe(subscription=subscription)


def _subscriber_clear_bouncing(subscriber_id: int) -> None:
    Subscriber.objects.filter(pk=subscriber_id, is_bouncing=True).update(
        is_bouncing=False, bounced_at=None, bounce_reason="", updated_at=timezone.now()
    )


@transaction.atomic
def subscriber_clear_bouncing(*, subscriber: Subscriber) -> None:
    """Staff know the address works again: mail it again (re-planning revives its reminders)."""
    _subscriber_clear_bouncing(subscriber.pk)
    for program_id in subscriber.subscriptions.values_list("program_id", flat=True):
        enqueue_on_commit(tasks.plan_program, program_id)


@transaction.atomic
def subscriber_mark_bouncing(*, subscriber_id: int, reason: str) -> None:
    """The mail server refused the address for good: no more mail to it, planned or not."""
    Subscriber.objects.filter(pk=subscriber_id).update(
        is_bouncing=True,
        bounced_at=timezone.now(),
        bounce_reason=reason[:500],
        updated_at=timezone.now(),
    )
    Delivery.objects.filter(
        subscription__subscriber_id=subscriber_id, state__in=Delivery.WAITING
    ).update(state=Delivery.State.SKIPPED, note="address bouncing", next_attempt_at=None)


# --- Operations -----------------------------------------------------------------------------


def reminder_send_test(*, email: str, meeting, before: timedelta) -> EmailMultiAlternatives:
    """Send `email` the reminder a subscriber would get `before` the meeting, now, marked as a
    test and outside the delivery rows (it is not a reminder anyone is owed). An address that
    is not subscribed gets links to the subscribe form instead of its own."""
    subscriber = Subscriber.objects.filter(email=normalize_email(email)).first()
    subscription = (
        subscriber
        and Subscription.objects.filter(subscriber=subscriber, program=meeting.program).first()
    ) or Subscription(
        subscriber=subscriber or Subscriber(email=normalize_email(email)), program=meeting.program
    )
    delivery = Delivery(
        subscription=subscription, meeting=meeting, kind=Delivery.Kind.REMINDER, offset=before
    )
    message = mail.MailRenderer().delivery_message(delivery)
    message.subject = f"[Test] {message.subject}"
    # Not the delivery's own Message-ID: a client would take the real reminder for a repeat.
    message.extra_headers["Message-ID"] = make_msgid(domain=mail.message_id_domain())
    message.send()
    return message
