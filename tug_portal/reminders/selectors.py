"""Reads. Each returns a queryset with what its callers touch already joined or prefetched."""

from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from tug_portal.materials.selectors import public_materials_prefetch
from tug_portal.meetings.models import Meeting, Program
from tug_portal.meetings.selectors import meetings_with_agenda

from .models import Delivery, ReminderPolicy, Subscription, SubscriptionRequest


def subscriptions_active(*, program_id: int) -> QuerySet[Subscription]:
    """Confirmed subscriptions of a program whose address still takes mail."""
    return Subscription.objects.filter(
        program_id=program_id,
        status=Subscription.Status.CONFIRMED,
        subscriber__is_bouncing=False,
    )


def subscriptions_matching_meeting(*, meeting: Meeting) -> QuerySet[Subscription]:
    """Active subscriptions that want this meeting: those not narrowed to systems, and those
    narrowed to a system one of its topics is about."""
    narrowed_to = Subscription.systems.through.objects.filter(subscription=OuterRef("pk"))
    about_meeting = narrowed_to.filter(system__topics__meeting=meeting)
    return subscriptions_active(program_id=meeting.program_id).filter(
        ~Exists(narrowed_to) | Exists(about_meeting)
    )


def subscription_get(*, pk: int) -> Subscription | None:
    return (
        Subscription.objects.select_related("subscriber", "program")
        .prefetch_related("systems")
        .filter(pk=pk)
        .first()
    )


def subscriptions_of_subscriber(*, subscriber_id: int) -> QuerySet[Subscription]:
    return Subscription.objects.filter(subscriber_id=subscriber_id).prefetch_related("systems")


def subscriptions_for_export(*, program: Program) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(program=program)
        .select_related("subscriber")
        .prefetch_related("systems")
        .order_by("subscriber__email")
    )


def policies_with_subscriber_counts() -> QuerySet[ReminderPolicy]:
    """Reminder settings of every program, with its offsets and how many subscriptions it has
    in each state (confirmed counts only addresses that take mail)."""
    status = Subscription.Status
    subscriptions = "program__reminder_subscriptions"

    def count(**conditions):
        return Count(
            subscriptions, filter=Q(**{f"{subscriptions}__{k}": v for k, v in conditions.items()})
        )

    return (
        ReminderPolicy.objects.select_related("program")
        .prefetch_related("offsets")
        .annotate(
            confirmed_count=count(status=status.CONFIRMED, subscriber__is_bouncing=False),
            bouncing_count=count(status=status.CONFIRMED, subscriber__is_bouncing=True),
            unconfirmed_count=count(status=status.UNCONFIRMED),
            unsubscribed_count=count(status=status.UNSUBSCRIBED),
        )
    )


def deliveries_due(*, now: datetime) -> QuerySet[Delivery]:
    """Rows a dispatcher may claim now, oldest first."""
    return Delivery.objects.filter(
        state__in=Delivery.WAITING, next_attempt_at__lte=now, expires_at__gte=now
    ).order_by("next_attempt_at", "pk")


def meetings_for_mail() -> QuerySet[Meeting]:
    """Meetings with everything a mail shows (the agenda with bodies, and the calendar facts of
    the attached .ics). A fixed number of queries whatever the number of meetings."""
    # Their public materials too (the .ics attachment's ATTACH lines): one query a batch.
    return meetings_with_agenda().prefetch_related(public_materials_prefetch())


def deliveries_claimed(*, claim: str) -> QuerySet[Delivery]:
    """A batch, with its subscribers and each meeting's agenda, dial-ins and people fetched in
    a fixed number of queries whatever the batch size."""
    return (
        Delivery.objects.filter(claimed_by=claim, state=Delivery.State.CLAIMED)
        .select_related("subscription__subscriber", "subscription__program")
        .prefetch_related(Prefetch("meeting", queryset=meetings_for_mail()))
        .order_by("next_attempt_at", "pk")
    )


def meeting_delivery_counts(*, meeting_id: int) -> list[dict]:
    """[{kind, offset, state, total}] for one meeting, for the admin's reminder log."""
    return list(
        Delivery.objects.filter(meeting_id=meeting_id)
        .values("kind", "offset", "state")
        .annotate(total=Count("pk"))
        .order_by("kind", "-offset", "state")
    )


def meeting_delivery_problems(*, meeting_id: int, limit: int = 50) -> QuerySet[Delivery]:
    """The latest failed and bounced mails of a meeting, with their errors."""
    return (
        Delivery.objects.filter(
            meeting_id=meeting_id, state__in=[Delivery.State.FAILED, Delivery.State.BOUNCED]
        )
        .select_related("subscription__subscriber")
        .order_by("-pk")[:limit]
    )


def subscriptions_awaiting_confirmation_mail(*, since: datetime) -> QuerySet[Subscription]:
    """Requests made since `since` whose confirmation mail has not gone out (its task was lost
    while the broker was down, or failed)."""
    return (
        Subscription.objects.filter(
            confirmation_requested_at__gte=since,
        )
        .filter(
            Q(confirmation_sent_at__isnull=True)
            | Q(confirmation_sent_at__lt=F("confirmation_requested_at"))
        )
        .exclude(status=Subscription.Status.UNSUBSCRIBED)
    )


def subscription_requests_waiting(*, before: datetime) -> QuerySet[SubscriptionRequest]:
    """Subscribe form requests stored before `before` and not handled yet (their task was
    lost while the broker was down)."""
    return SubscriptionRequest.objects.filter(created_at__lt=before).order_by("pk")
