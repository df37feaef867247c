"""Planning: the mails each meeting should lead to, kept as Delivery rows.

Planning reconciles the rows of one meeting with the facts (the meeting, the program's reminder
settings, who is subscribed) and may run any number of times: on every meeting change, after a
subscription or settings change, and from the beat sweep. It only ever touches rows that are
waiting (pending, or failed with retries left) or skipped; a row being sent or already sent is
history and is never changed, which is what makes a second send of the same key impossible.

- Reminders: one row per matching subscription and offset, due `offset` before the start.
  A reschedule moves the waiting rows; a row whose moment has passed is not created. Someone
  already reminded of the old time gets the same reminder again before the new time, when that
  moment is still ahead: a row of the next revision (a new key, so a new Message-ID); never a
  second one for a time they were already reminded of.
- A cancelled meeting gets no reminder; instead a cancellation notice goes to everyone already
  mailed about it and everyone whose reminder was due within the program's window; cancelled
  again after they heard it was back on, the next revision of the notice.
- After someone was mailed about a meeting, a change to what its calendar shows (time, agenda,
  join details) gets them an update notice saying what changed; changes made in quick
  succession fold into the one notice still waiting.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat, Left
from django.utils import timezone

from tug_portal.meetings.models import Meeting

from . import selectors, services
from .models import Delivery, ReminderPolicy, Subscription

Kind, State = Delivery.Kind, Delivery.State
# A row in these states was (or is being) handed to the SMTP server: it is never changed.
HANDED_OVER = (State.CLAIMED, State.SENT, State.BOUNCED)


def meetings_plan_deliveries(*, meeting_ids, now: datetime | None = None) -> bool:
    """Plan each meeting in its own transaction; True when something is due to be sent now."""
    now = now or timezone.now()
    due_now = False
    for meeting_id in sorted(set(meeting_ids)):
        due_now |= meeting_plan_deliveries(meeting_id=meeting_id, now=now)
    return due_now


def program_plan_deliveries(*, program_id: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    upcoming = Meeting.objects.filter(program_id=program_id, starts_at__gt=now)
    return meetings_plan_deliveries(meeting_ids=upcoming.values_list("pk", flat=True), now=now)


def upcoming_plan_deliveries(*, now: datetime | None = None) -> bool:
    """The sweep: every meeting that has not started yet."""
    now = now or timezone.now()
    upcoming = Meeting.objects.filter(starts_at__gt=now)
    return meetings_plan_deliveries(meeting_ids=upcoming.values_list("pk", flat=True), now=now)


@transaction.atomic
def meeting_plan_deliveries(*, meeting_id: int, now: datetime | None = None) -> bool:
    """Reconcile one meeting's rows with the facts; True when something is due now."""
    now = now or timezone.now()
    # Locking the meeting serializes planners of the same meeting (signal task and sweep).
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("program")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None or meeting.starts_at <= now:
        # Deleted, or under way: what is left waiting expires in the dispatcher.
        return False
    policy = services.reminder_policy_ensure(program=meeting.program)
    _plan(meeting, policy, now)
    return Delivery.objects.filter(
        meeting=meeting, state__in=Delivery.WAITING, next_attempt_at__lte=now
    ).exists()


def _plan(meeting: Meeting, policy: ReminderPolicy, now: datetime) -> None:
    active = selectors.subscriptions_active(program_id=meeting.program_id)
    waiting = Delivery.objects.filter(meeting=meeting, state__in=Delivery.WAITING)
    mailable = meeting.is_published and meeting.program.is_active
    # Cancellation first: it asks whose reminder was about to go out, before those are skipped.
    if mailable and meeting.is_cancelled and policy.send_cancellation_notice:
        _plan_cancellation_notices(meeting, policy, active, now)
        _skip(
            waiting.filter(kind=Kind.CANCELLATION).exclude(subscription__in=active), "unsubscribed"
        )
    else:
        _skip(waiting.filter(kind=Kind.CANCELLATION), "no cancellation to announce")
    if reason := _why_no_reminders(meeting):
        _skip(waiting.filter(kind__in=[Kind.REMINDER, Kind.UPDATE]), reason)
        return
    _plan_reminders(meeting, policy.offset_list(), now)
    if policy.send_update_notice:
        _plan_update_notices(meeting, active, now)
        _skip(waiting.filter(kind=Kind.UPDATE).exclude(subscription__in=active), "unsubscribed")
    else:
        _skip(waiting.filter(kind=Kind.UPDATE), "update notices are turned off")


