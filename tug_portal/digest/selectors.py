"""Reads: what happened in a digest's programs and systems, and the staff's weekly counts."""

from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from tug_portal.meetings.models import AgendaRequest, AgendaTopic, Announcement, Meeting
from tug_portal.reminders.models import Subscription

from .models import Digest, DigestPreference, mailbox_key

State = Digest.State
NOTHING_THIS_WEEK = "nothing this week"
TURNED_OFF = "digest turned off or unsubscribed"
# Its day or hour changed: the row waits for the new moment (the planner brings it back then),
# or, when that moment of the week is already past, the digest comes on the new day next week.
MOVED = "its day or hour changed"


def _about_systems(system_ids, prefix: str = "") -> Q | Exists:
    """Meetings (or, with `prefix`, what points at one) with a topic about one of the systems."""
    return Exists(
        AgendaTopic.objects.filter(meeting=OuterRef(f"{prefix}pk"), systems__in=system_ids)
    )


def meetings_followed(*, program_ids, system_ids) -> QuerySet[Meeting]:
    """Published meetings of active programs among `program_ids`; with `system_ids`, only those
    with a topic about one of them (as a subscription narrowed to systems is reminded)."""
    meetings = Meeting.objects.filter(
        program_id__in=program_ids, is_published=True, program__is_active=True
    )
    if system_ids:
        meetings = meetings.filter(_about_systems(system_ids))
    return meetings.select_related("program").order_by("starts_at", "pk")


def meetings_upcoming(*, program_ids, system_ids, after: datetime, until: datetime):
    return (
        meetings_followed(program_ids=program_ids, system_ids=system_ids)
        .filter(starts_at__gt=after, starts_at__lte=until)
        .exclude(status=Meeting.Status.CANCELLED)
        .prefetch_related("dial_ins")
    )


def _meetings_touched(program_ids, system_ids, since: datetime, until: datetime, status):
    """Meetings still ahead at `since`, now in `status`, whose calendar changed in
    (since, until]."""
    return meetings_followed(program_ids=program_ids, system_ids=system_ids).filter(
        calendar_changed_at__gt=since,
        calendar_changed_at__lte=until,
        starts_at__gt=since,
        status=status,
    )


def meetings_changed(*, program_ids, system_ids, since: datetime, until: datetime):
    """Meetings still ahead at `since` whose time or agenda changed in (since, until]."""
    scheduled = Meeting.Status.SCHEDULED
    touched = _meetings_touched(program_ids, system_ids, since, until, scheduled)
    return touched.exclude(change_summary="")


def meetings_cancelled(*, program_ids, system_ids, since: datetime, until: datetime):
    cancelled = Meeting.Status.CANCELLED
    touched = _meetings_touched(program_ids, system_ids, since, until, cancelled)
    return touched.select_related("replacement")


def announcements_published(*, program_ids, system_ids, since: datetime, until: datetime):
    """Published in (since, until]: those about one of the systems followed, or tied to a
    meeting of a program followed (about those systems, when narrowed); a subscription to a
    whole program also gets the general ones (tied to no meeting and no system)."""
    tied = Q(presented_at__program_id__in=program_ids) | Q(
        related_meeting__program_id__in=program_ids
    )
    if system_ids:
        wanted = Q(systems__in=system_ids) | (
            tied
            & (
                _about_systems(system_ids, "presented_at__")
                | _about_systems(system_ids, "related_meeting__")
            )
        )
    else:
        wanted = tied | Q(
            presented_at__isnull=True, related_meeting__isnull=True, systems__isnull=True
        )
    matching = Announcement.objects.filter(wanted).values("pk")
    return (
        Announcement.objects.published()
        .filter(pk__in=matching, published_at__gt=since, published_at__lte=until)
        .order_by("published_at", "pk")
    )


def agenda_requests_answered(*, program_ids, system_ids, since: datetime, until: datetime):
    """Requests of the programs staff took on (accepted, scheduled) and answered in
    (since, until]: a declined one's text is never mailed out, and a request staff touch later
    is not reported again. Narrowed to systems, only those scheduled on a meeting about one."""
    requests = AgendaRequest.objects.filter(
        program_id__in=program_ids,
        status__in=AgendaRequest.ANSWERED_POSITIVELY,
        answered_at__gt=since,
        answered_at__lte=until,
    )
    if system_ids:
        requests = requests.filter(_about_systems(system_ids, "meeting__"))
    return requests.select_related("program", "meeting").order_by("answered_at", "pk")


