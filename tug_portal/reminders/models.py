"""Subscriptions to a program's meeting reminders, and every mail they lead to as a row.

A `Delivery` is one mail to one subscriber about one meeting: a reminder (one per offset), a
cancellation notice or an "agenda updated" notice. Its key (subscription, meeting, kind, offset,
revision) is unique in the database, and the mail's Message-ID is derived from it, so a mail
can be planned any number of times and is still sent once. See README.md in this package for
the states and the exact delivery guarantee.
"""

from datetime import timedelta

from django.db import models
from django.db.models import Q

from tug_portal.common.models import TimeStampedModel
from tug_portal.meetings.models import Meeting, Program, System


def describe_duration(value: timedelta) -> str:
    """timedelta(days=1) -> "1 day"; timedelta(minutes=90) -> "1 hour 30 minutes"."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(words) or "0 minutes"


class ReminderPolicy(TimeStampedModel):
    """How a program reminds its subscribers; one per program, created with the program."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="reminder_policy"
    )
    send_cancellation_notice = models.BooleanField(
        default=True,
        help_text="When a meeting is cancelled, tell those already reminded of it, and those "
        "whose first reminder was due within the window below.",
    )
    cancellation_notice_window = models.DurationField(
        default=timedelta(days=1),
        help_text="E.g. “1 day”: subscribers whose reminder was due within this time are told "
        "of a cancellation too, although not reminded yet.",
    )
    send_update_notice = models.BooleanField(
        default=True,
        help_text="After someone has been reminded, tell them when the time, agenda or join "
        "details of the meeting change.",
    )

    class Meta:
        verbose_name = "reminder settings"
        verbose_name_plural = "reminder settings"
        ordering = ["program__acronym"]

    def __str__(self):
        return f"Reminders of {self.program.acronym}"

    def offset_list(self) -> list[timedelta]:
        """The offsets, longest first (uses prefetched rows when there are some)."""
        return sorted((offset.before for offset in self.offsets.all()), reverse=True)


class ReminderOffset(models.Model):
    """One reminder before each meeting of a program: "1 day before", "1 hour before"."""

    policy = models.ForeignKey(ReminderPolicy, on_delete=models.CASCADE, related_name="offsets")
    before = models.DurationField(help_text="How long before the start, e.g. “1 day” or “2h”.")

    class Meta:
        ordering = ["policy", "-before"]
        verbose_name = "reminder"
        constraints = [
            models.UniqueConstraint(fields=["policy", "before"], name="offset_unique_per_policy"),
            models.CheckConstraint(
                condition=Q(before__gt=timedelta(0)), name="offset_before_positive"
            ),
        ]

    def __str__(self):
        return f"{describe_duration(self.before)} before"


class Subscriber(TimeStampedModel):
    """An email address that asked for reminders. No account: signed links stand for it."""

    email = models.EmailField(unique=True, help_text="Stored in lower case.")
    is_bouncing = models.BooleanField(
        "bouncing",
        default=False,
        help_text="The mail server refused this address permanently; no mail is sent to it.",
    )
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email


class Subscription(TimeStampedModel):
    """One address subscribed to one program, optionally only for meetings about some systems."""

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="reminder_subscriptions"
    )
    systems = models.ManyToManyField(
        System,
        blank=True,
        related_name="reminder_subscriptions",
        help_text="Only meetings with a topic about one of these; none: every meeting.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCONFIRMED)
    confirmation_requested_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program__acronym", "subscriber__email"]
        indexes = [models.Index(fields=["program", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "program"], name="subscription_unique_per_program"
            )
        ]

    def __str__(self):
        return f"{self.subscriber.email} to {self.program.acronym}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class SubscriptionRequest(models.Model):
    """The subscribe form's POST, as typed, waiting for a task to act on it. The form stores
    this and answers at once, so that its answer (time, queries, bytes) is the same for an
    address that is new, waiting, subscribed or bouncing; a lost task is caught up by the
    sweep, since the row stays until it is handled."""

    email = models.CharField(max_length=254)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    system_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"{self.email} asks for {self.program_id}"


class ConfirmationMail(models.Model):
    """One confirmation (or preferences-link) mail granted to a mailbox: the rows of the last
    day, counted under the mailbox's lock, cap what the subscribe form can send to one mailbox
    across every program and spelling (settings.REMINDER_CONFIRMATION_MAILS_PER_MAILBOX)."""

    mailbox = models.CharField(max_length=254, help_text="The mailbox's key, not as typed.")
    subscription = models.ForeignKey(
        Subscription, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The request the mail answers: a retry of the same mail takes no second share.
    requested_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["mailbox", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "requested_at"], name="confirmation_mail_once_per_request"
            )
        ]

    def __str__(self):
        return f"Confirmation mail to {self.mailbox}"


class MailRow(models.Model):
    """What every planned mail has, whatever it is about: its state, when it is due, and the
    dispatcher's claim. `dispatcher.py` sends rows of any concrete subclass (a `Channel` says
    how), so the reminders and the weekly digest share one delivery machinery and guarantee."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Being sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"

    # States a row waits in until a dispatcher claims it (a failed row while it has retries).
    WAITING = (State.PENDING, State.FAILED)

    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    due_at = models.DateTimeField(help_text="When the mail should go out.")
    expires_at = models.DateTimeField(help_text="After this it is skipped, not sent late.")
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty once nothing more will be tried."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(
        max_length=500, blank=True, help_text="Why it was skipped, or the last error."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Delivery(MailRow):
    """One mail to one subscriber about one meeting, planned, then claimed, then sent once."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        CANCELLATION = "cancellation", "Cancellation notice"
        UPDATE = "update", "Update notice"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REMINDER)
    offset = models.DurationField(
        default=timedelta(0), help_text="Reminders: how long before the start."
    )
    revision = models.PositiveIntegerField(
        default=0, help_text="Update notices: the meeting's calendar sequence they report."
    )
    detail = models.CharField(
        max_length=500, blank=True, help_text="Notices: what changed, as subscribers read it."
    )

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["state", "claimed_at"]),
            models.Index(fields=["meeting", "kind", "state"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "meeting", "kind", "offset", "revision"],
                name="delivery_unique_key",
            )
        ]

    def __str__(self):
        if self.kind == self.Kind.REMINDER:
            return f"Reminder {describe_duration(self.offset)} before"
        return self.get_kind_display()


class MeetingReminderLog(Meeting):
    """Meetings seen from the reminders' side: who was reminded when, and what failed (admin)."""

    class Meta:
        proxy = True
        verbose_name = "meeting reminder log"
        verbose_name_plural = "meeting reminder logs"