def _why_no_reminders(meeting: Meeting) -> str:
    if not meeting.is_published:
        return "meeting not published"
    if not meeting.program.is_active:
        return "program not active"
    if meeting.is_cancelled:
        return "meeting cancelled"
    return ""


def _plan_reminders(meeting: Meeting, offsets: list[timedelta], now: datetime) -> None:
    matching = selectors.subscriptions_matching_meeting(meeting=meeting)
    grace = timedelta(seconds=settings.REMINDER_GRACE_SECONDS)
    for offset in offsets:
        due = meeting.starts_at - offset
        expires = min(due + grace, meeting.starts_at)
        rows = Delivery.objects.filter(meeting=meeting, kind=Kind.REMINDER, offset=offset)
        # A reschedule moves what is still waiting (one UPDATE for all subscribers).
        rows.filter(state__in=Delivery.WAITING).exclude(due_at=due).update(
            due_at=due, expires_at=expires, next_attempt_at=due
        )
        # Moved away and back: who was reminded of this very time is not reminded again.
        reminded = rows.filter(state__in=HANDED_OVER, due_at=due).values("subscription_id")
        _skip(
            rows.filter(state__in=Delivery.WAITING, subscription__in=reminded),
            "already reminded of this time",
        )
        wanted = matching.exclude(pk__in=reminded)
        timing = {"meeting": meeting, "offset": offset, "due": due, "expires": expires}
        if expires > now:
            _ensure(rows, wanted, kind=Kind.REMINDER, **timing)
        if due > now:
            _plan_reminders_again(rows, wanted, **timing)
    reminders = Delivery.objects.filter(
        meeting=meeting, kind=Kind.REMINDER, state__in=Delivery.WAITING
    )
    _skip(reminders.exclude(offset__in=offsets), "reminder removed from the program's settings")
    _skip(reminders.exclude(subscription__in=matching), "not subscribed to this meeting")


def _plan_reminders_again(
    rows: QuerySet[Delivery],
    subscriptions: QuerySet[Subscription],
    *,
    meeting: Meeting,
    offset: timedelta,
    due: datetime,
    expires: datetime,
) -> None:
    """Subscribers whose only reminders of this offset were handed over for another time (the
    meeting moved since) get the next revision of it, due before the new time."""
    reminded_before = (
        rows.filter(subscription__in=subscriptions)
        .values("subscription_id")
        .annotate(latest=Max("revision"), open=Count("pk", filter=~Q(state__in=HANDED_OVER)))
        .filter(open=0)
        .values_list("subscription_id", "latest")
    )
    # The next revision of their key: a new Message-ID for a reminder sent again on purpose.
    _create_waiting(
        ((subscription_id, latest + 1) for subscription_id, latest in reminded_before),
        meeting=meeting,
        kind=Kind.REMINDER,
        offset=offset,
        due=due,
        expires=expires,
    )


def _plan_cancellation_notices(meeting, policy, active, now) -> None:
    of_meeting = Delivery.objects.filter(meeting=meeting)
    mailed = of_meeting.filter(state=State.SENT).values("subscription_id")
    due_soon = of_meeting.filter(
        kind=Kind.REMINDER,
        state__in=Delivery.WAITING,
        due_at__lte=now + policy.cancellation_notice_window,
    ).values("subscription_id")
    recipients = active.filter(Q(pk__in=mailed) | Q(pk__in=due_soon))
    rows = of_meeting.filter(kind=Kind.CANCELLATION)
    timing = {"meeting": meeting, "due": now, "expires": meeting.starts_at}
    _ensure(rows, recipients, kind=Kind.CANCELLATION, detail=meeting.change_summary, **timing)
    _plan_cancellation_notices_again(of_meeting, recipients, **timing)


