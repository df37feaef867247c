"""The weekly digest: a subscription's preference, and each week's mail as a row.

A `Digest` is a `MailRow` like a reminder's `Delivery`: the reminders' dispatcher claims it,
sends it and marks it sent (README.md in this package). Its key (mailbox, week) is unique in the
database, so a mailbox gets one digest a week however many subscriptions (programs, spellings of
its address) took it; its Message-ID comes from its subscription and week, fixed when it is made.
"""

import hashlib
from datetime import time

from django.core.validators import MaxValueValidator
from django.db import models

from tug_portal.common.mailboxes import InvalidMailbox, canonical_mailbox
from tug_portal.common.models import TimeStampedModel
from tug_portal.meetings.models import validate_time_zone
from tug_portal.reminders.models import MailRow, Subscription

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DEFAULT_WEEKDAY, DEFAULT_HOUR = 0, 8  # Monday 08:00 in the subscriber's zone
MAILBOX_KEY_MAX_LENGTH = 320  # a longer key is stored as its hash (`mailbox_key`)


def mailbox_key(email: str) -> str:
    """The digest's key of the mailbox `email` reaches (`canonical_mailbox`: case, quotes,
    `+tags` folded). An address stored before the forms refused it (no dot in its domain, an IP
    literal) is a mailbox of its own: its lower-cased address, which no canonical key equals."""
    try:
        key = canonical_mailbox(email)
    except InvalidMailbox:
        key = email.strip().casefold()
    if len(key) > MAILBOX_KEY_MAX_LENGTH:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


class DigestPreference(TimeStampedModel):
    """A subscription's weekly digest: on or off, and when it comes (a local day and hour in an
    IANA zone, the program's zone unless the subscriber chose another)."""

    subscription = models.OneToOneField(
        Subscription, on_delete=models.CASCADE, related_name="digest_preference"
    )
    enabled = models.BooleanField("weekly digest", default=False)
    weekday = models.PositiveSmallIntegerField(
        default=DEFAULT_WEEKDAY,
        choices=[(n, day.title()) for n, day in enumerate(WEEKDAYS)],
        validators=[MaxValueValidator(6)],
    )
    hour = models.PositiveSmallIntegerField(
        default=DEFAULT_HOUR, validators=[MaxValueValidator(23)], help_text="Local hour, 0-23."
    )
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])

    class Meta:
        indexes = [models.Index(fields=["enabled", "weekday", "hour", "time_zone"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(hour__lte=23), name="digest_hour_in_day"),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="digest_weekday"),
        ]

    def __str__(self):
        state = "on" if self.enabled else "off"
        return f"Digest of {self.subscription} ({state})"

    @property
    def local_time(self) -> time:
        return time(self.hour)


class Digest(MailRow):
    """One week's digest to one mailbox: planned at the first send moment of its digest-on
    subscriptions that week (`subscription`, whose address it is sent to), carrying the sections
    of those subscriptions (`subscription` and `merged`), sent once."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="digests")
    mailbox = models.CharField(
        max_length=MAILBOX_KEY_MAX_LENGTH,
        null=True,
        blank=True,
        help_text="The mailbox's key (`common.mailboxes`), not as typed. Empty only on a second "
        "digest of one week from before one digest per mailbox.",
    )
    week = models.DateField(help_text="The Monday of the (local) week it is sent in.")
    merged = models.ManyToManyField(
        Subscription,
        blank=True,
        related_name="digests_merged_into",
        help_text="The mailbox's other digest-on subscriptions whose sections it carries.",
    )

    class Meta:
        ordering = ["-week", "due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="digest_state_next"),
            models.Index(fields=["state", "claimed_at"], name="digest_state_claimed"),
            models.Index(fields=["week", "state"], name="digest_week_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "week"], name="digest_once_a_week_per_mailbox"
            )
        ]

    def __str__(self):
        return f"Digest of the week of {self.week}"
