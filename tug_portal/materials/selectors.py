"""Reads. Every page, feed, API answer and search that shows materials reads them here, and
asks one rule (`public_materials_filter`) what the public may see."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tug_portal.common.site import absolute_url
from tug_portal.meetings.models import AgendaTopic
from tug_portal.meetings.selectors import can_see_drafts, public_meetings_filter

from .models import Material, MaterialPolicy, MaterialsNotice

# A meeting named in a request or a form's data: its primary key, digits only (a longer
# number is no row's, and would not fit the column).
MEETING_ID = re.compile(r"[0-9]{1,18}")

State = Material.State


# --- THE "is public" rule -------------------------------------------------------------------


def public_materials_filter(*, now: datetime | None = None) -> Q:
    """Published, past its `public_from`, not past its last day, of a public meeting. The
    last day ends at midnight in the portal's zone (TIME_ZONE), not the meeting's: the README's
    "Retention" says why; `services.materials_expire` counts days the same way."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return (
        Q(state=State.PUBLISHED)
        & (Q(public_from__isnull=True) | Q(public_from__lte=now))
        & (Q(available_until__isnull=True) | Q(available_until__gte=today))
        & public_meetings_filter("meeting__")
    )


def materials_public(*, now: datetime | None = None) -> QuerySet[Material]:
    return Material.objects.filter(public_materials_filter(now=now))


def materials_visible(*, user=None, now: datetime | None = None) -> QuerySet[Material]:
    """Staff see drafts too (the admin's "view on site"); the public what the rule allows."""
    if can_see_drafts(user):
        return Material.objects.exclude(state=State.EXPIRED)
    return materials_public(now=now)


# --- One meeting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicMaterials:
    topic: object | None  # an AgendaTopic, or None for the meeting's own materials
    materials: tuple[Material, ...]


@dataclass(frozen=True)
class MeetingMaterials:
    groups: tuple[TopicMaterials, ...]
    expired: tuple[Material, ...]  # "The recording was available until 15 Jan 2019"

    def __bool__(self):
        return bool(self.groups or self.expired)

    @property
    def has_recording(self) -> bool:
        """A recording is listed (the page's Recording box points to it, not "not posted")."""
        return any(
            material.kind == Material.Kind.RECORDING
            for group in self.groups
            for material in group.materials
        )

    @property
    def had_recording(self) -> bool:
        return any(material.kind == Material.Kind.RECORDING for material in self.expired)


# An expired material is named on the page ("was available until ...") only when it was public
# once and has its last day: one set to "expired" by hand before it was published stays unseen.
_EXPIRED_AFTER_PUBLISHING = Q(
    state=State.EXPIRED, posted_at__isnull=False, available_until__isnull=False
)


def meeting_materials(*, meeting, user=None, now: datetime | None = None) -> MeetingMaterials:
    """The meeting page's "Materials" section: the meeting's own first, then by agenda topic;
    and those that expired (named, with their last day, not linked). One query."""
    visible = (
        Q(state__in=[State.DRAFT, State.PUBLISHED])
        if can_see_drafts(user)
        else public_materials_filter(now=now)
    )
    shown_expired = meeting.is_published or can_see_drafts(user)
    rows = list(
        Material.objects.filter(meeting=meeting)
        .filter(visible | _EXPIRED_AFTER_PUBLISHING if shown_expired else visible)
        .select_related("topic")
        .order_by("topic__order", "topic_id", "kind", "title", "pk")
    )
    shown = [material for material in rows if material.state != State.EXPIRED]
    expired = sorted(
        (material for material in rows if material.state == State.EXPIRED),
        key=lambda material: (material.available_until or date.min, material.title),
    )
    groups: dict[int | None, list[Material]] = {}
    for material in shown:
        groups.setdefault(material.topic_id, []).append(material)
    topics = {m.topic_id: m.topic for m in shown}
    ordered = sorted(
        groups, key=lambda pk: (pk is not None, topics[pk].order if pk else 0, pk or 0)
    )
    return MeetingMaterials(
        groups=tuple(TopicMaterials(topics[pk], tuple(groups[pk])) for pk in ordered),
        expired=tuple(expired),
    )


def material_for_download(*, public_id, user=None) -> Material:
    """A 404 unless this viewer may see it (a draft's existence is not revealed)."""
    material = (
        materials_visible(user=user)
        .filter(public_id=public_id)
        .exclude(file_key="")
        .filter(file_deleted_at__isnull=True)
        .first()
    )
    if material is None:
        raise Http404("No such material.")
    return material


