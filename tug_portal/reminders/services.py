"""Writes about subscribers, subscriptions and reminder settings. Keyword-only functions, each
one transaction. Planning and sending live in planner.py and dispatcher.py."""

import logging
import math
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tug_portal.common import distinct_targets
from tug_portal.common.mail import new_message_id
from tug_portal.common.mailboxes import InvalidMailbox, canonical_mailbox, mailbox_lock
from tug_portal.common.queue import enqueue_on_commit
from tug_portal.meetings.models import Program, System

from . import mail, tasks
from .models import (
    ConfirmationMail,
    Delivery,
    ReminderOffset,
    ReminderPolicy,
    Subscriber,
    Subscription,
    SubscriptionRequest,
)
from .smtp_errors import classify

logger = logging.getLogger(__name__)

Status = Subscription.Status
# The confirmation mails one mailbox may get are counted over this rolling period.
CONFIRMATION_BUDGET_PERIOD = timedelta(days=1)


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


@dataclass(frozen=True)
class MailboxShareSpent:
    """The subscribe form refused: this client address has had many different mailboxes mailed
    today (REMINDER_SUBSCRIBE_MAILBOXES_PER_ADDRESS), or everyone together in the last hour
    (REMINDER_SUBSCRIBE_MAILBOXES_PER_HOUR, `site_wide`)."""

    retry_after: int  # seconds
    site_wide: bool = False

    @property
    def form_message(self) -> str:
        who = "by many people in the last hour" if self.site_wide else "from your network today"
        return (
            f"Not sent yet: confirmation mails to many different addresses have been asked for "
            f"{who}. What you typed is kept below; please send it again in "
            f"{duration_in_words(self.retry_after)}."
        )


def duration_in_words(seconds: int) -> str:
    """3 → "3 seconds", 600 → "10 minutes", 86400 → "24 hours" (rounded up)."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = math.ceil(seconds / size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def subscription_mailbox_share_take(*, client: str, email: str) -> MailboxShareSpent | None:
    """Count `email`'s mailbox among those the subscribe form mailed for `client` (an address,
    fair_use.client_key) in the last 24 h, if within REMINDER_SUBSCRIBE_MAILBOXES_PER_ADDRESS,
    and among everyone's in the last hour, if within REMINDER_SUBSCRIBE_MAILBOXES_PER_HOUR; the
    same mailbox again is not counted. None when within; else when to try again. Kept in
    the cache: atomic on Redis (tug_portal/common/distinct_targets.py)."""
    try:
        mailbox = canonical_mailbox(email)
    except InvalidMailbox:
        return None  # the form has refused it already; the task drops it anyway
    shares = (  # this address's, then everyone's together (a flood from many addresses)
        (client, settings.REMINDER_SUBSCRIBE_MAILBOXES_PER_ADDRESS, CONFIRMATION_BUDGET_PERIOD),
        (SITE_WIDE, settings.REMINDER_SUBSCRIBE_MAILBOXES_PER_HOUR, SITE_WIDE_PERIOD),
    )
    for who, limit, period in shares:
        wait = distinct_targets.admit(
            "subscribe-mailboxes", who, mailbox, limit=limit, period=period.total_seconds()
        )
        if wait:
            return MailboxShareSpent(math.ceil(wait), site_wide=who == SITE_WIDE)
    return None


SITE_WIDE = "*"  # not a client address: the key of everyone's mailboxes together
SITE_WIDE_PERIOD = timedelta(hours=1)


def subscription_ask(*, email: str, program: Program, systems: Iterable[System] = ()) -> None:
    """The subscribe form's POST: store what was asked and hand it to a task. The same one
    INSERT whatever the address, so the answer tells nobody whether an address is known (the
    lookups, and any mail, happen in `subscription_request_handle`)."""
    request = SubscriptionRequest.objects.create(
        email=email, program=program, system_ids=sorted(system.pk for system in systems)
    )
    enqueue_on_commit(tasks.handle_subscription_request, request.pk)


@transaction.atomic
def subscription_request_handle(*, request_id: int) -> Subscription | None:
    """Act on a stored form request, once: a repeated or concurrent task finds it gone."""
    request = (
        SubscriptionRequest.objects.select_for_update()
        .select_related("program")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        return None
    request.delete()
    try:
        return subscription_request(
            email=request.email,
            program=request.program,
            systems=System.objects.filter(pk__in=request.system_ids),
        )
    except InvalidMailbox as error:
        logger.info("Subscription request for %r dropped: %s", request.email, error)
        return None


@transaction.atomic
def subscription_request(
    *, email: str, program: Program, systems: Iterable[System] = ()
) -> Subscription:
    """Someone asked for a program's reminders. Nothing is sent to them until they follow the
    link of the confirmation mail queued here (double opt-in). Asking again for a confirmed
    subscription changes nothing but mails them their preferences link, so the form never
    reveals who is subscribed and never lets anyone change another person's settings.
    Raises InvalidMailbox (nothing written) for an address no mail should go to."""
    canonical_mailbox(email)
    subscriber, _ = Subscriber.objects.get_or_create(email=normalize_email(email))
    subscription, _ = Subscription.objects.select_for_update().get_or_create(
        subscriber=subscriber, program=program
    )
    now = timezone.now()
    if subscription.status != Status.CONFIRMED:
        subscription.status = Status.UNCONFIRMED
        subscription.systems.set(systems)
    # At most one mail of a kind per interval to an address, however often the form is sent.
    # For a confirmed subscription only a preferences-link mail sent since confirming counts:
    # the confirmation mail that came before is another mail, and without this the person who
    # confirms and asks again for the link they lost would be told it was sent and get nothing.
    last_sent = subscription.confirmation_sent_at
    if subscription.status == Status.CONFIRMED and last_sent and subscription.confirmed_at:
        last_sent = last_sent if last_sent > subscription.confirmed_at else None
    recently_mailed = last_sent and (
        now - last_sent < timedelta(seconds=settings.REMINDER_CONFIRMATION_RESEND_SECONDS)
    )
    if not recently_mailed:
        subscription.confirmation_requested_at = now
        enqueue_on_commit(tasks.send_confirmation, subscription.pk)
    subscription.save(update_fields=["status", "confirmation_requested_at", "updated_at"])
    return subscription


def subscription_send_confirmation(*, subscription_id: int) -> bool:
    """Send the confirmation mail asked for (or, when already confirmed, the preferences link),
    if the mailbox has not had its share of confirmation mails today; a request over the share
    is dropped (no mail now, none later). Not one transaction on purpose: no lock is held while
    the SMTP server answers. The request is claimed by a conditional UPDATE first, so of two
    tasks for one request only one sends; a transient failure gives the claim back for the
    retry, which reuses the request's share."""
    subscription = (
        Subscription.objects.select_related("subscriber", "program")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None or not _confirmation_wanted(subscription):
        return False
    requested, previously_sent = (
        subscription.confirmation_requested_at,
        subscription.confirmation_sent_at,
    )
    if not _confirmation_share_take(subscription):
        logger.info("No confirmation mail to %s: over its share.", subscription.subscriber)
        _pending(subscription, requested).update(confirmation_requested_at=None)
        return False
    claimed_at = timezone.now()
    if not _pending(subscription, requested).update(confirmation_sent_at=claimed_at):
        return False  # another task has it
    try:
        mail.confirmation_message(subscription).send()
    except (smtplib.SMTPException, OSError) as error:
        failure = classify(error)
        if not failure.bounces:
            Subscription.objects.filter(pk=subscription.pk, confirmation_sent_at=claimed_at).update(
                confirmation_sent_at=previously_sent
            )
            raise  # transient: the task retries
        logger.warning("Confirmation mail to %s refused: %s", subscription.subscriber, failure)
        return False
    return True


def _pending(subscription: Subscription, requested):
    """The subscription, while `requested` is its request and no mail has gone out for it."""
    return Subscription.objects.filter(
        Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lt=requested),
        pk=subscription.pk,
        confirmation_requested_at=requested,
    )


