"""Planning: one `Digest` row a week for each mailbox with a digest-on subscription, when the
first send moment of its subscriptions that week is near.

Beat runs `digests_plan` every 10 minutes. It reads the preferences turned on (a few queries
for 10,000 subscribers), gathers them by mailbox (`models.mailbox_key`: "Ann@x.org" and
"ann+cpg@x.org" are one mailbox) and, for each week, takes the mailbox's first send moment not
yet missed (each subscription's day and hour in its own zone): once it is within
DIGEST_PLAN_AHEAD_SECONDS, a row (mailbox, week) exists, due at that moment, sent to that
subscription's address (its Message-ID says so), carrying the sections of every digest-on
subscription of the mailbox (`Digest.merged`: the others). The unique key makes planning
repeatable and gives one mail a mailbox a week: a row is created once, and a row claimed, tried
or sent is never changed (a later moment of the same week finds it there). A row never tried
follows the mailbox (a changed day or hour moves it; a subscription turned on or off joins or
leaves it; its first subscription turned off hands it to the next one) and is skipped when the
mailbox's digest is turned off altogether. Whether a digest has anything to say is decided when
it is sent: an empty one is skipped, not sent.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import schedule, selectors
from .models import Digest, mailbox_key
from .selectors import MOVED, TURNED_OFF

State = Digest.State
Merged = Digest.merged.through
# Skipped for these reasons, a row comes back when its digest is wanted again that week.
REVIVABLE = (TURNED_OFF, MOVED)
CHUNK = 5000


@dataclass(frozen=True)
class Plan:
    """What a mailbox's row of a week should be."""

    mailbox: str
    subscription_id: int  # the one whose moment comes first: the row is sent to its address
    moment: datetime
    merged: frozenset[int]  # the mailbox's other digest-on subscriptions


@transaction.atomic
def digests_plan(*, now: datetime | None = None) -> bool:
    """Plan the digests whose moment is near; True when one is due to be sent now."""
    now = now or timezone.now()
    plans = _plans(now)
    grace = timedelta(seconds=settings.DIGEST_GRACE_SECONDS)
    for week, week_plans in plans.items():
        for start in range(0, len(week_plans), CHUNK):
            _ensure(week, week_plans[start : start + CHUNK], grace)
    # The first subscription turned off: a row not yet handed to another one is skipped (it
    # comes back, for the mailbox's next subscription, when that one's moment is near).
    _skip(
        Digest.objects.filter(state__in=Digest.WAITING).exclude(
            subscription__in=selectors.preferences_due_planning().values("subscription_id")
        ),
        TURNED_OFF,
    )
    return selectors.digests_due(now=now).exists()


def _plans(now: datetime) -> dict:
    """{week: [Plan]} of the mailboxes whose first moment of a week not yet missed is near."""
    mailboxes = defaultdict(list)  # key: [(subscription_id, (weekday, hour, time_zone))]
    keys: dict[str, str] = {}
    preferences = selectors.preferences_due_planning().values_list(
        "subscription_id", "subscription__subscriber__email", "weekday", "hour", "time_zone"
    )
    for subscription_id, email, *when in preferences.iterator(chunk_size=CHUNK):
        if email not in keys:
            keys[email] = mailbox_key(email)
        mailboxes[keys[email]].append((subscription_id, tuple(when)))
    this_week = schedule.week_of(now.date())
    weeks = (this_week - schedule.WEEK, this_week, this_week + schedule.WEEK)
    earliest = now - timedelta(seconds=settings.DIGEST_GRACE_SECONDS)
    latest = now + timedelta(seconds=settings.DIGEST_PLAN_AHEAD_SECONDS)
    moments: dict = {}  # (weekday, hour, time_zone): {week: moment}, a few distinct ones
    plans = defaultdict(list)
    for mailbox, subscriptions in mailboxes.items():
        for _, when in subscriptions:
            if when not in moments:
                weekday, hour, time_zone = when
                moments[when] = {
                    week: schedule.send_moment(
                        week=week, weekday=weekday, hour=hour, time_zone=time_zone
                    )
                    for week in weeks
                }
        for week in weeks:
            candidates = [
                (moments[when][week], pk)
                for pk, when in subscriptions
                if moments[when][week] >= earliest
            ]
            if not candidates:
                continue
            moment, first = min(candidates)
            if moment <= latest:
                others = frozenset(pk for pk, _ in subscriptions if pk != first)
                plans[week].append(Plan(mailbox, first, moment, others))
    return plans


def _ensure(week, plans: list[Plan], grace: timedelta) -> None:
    by_mailbox = {plan.mailbox: plan for plan in plans}
    rows = Digest.objects.filter(week=week, mailbox__in=by_mailbox)

    def timing(plan: Plan) -> dict:
        return {"due_at": plan.moment, "expires_at": plan.moment + grace}

    changed = []
    existing = rows.only("pk", "mailbox", "state", "attempts", "note", "subscription", "due_at")
    for row in existing:
        plan = by_mailbox.pop(row.mailbox)
        follows = row.state == State.PENDING and row.attempts == 0
        revives = row.state == State.SKIPPED and row.note in REVIVABLE
        moves = (row.due_at, row.subscription_id) != (plan.moment, plan.subscription_id)
        if row.attempts and row.subscription_id != plan.subscription_id:
            continue  # tried (perhaps delivered) with its Message-ID: never handed to another
        if revives or (follows and moves):
            row.state, row.note, row.subscription_id = State.PENDING, "", plan.subscription_id
            row.due_at, row.next_attempt_at = plan.moment, plan.moment
            row.expires_at = plan.moment + grace
            changed.append(row)
    fields = ["state", "note", "subscription", "due_at", "expires_at", "next_attempt_at"]
    Digest.objects.bulk_update(changed, fields, batch_size=1000)
    Digest.objects.bulk_create(
        (
            Digest(
                mailbox=plan.mailbox,
                subscription_id=plan.subscription_id,
                week=week,
                next_attempt_at=plan.moment,
                **timing(plan),
            )
            for plan in by_mailbox.values()
        ),
        batch_size=1000,
        # The row of this week is planned once: a planner racing for it keeps one row.
        ignore_conflicts=True,
    )
    _merge({plan.mailbox: plan for plan in plans}, rows)


def _merge(plans: dict[str, Plan], rows) -> None:
    """The rows never tried carry the sections of the mailbox's other subscriptions now on."""
    open_rows = dict(rows.filter(state=State.PENDING, attempts=0).values_list("pk", "mailbox"))
    wanted = {(pk, other) for pk, mailbox in open_rows.items() for other in plans[mailbox].merged}
    present = {
        (digest_id, subscription_id): pk
        for pk, digest_id, subscription_id in Merged.objects.filter(
            digest_id__in=open_rows
        ).values_list("pk", "digest_id", "subscription_id")
    }
    gone = [pk for pair, pk in present.items() if pair not in wanted]
    if gone:
        Merged.objects.filter(pk__in=gone).delete()
    Merged.objects.bulk_create(
        (Merged(digest_id=d, subscription_id=s) for d, s in wanted - present.keys()),
        batch_size=1000,
        ignore_conflicts=True,
    )


def _skip(rows, reason: str) -> None:
    rows.update(state=State.SKIPPED, note=reason, next_attempt_at=None)