def material_file_is_current(material: Material) -> bool:
    """Whether `material` (perhaps a version from its history) names the file now stored."""
    current = Material.objects.filter(pk=material.pk).values_list("file_key", flat=True).first()
    return current == material.file_key


def material_link(material: Material) -> str:
    """Where a material is read: its download address here, or its external link."""
    if material.file_key:
        path = reverse(
            "materials:download",
            kwargs={"public_id": material.public_id, "file_name": material.file_name},
        )
        return absolute_url(path)
    return material.external_url


# --- Calendars ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MaterialFacts:
    """What a calendar event shows of a material (calendars' builder)."""

    kind: str  # its label, "Presentation"
    title: str
    url: str
    content_type: str  # "" for a link
    page: str
    available_until: object  # a date or None


PREFETCHED = "public_materials"


def public_materials_prefetch(*, now=None) -> Prefetch:
    """For a queryset of meetings: their public materials in one query, as `public_materials`
    (which `meeting_calendar_materials` then reads instead of querying)."""
    return Prefetch(
        "materials",
        queryset=materials_public(now=now).order_by(
            "topic__order", "topic_id", "kind", "title", "pk"
        ),
        to_attr=PREFETCHED,
    )


def _facts(material: Material) -> MaterialFacts:
    return MaterialFacts(
        kind=material.get_kind_display(),
        title=material.title,
        url=material_link(material),
        content_type=material.content_type if material.file_key else "",
        page=material.page,
        available_until=material.available_until,
    )


def meeting_calendar_materials(meeting) -> tuple[MaterialFacts, ...]:
    """One meeting's public materials: prefetched (`public_materials_prefetch`) or one query."""
    prefetched = getattr(meeting, PREFETCHED, None)
    if prefetched is not None:
        return tuple(_facts(material) for material in prefetched)
    return meetings_calendar_materials([meeting.pk]).get(meeting.pk, ())


def meetings_calendar_materials(meeting_ids, *, now=None) -> dict[int, tuple[MaterialFacts, ...]]:
    """{meeting id: its public materials}, one query whatever the number of meetings."""
    rows = (
        materials_public(now=now)
        .filter(meeting_id__in=meeting_ids)
        .order_by("meeting_id", "topic__order", "topic_id", "kind", "title", "pk")
    )
    facts: dict[int, list[MaterialFacts]] = {}
    for material in rows:
        facts.setdefault(material.meeting_id, []).append(_facts(material))
    return {pk: tuple(values) for pk, values in facts.items()}


def meetings_materials_snapshot(meeting_ids) -> dict[int, list]:
    """The part of each meeting's calendar snapshot its materials make (registered with the
    core in apps.ready): what the public sees of them now. When it changes, the core bumps the
    meeting's SEQUENCE and tells feeds, pages and reminders (`meetings_changed`)."""
    rows = (
        materials_public()
        .filter(meeting_id__in=meeting_ids)
        .order_by("meeting_id", "pk")
        .values_list(
            "meeting_id", "public_id", "kind", "title", "version", "external_url", "page",
            "available_until", "topic_id",
        )
    )  # fmt: skip
    snapshot: dict[int, list] = {}
    for meeting_id, public_id, *rest, until, topic_id in rows:
        snapshot.setdefault(meeting_id, []).append(
            [str(public_id), *rest, until.isoformat() if until else None, topic_id]
        )
    return snapshot


# --- Lists, search, feeds -------------------------------------------------------------------


def program_latest_materials(*, program, limit: int = 10) -> list[Material]:
    return list(
        materials_public()
        .filter(meeting__program=program)
        .select_related("meeting", "topic")
        .order_by("-posted_at", "-pk")[:limit]
    )


