"""Rows for digest tests: a confirmed subscription with its digest preference."""

from tests.reminders.factories import make_subscription
from tug_portal.digest.models import DigestPreference
from tug_portal.meetings.models import Program
from tug_portal.reminders.models import Subscription


def make_digest_subscription(
    email: str,
    program: Program,
    *,
    systems: tuple[str, ...] = (),
    weekday: int = 0,
    hour: int = 8,
    time_zone: str = "America/Los_Angeles",
    enabled: bool = True,
    status: str = Subscription.Status.CONFIRMED,
) -> Subscription:
    subscription = make_subscription(email, program, systems=systems, status=status)
    DigestPreference.objects.create(
        subscription=subscription,
        enabled=enabled,
        weekday=weekday,
        hour=hour,
        time_zone=time_zone,
    )
    return subscription
