"""Planning: a `Digest` row for each opted-in subscription whose local send moment is near.

Beat runs `digests_plan` every 10 minutes. For each preference (grouped by day, hour and zone,
so 10,000 subscribers cost a few queries) it computes the week's send moment in the subscriber's
zone and makes sure a row (subscription, week) exists, due at that moment, once the moment is
within DIGEST_PLAN_AHEAD_SECONDS. The unique key makes planning repeatable: a row is created
once, and a row claimed or sent is never changed. A waiting row follows a changed preference
(new day or hour: its moment moves) and is skipped when the digest is turned off. Whether a
digest has anything to say is decided when it is sent: an empty one is skipped, not sent.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import schedule, selectors
from .models import Digest
from .selectors import MOVED, TURNED_OFF

State = Digest.State
# Skipped for these reasons, a row comes back when its digest is wanted again that week.
REVIVABLE = (TURNED_OFF, MOVED)


def _windows() -> dict:
    return {
        "ahead": timedelta(seconds=settings.DIGEST_PLAN_AHEAD_SECONDS),
        "grace": timedelta(seconds=settings.DIGEST_GRACE_SECONDS),
    }


@transaction.atomic
def digests_plan(*, now: datetime | None = None) -> bool:
    """Plan the digests whose moment is near; True when one is due to be sent now."""
    now = now or timezone.now()
    groups = defaultdict(list)
    preferences = selectors.preferences_due_planning().values_list(
        "subscription_id", "weekday", "hour", "time_zone"
    )
    for subscription_id, weekday, hour, time_zone in preferences.iterator(chunk_size=5000):
        groups[(weekday, hour, time_zone)].append(subscription_id)
    grace = timedelta(seconds=settings.DIGEST_GRACE_SECONDS)
    for (weekday, hour, time_zone), subscription_ids in groups.items():
        moments = schedule.moments_near(
            now=now, weekday=weekday, hour=hour, time_zone=time_zone, **_windows()
        )
        for week, moment in moments:
            _ensure(week, moment, moment + grace, subscription_ids)
    _skip(
        Digest.objects.filter(state__in=Digest.WAITING).exclude(
            subscription__in=selectors.preferences_due_planning().values("subscription_id")
        ),
        TURNED_OFF,
    )
    return selectors.digests_due(now=now).exists()


def _ensure(week, moment: datetime, expires: datetime, subscription_ids: list[int]) -> None:
    timing = {"due_at": moment, "expires_at": expires, "next_attempt_at": moment}
    for start in range(0, len(subscription_ids), 5000):
        ids = subscription_ids[start : start + 5000]
        rows = Digest.objects.filter(week=week, subscription_id__in=ids)
        # A changed day or hour moves what is still waiting; turned on again, it comes back.
        rows.filter(state=State.PENDING, attempts=0).exclude(due_at=moment).update(**timing)
        rows.filter(state=State.SKIPPED, note__in=REVIVABLE).update(
            state=State.PENDING, note="", **timing
        )
        Digest.objects.bulk_create(
            (Digest(subscription_id=pk, week=week, **timing) for pk in ids),
            batch_size=1000,
            # The row of this week is planned once: a planner racing for it keeps one row.
            ignore_conflicts=True,
        )


def _skip(rows, reason: str) -> None:
    rows.update(state=State.SKIPPED, note=reason, next_attempt_at=None)