def _plan_cancellation_notices_again(
    of_meeting: QuerySet[Delivery],
    subscriptions: QuerySet[Subscription],
    *,
    meeting: Meeting,
    due: datetime,
    expires: datetime,
) -> None:
    """Cancelled, un-cancelled, cancelled again: whoever was told of the first cancellation and
    mailed about the meeting since (it is back on, a reminder) gets the next revision of the
    notice. Whoever heard nothing since still has "cancelled" as their last word: no mail."""
    mailed_since = (
        of_meeting.filter(subscription=OuterRef("subscription_id"), state=State.SENT)
        .exclude(kind=Kind.CANCELLATION)
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    told_before = (
        of_meeting.filter(kind=Kind.CANCELLATION, subscription__in=subscriptions)
        .values("subscription_id")
        # Only subscribers whose every notice went out (SENT): one waiting, being sent or
        # bounced is the notice of this cancellation, or the address cannot be reached.
        .annotate(
            latest=Max("revision"),
            told_at=Max("sent_at"),
            open=Count("pk", filter=~Q(state=State.SENT)),
        )
        .filter(open=0, told_at__lt=Subquery(mailed_since))
        .values_list("subscription_id", "latest")
    )
    _create_waiting(
        ((subscription_id, latest + 1) for subscription_id, latest in told_before),
        meeting=meeting,
        kind=Kind.CANCELLATION,
        due=due,
        expires=expires,
        detail=meeting.change_summary,
    )


def _plan_update_notices(meeting, active, now) -> None:
    changed_at, summary = meeting.calendar_changed_at, meeting.change_summary
    if not (changed_at and summary):
        return
    revision = meeting.change_summary_sequence  # the change the summary says
    of_meeting = Delivery.objects.filter(meeting=meeting)
    mailed_before = of_meeting.filter(state=State.SENT, sent_at__lt=changed_at)
    told = of_meeting.filter(kind=Kind.UPDATE, revision__gte=revision)
    recipients = active.filter(pk__in=mailed_before.values("subscription_id")).exclude(
        pk__in=told.values("subscription_id")
    )
    due = changed_at + timedelta(seconds=settings.REMINDER_UPDATE_NOTICE_DELAY_SECONDS)
    # A notice not tried yet takes this change in too: one mail for edits made in a row. (One
    # that was tried may have gone out, so it keeps its key and its words.)
    of_meeting.filter(
        kind=Kind.UPDATE,
        state__in=Delivery.WAITING,
        attempts=0,
        revision__lt=revision,
        subscription__in=recipients,
    ).update(
        revision=revision,
        detail=Left(Concat(F("detail"), Value(f"; {summary}")), 500),
        due_at=due,
        next_attempt_at=due,
        expires_at=meeting.starts_at,
    )
    rows = of_meeting.filter(kind=Kind.UPDATE, revision=revision)
    _ensure(
        rows,
        recipients,
        meeting=meeting,
        kind=Kind.UPDATE,
        revision=revision,
        due=due,
        expires=meeting.starts_at,
        detail=summary,
    )


def _ensure(
    rows: QuerySet[Delivery],
    subscriptions: QuerySet[Subscription],
    *,
    meeting: Meeting,
    kind: str,
    due: datetime,
    expires: datetime,
    offset: timedelta = timedelta(0),
    revision: int = 0,
    detail: str = "",
) -> None:
    """Make `rows` (one key but the subscription) hold a waiting row for each subscription:
    revive skipped ones, create missing ones. Rows sent or being sent are left alone."""
    timing = {"due_at": due, "expires_at": expires, "next_attempt_at": due}
    rows.filter(state=State.SKIPPED, subscription__in=subscriptions).update(
        state=State.PENDING, note="", **timing
    )
    missing = subscriptions.exclude(pk__in=rows.values("subscription_id"))
    _create_waiting(
        ((pk, revision) for pk in missing.values_list("pk", flat=True)),
        meeting=meeting,
        kind=kind,
        due=due,
        expires=expires,
        offset=offset,
        detail=detail,
    )


def _create_waiting(
    keys: Iterable[tuple[int, int]],
    *,
    meeting: Meeting,
    kind: str,
    due: datetime,
    expires: datetime,
    offset: timedelta = timedelta(0),
    detail: str = "",
) -> None:
    """A waiting row for each (subscription id, revision) of `keys`."""
    Delivery.objects.bulk_create(
        (
            Delivery(
                subscription_id=subscription_id,
                meeting=meeting,
                kind=kind,
                offset=offset,
                revision=revision,
                detail=detail[:500],
                due_at=due,
                expires_at=expires,
                next_attempt_at=due,
            )
            for subscription_id, revision in keys
        ),
        batch_size=1000,
        # Two planners racing for the same key: the unique constraint keeps one row.
        ignore_conflicts=True,
    )


def _skip(rows: QuerySet[Delivery], reason: str) -> None:
    rows.update(state=State.SKIPPED, note=reason, next_attempt_at=None)