@transaction.atomic
def _confirmation_share_take(subscription: Subscription) -> bool:
    """Count the confirmation mails of the mailbox's last day under its lock and add this
    request's, if the cap allows it (a request that already has its share keeps it)."""
    try:
        mailbox = canonical_mailbox(subscription.subscriber.email)
    except InvalidMailbox:
        return False  # stored before addresses were checked this way: no mail
    mailbox_lock(mailbox)
    requested = subscription.confirmation_requested_at
    if ConfirmationMail.objects.filter(subscription=subscription, requested_at=requested).exists():
        return True
    since = timezone.now() - CONFIRMATION_BUDGET_PERIOD
    granted = ConfirmationMail.objects.filter(mailbox=mailbox, created_at__gt=since).count()
    if granted >= settings.REMINDER_CONFIRMATION_MAILS_PER_MAILBOX:
        return False
    ConfirmationMail.objects.create(
        mailbox=mailbox, subscription=subscription, requested_at=requested
    )
    return True


def _confirmation_wanted(subscription: Subscription) -> bool:
    requested, sent = subscription.confirmation_requested_at, subscription.confirmation_sent_at
    return (
        subscription.status != Status.UNSUBSCRIBED
        and requested is not None
        and (sent is None or sent < requested)
    )


def confirmation_mails_prune() -> int:
    """Forget the shares older than the period they count in (the sweep)."""
    since = timezone.now() - CONFIRMATION_BUDGET_PERIOD
    return ConfirmationMail.objects.filter(created_at__lte=since).delete()[0]


@transaction.atomic
def subscriptions_unconfirmed_prune() -> int:
    """Forget the subscriptions never confirmed within REMINDER_UNCONFIRMED_MAX_AGE_DAYS of
    their last request (the sweep): their link has expired, and an address that never said
    yes is not kept. A subscriber left with no subscription at all goes with them. Asking again
    starts afresh. Returns how many subscriptions were forgotten; a second run finds none."""
    since = timezone.now() - timedelta(days=settings.REMINDER_UNCONFIRMED_MAX_AGE_DAYS)
    stale = Subscription.objects.filter(
        status=Status.UNCONFIRMED, confirmed_at__isnull=True, updated_at__lt=since
    )
    subscriber_ids = set(stale.values_list("subscriber_id", flat=True))
    forgotten = stale.delete()[1].get(Subscription._meta.label, 0)
    Subscriber.objects.filter(pk__in=subscriber_ids, subscriptions__isnull=True).delete()
    return forgotten


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
    message.extra_headers["Message-ID"] = new_message_id()
    message.send()
    return message