# --- Subscriptions and rows -----------------------------------------------------------------


def preferences_due_planning() -> QuerySet[DigestPreference]:
    """Digests turned on, of confirmed subscriptions whose address takes mail, to an active
    program."""
    return DigestPreference.objects.filter(
        enabled=True,
        subscription__status=Subscription.Status.CONFIRMED,
        subscription__subscriber__is_bouncing=False,
        subscription__program__is_active=True,
    )


def digest_subscriptions_of_mailbox(*, mailbox: str) -> list[Subscription]:
    """The subscriptions of the mailbox `mailbox` (however its address is spelled) whose digest
    is on. Keys are not stored on subscribers, so this reads the addresses of every digest
    turned on (as each planning run does): a one-click unsubscribe's cost, not a page's."""
    preferences = DigestPreference.objects.filter(enabled=True).values_list(
        "subscription_id", "subscription__subscriber__email"
    )
    ids = [
        pk for pk, email in preferences.iterator(chunk_size=5000) if mailbox_key(email) == mailbox
    ]
    return list(
        Subscription.objects.filter(pk__in=ids)
        .select_related("program", "subscriber")
        .order_by("program__acronym", "pk")
    )


def digests_due(*, now: datetime) -> QuerySet[Digest]:
    return Digest.objects.filter(
        state__in=Digest.WAITING, next_attempt_at__lte=now, expires_at__gte=now
    ).order_by("next_attempt_at", "pk")


def digests_claimed(*, claim: str) -> QuerySet[Digest]:
    """A batch with its subscribers, programs, preferences and systems, and those of the
    subscriptions merged into each: a fixed number of queries whatever its size."""
    return (
        Digest.objects.filter(claimed_by=claim, state=State.CLAIMED)
        .select_related(
            "subscription__subscriber",
            "subscription__program",
            "subscription__digest_preference",
        )
        .prefetch_related(
            # The followed systems as lists (`system_list`), not as a related manager built
            # for each mail by the prefetch (and again by each `.all()`): those were a fifth
            # of a digest's sending on PostgreSQL.
            Prefetch("subscription__systems", to_attr="system_list"),
            Prefetch(
                "merged",
                Subscription.objects.select_related(
                    "program", "digest_preference"
                ).prefetch_related(Prefetch("systems", to_attr="system_list")),
                # A list, not a manager: building a related manager for each of 10,000 mails
                # cost a fifth of a digest's rendering.
                to_attr="merged_subscriptions",
            ),
        )
        .order_by("next_attempt_at", "pk")
    )


def digest_week_counts(*, weeks: int = 12) -> list[dict]:
    """Per week, newest first: digests sent, skipped because empty, replanned (their day or hour
    changed: not a skip, the digest comes at the new moment), skipped for another reason,
    failed (given up or waiting to retry), bounced and waiting."""

    def count(*others: Q, **conditions):
        return Count("pk", filter=Q(*others, **conditions))

    skipped = {"state": State.SKIPPED}
    rows = (
        Digest.objects.values("week")
        .annotate(
            sent=count(state=State.SENT),
            empty=count(**skipped, note=NOTHING_THIS_WEEK),
            replanned=count(**skipped, note=MOVED),
            skipped=count(~Q(note__in=[NOTHING_THIS_WEEK, MOVED]), **skipped),
            failed=count(state=State.FAILED),
            bounced=count(state=State.BOUNCED),
            waiting=count(state__in=[State.PENDING, State.CLAIMED]),
        )
        .order_by("-week")
    )
    return list(rows[:weeks])


def digest_problems(*, week: date, limit: int = 50) -> QuerySet[Digest]:
    return (
        Digest.objects.filter(week=week, state__in=[State.FAILED, State.BOUNCED])
        .select_related("subscription__subscriber")
        .order_by("-pk")[:limit]
    )