def materials_clock_change_at(
    *, program=None, meeting=None, now: datetime | None = None
) -> datetime | None:
    """When the clock alone next changes which of a program's (or a meeting's) materials the
    public sees (the rule of `public_materials_filter`): a "public from" passing, or the end of
    a last day ("available until", which ends at midnight in the portal's zone). None: no such
    instant. A page that keeps what it shows of them (web/fragments.py) keeps it until then."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    scope = Q(meeting=meeting) if meeting is not None else Q(meeting__program=program)
    bounds = Material.objects.filter(scope, state=State.PUBLISHED).aggregate(
        next_public_from=Min("public_from", filter=Q(public_from__gt=now)),
        next_last_day=Min("available_until", filter=Q(available_until__gte=today)),
    )
    instants = []
    if bounds["next_public_from"]:
        instants.append(bounds["next_public_from"])
    if bounds["next_last_day"]:
        day_after = bounds["next_last_day"] + timedelta(days=1)
        instants.append(timezone.make_aware(datetime.combine(day_after, time.min)))
    return min(instants, default=None)


def materials_search(*, query: str, limit: int = 20) -> list[Material]:
    """Public materials whose title holds every word of the query (3 letters or more)."""
    words = [word for word in query.split() if len(word) >= 3][:8]
    if not words:
        return []
    found = materials_public()
    for word in words:
        found = found.filter(title__icontains=word)
    return list(found.select_related("meeting", "meeting__program").order_by("-posted_at")[:limit])


def materials_posted_since(*, since: datetime, now=None) -> QuerySet[Material]:
    return materials_public(now=now).filter(posted_at__gte=since)


def materials_posted_between(meetings, *, since: datetime, until: datetime) -> QuerySet[Material]:
    """Public materials of `meetings` posted in (since, until], by meeting and posting order."""
    return (
        materials_public(now=until)
        .filter(meeting__in=meetings, posted_at__gt=since, posted_at__lte=until)
        .select_related("meeting", "meeting__program")
        .order_by("meeting__starts_at", "meeting_id", "posted_at", "pk")
    )


def material_postings(*, limit: int = 20, now=None) -> list[dict]:
    """The Atom feed's "materials posted" entries: one per meeting and posting day, newest
    first, each listing what was posted."""
    rows = (
        materials_public(now=now)
        .exclude(posted_at__isnull=True)
        .select_related("meeting", "meeting__program")
        .order_by("-posted_at", "-pk")[: limit * 10]
    )
    postings: dict[tuple, dict] = {}
    for material in rows:
        day = timezone.localdate(material.posted_at)
        key = (material.meeting_id, day)
        posting = postings.setdefault(
            key,
            {"meeting": material.meeting, "day": day, "posted_at": material.posted_at, "items": []},
        )
        posting["items"].append(material)
    return list(postings.values())[:limit]


def policy_defaults() -> dict:
    """What a program's materials settings are until staff change them."""
    return {"recording_retention": timedelta(days=settings.TUG_MATERIALS_RECORDING_RETENTION_DAYS)}


def material_policy(program) -> MaterialPolicy:
    """The program's materials settings, or (unsaved) the defaults it has until staff save
    some: a read writes nothing (services.material_policy_ensure creates the row)."""
    stored = MaterialPolicy.objects.filter(program=program).first()
    return stored or MaterialPolicy(program=program, **policy_defaults())


# --- "Materials posted" mails (the reminders' dispatcher sends them: notify.py) -------------


def notices_due(*, now: datetime) -> QuerySet[MaterialsNotice]:
    """Rows a dispatcher may claim now, oldest first."""
    return MaterialsNotice.objects.filter(
        state__in=MaterialsNotice.WAITING, next_attempt_at__lte=now, expires_at__gte=now
    ).order_by("next_attempt_at", "pk")


def notices_claimed(*, claim: str) -> QuerySet[MaterialsNotice]:
    """A batch with its subscribers, opt-ins and meetings: a fixed number of queries."""
    return (
        MaterialsNotice.objects.filter(claimed_by=claim, state=MaterialsNotice.State.CLAIMED)
        .select_related(
            "subscription__subscriber",
            "subscription__program",
            "subscription__materials_opt_in",
            "meeting__program",
        )
        .order_by("next_attempt_at", "pk")
    )


def meeting_id_from(value) -> int | None:
    """The meeting `value` names (a request's or a form's "meeting"), or None for anything that
    names none (empty, junk, too long)."""
    if isinstance(value, int):
        return value
    text = str(value or "")
    return int(text) if MEETING_ID.fullmatch(text) else None


def meeting_topics(meeting_id: int | None) -> QuerySet[AgendaTopic]:
    """The topics a material of that meeting may be posted to, in agenda order (none without a
    meeting): a material's topic list, never every topic of the archive."""
    if meeting_id is None:
        return AgendaTopic.objects.none()
    return AgendaTopic.objects.filter(meeting_id=meeting_id).only("pk", "title", "meeting_id")
