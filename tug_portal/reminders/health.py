"""Readiness of reminders for /readyz: is due mail going out? (Named in RemindersConfig's
`readiness_checks`; see tug_portal/common/health.py.)"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from tug_portal.common.health import Check

from .models import Delivery


def oldest_unsent_due(now) -> Delivery | None:
    """The waiting (or claimed) mail that was due first. A failed row with no attempt left
    waits for nothing and does not count."""
    waiting = Q(state__in=Delivery.WAITING, next_attempt_at__isnull=False)
    claimed = Q(state=Delivery.State.CLAIMED)
    return Delivery.objects.filter(waiting | claimed, due_at__lte=now).order_by("due_at").first()


def check_reminders() -> Check:
    """Failing once a due reminder has waited longer than TUG_READYZ_REMINDER_LAG: the
    dispatcher (beat, every minute) or the SMTP server is not keeping up."""
    now = timezone.now()
    oldest = oldest_unsent_due(now)
    if oldest is None:
        return Check("reminders", True, "no due mail is waiting")
    lag = now - oldest.due_at
    ok = lag <= timedelta(seconds=settings.TUG_READYZ_REMINDER_LAG)
    return Check("reminders", ok, f"oldest unsent due mail is {int(lag.total_seconds())} s late")
