"""The weekly digest: a subscription's preference, and each week's mail as a row.

A `Digest` is a `MailRow` like a reminder's `Delivery`: the reminders' dispatcher claims it,
sends it and marks it sent (README.md in this package). Its key (subscription, week) is unique
in the database and its Message-ID is derived from it, so a week's digest is sent once.
"""

from datetime import time

from django.core.validators import MaxValueValidator
from django.db import models

from tug_portal.common.models import TimeStampedModel
from tug_portal.meetings.models import validate_time_zone
from tug_portal.reminders.models import MailRow, Subscription

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DEFAULT_WEEKDAY, DEFAULT_HOUR = 0, 8  # Monday 08:00 in the subscriber's zone


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
    """One week's digest to one subscription: planned at its local send time, sent once."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="digests")
    week = models.DateField(help_text="The Monday of the (local) week it is sent in.")

    class Meta:
        ordering = ["-week", "due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="digest_state_next"),
            models.Index(fields=["state", "claimed_at"], name="digest_state_claimed"),
            models.Index(fields=["week", "state"], name="digest_week_state"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "week"], name="digest_once_a_week")
        ]

    def __str__(self):
        return f"Digest of the week of {self.week}"
