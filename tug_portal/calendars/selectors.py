"""Reads for feeds: which meetings a feed holds, and a version of the data it was built from."""

import hashlib
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from django.conf import settings
from django.db.models import Count, Exists, Max, Q, QuerySet, Sum
from django.utils import timezone

from tug_portal.materials.selectors import meetings_calendar_materials
from tug_portal.meetings.models import AgendaTopic, Meeting, MeetingDialIn, Program, System
from tug_portal.meetings.selectors import (
    meetings_for_system,
    meetings_next_by_program,
    program_slug_filter,
    program_slug_key,
    programs_active,
    system_code_filter,
    system_code_key,
)

from .facts import MEETING_FIELDS, ContactFacts, DialInFacts, MeetingFacts, ProgramFacts, TopicFacts
from .feed_specs import FeedSpec
from .models import StoredFeed

# Part of every data version: bump it when the builder's output changes shape, so that the
# sweep rebuilds every stored feed after a deploy. 2: the calendar's NAME escaped as TEXT.
BUILD_FORMAT = "2"


def history_start(now: datetime) -> datetime:
    """The earliest start a recent feed holds: midnight, TUG_ICAL_HISTORY_DAYS ago. Aligned on
    a day, so a feed does not change from one minute to the next."""
    today = timezone.localdate(now)
    midnight = datetime.combine(today, time(), tzinfo=timezone.get_current_timezone())
    return midnight - timedelta(days=settings.TUG_ICAL_HISTORY_DAYS)


def feed_meetings(spec: FeedSpec, *, now: datetime) -> QuerySet[Meeting]:
    """Published meetings of the feed. Drafts never; a cancelled meeting for a while after it
    was cancelled (clients must see CANCELLED to remove it), then no more."""
    return _feeds_meetings(now).filter(_feed_filter(spec, now=now)).order_by("starts_at", "pk")


def _feeds_meetings(now: datetime) -> QuerySet[Meeting]:
    """What every feed may hold: published meetings, a cancelled one only for a while."""
    cancelled_until = now - timedelta(days=settings.TUG_ICAL_CANCELLED_DAYS)
    return Meeting.objects.published().exclude(
        status=Meeting.Status.CANCELLED, calendar_changed_at__lt=cancelled_until
    )


def meetings_saved_since(since: datetime) -> set[int]:
    """Meetings whose event may show a save no `meetings_changed` names (a topic's clock
    times, the meeting's own recording or notes, its replacement published): saved, or with a
    topic or replacement saved, since then: one query."""
    # Three index range reads (`updated_at` is indexed), not an OR across a join, which scans
    # the whole archive.
    saved = Meeting.objects.filter(updated_at__gte=since).order_by()
    replaced = Meeting.objects.filter(replacement_id__in=saved.values("pk")).order_by()
    topics = AgendaTopic.objects.filter(updated_at__gte=since).order_by()
    rows = saved.values_list("pk").union(
        replaced.values_list("pk"), topics.values_list("meeting_id")
    )
    return {pk for (pk,) in rows}


def feeds_members_among(specs: list[FeedSpec], ids, *, now: datetime) -> dict[str, set[int]]:
    """Which of these (few) meetings each feed holds: `feed_meetings`'s rule, applied to them
    in Python for any number of feeds, in two queries (one per feed would cost more than the
    rebuild of one edit)."""
    cancelled_until = now - timedelta(days=settings.TUG_ICAL_CANCELLED_DAYS)
    rows = list(
        Meeting.objects.published()
        .filter(pk__in=ids)
        .exclude(status=Meeting.Status.CANCELLED, calendar_changed_at__lt=cancelled_until)
        .values_list("pk", "program__slug", "starts_at")
    )
    systems: dict[int, set[str]] = {pk: set() for pk, _, _ in rows}
    links = AgendaTopic.systems.through.objects.filter(agendatopic__meeting_id__in=list(systems))
    for meeting_id, code in links.values_list("agendatopic__meeting_id", "system__code"):
        systems[meeting_id].add(system_code_key(code))  # as `meetings_for_system` matches
    start = history_start(now)
    return {
        spec.key: {
            pk
            for pk, slug, starts_at in rows
            if (not spec.program or slug == spec.program)
            and (not spec.system or spec.system in systems[pk])  # keys, both
            and (spec.full_history or starts_at >= start)
        }
        for spec in specs
    }


# A feed's facts are tens of thousands of rows, grouped below straight into tuples: no list per
# group is left for the garbage collector to scan again and again while the build runs. (Not
# read with `iterator()`: PostgreSQL's server-side cursors made these queries twice as slow.)


def _grouped(pairs) -> dict:
    """(key, value) pairs ordered by key → {key: (value, ...)}."""
    return {key: tuple(value for _, value in group) for key, group in groupby(pairs, itemgetter(0))}


def _topics_by_meeting(meeting_ids) -> dict[int, tuple[TopicFacts, ...]]:
    """Topics in agenda order, with facilitator names (sorted) and system codes (sorted, as
    `System` orders them), read through the many-to-many tables: no model instances, no
    body."""
    topics = AgendaTopic.objects.filter(meeting_id__in=meeting_ids)
    facilitators = _grouped(
        AgendaTopic.facilitators.through.objects.filter(agendatopic__in=topics.values("pk"))
        .order_by("agendatopic_id", "person__name")
        .values_list("agendatopic_id", "person__name")
    )
    systems = _grouped(
        AgendaTopic.systems.through.objects.filter(agendatopic__in=topics.values("pk"))
        .order_by("agendatopic_id", "system__code")
        .values_list("agendatopic_id", "system__code")
    )
    rows = topics.order_by("meeting_id", "order", "pk").values_list(
        "pk", "meeting_id", "title", "start_time", "end_time"
    )
    return _grouped(
        (
            meeting_id,
            TopicFacts(title, start_time, end_time, facilitators.get(pk, ()), systems.get(pk, ())),
        )
        for pk, meeting_id, title, start_time, end_time in rows
    )


def _dial_ins_by_meeting(meeting_ids) -> dict[int, tuple[DialInFacts, ...]]:
    rows = (
        MeetingDialIn.objects.filter(meeting_id__in=meeting_ids)
        .order_by("meeting_id", "order", "pk")
        .values_list("meeting_id", "label", "number", "access_code")
    )
    return _grouped(
        (meeting_id, DialInFacts(label, number, access_code))
        for meeting_id, label, number, access_code in rows
    )


def feed_event_facts(meetings: QuerySet[Meeting]) -> list[MeetingFacts]:
    """What the events of these meetings show, as plain values, in the queryset's order: six
    queries whatever the number of meetings (the feed's filter runs as a subquery in each)."""
    return list(feed_event_facts_by_pk(meetings).values())


# Up to this many meetings (an edit's), their facts are read by their ids.
FEW_MEETINGS = 50


def feed_event_facts_by_pk(meetings: QuerySet[Meeting]) -> dict[int, MeetingFacts]:
    """The same, by meeting id (in the queryset's order)."""
    rows = list(
        meetings.values_list(
            "pk",
            "program__acronym",
            "program__contact_id",
            "program__contact__name",
            "program__contact__email",
            "contact_id",
            "contact__name",
            "contact__email",
            "replacement__slug",
            "replacement__is_published",
            *MEETING_FIELDS,
        )
    )
    # An edit's few meetings by their ids: plainer statements, quicker to compile and plan, than
    # the meetings' filter again as a subquery in each (what a feed's thousands need).
    meeting_ids = [row[0] for row in rows] if len(rows) <= FEW_MEETINGS else meetings.values("pk")
    topics, dial_ins = _topics_by_meeting(meeting_ids), _dial_ins_by_meeting(meeting_ids)
    materials = meetings_calendar_materials(meeting_ids)
    programs = {}  # one ProgramFacts per program
    facts = {}
    for (
        pk,
        acronym,
        program_contact_id,
        program_contact_name,
        program_contact_email,
        contact_id,
        contact_name,
        contact_email,
        replacement_slug,
        replacement_is_published,
        *fields,
    ) in rows:
        program = programs.get(acronym)
        if program is None:
            program_contact = (
                ContactFacts(program_contact_name, program_contact_email)
                if program_contact_id
                else None
            )
            program = programs[acronym] = ProgramFacts(acronym=acronym, contact=program_contact)
        facts[pk] = MeetingFacts(
            **dict(zip(MEETING_FIELDS, fields, strict=True)),
            program=program,
            contact=ContactFacts(contact_name, contact_email) if contact_id else None,
            replacement_slug=replacement_slug if replacement_is_published else "",
            topics=topics.get(pk, ()),
            dial_ins=dial_ins.get(pk, ()),
            materials=materials.get(pk, ()),
        )
    return facts


def feed_program(spec: FeedSpec) -> Program | None:
    if not spec.program:
        return None
    return programs_active().filter(program_slug_filter(spec.program)).first()


def feed_system(spec: FeedSpec) -> System | None:
    return System.objects.filter(system_code_filter(spec.system)).first() if spec.system else None


def feed_scope_exists(spec: FeedSpec) -> bool:
    """Whether the program (active) and the system a feed names exist: one small query at most,
    asked before anything else about a feed nobody built yet, so that a request for a random
    URL costs no more than that."""
    systems = System.objects.filter(system_code_filter(spec.system))
    if spec.program:
        programs = programs_active().filter(program_slug_filter(spec.program))
        return (programs.filter(Exists(systems)) if spec.system else programs).exists()
    return systems.exists() if spec.system else True


def programs_state() -> dict[str, datetime]:
    """What a feed's head reads of the programs, summed up: each program's last save, by its
    slug as a key (`programs_shown` takes a feed's share)."""
    return {
        program_slug_key(slug): updated_at
        for slug, updated_at in Program.objects.values_list("slug", "updated_at")
    }


def programs_shown(spec: FeedSpec, programs: dict[str, datetime]) -> dict[str, datetime]:
    """The programs a feed shows, of `programs_state()`: a program's feed its own, the
    all-programs feeds every program. (Every feed had every program's: one program saved, the
    next sweep rebuilt every other program's feeds, to the same bytes.)"""
    if spec.program:
        return {spec.program: programs.get(spec.program)}
    return programs


def meetings_aggregate(states) -> dict:
    """The aggregate `feed_data_version` reads from the database, computed from the calendar
    states a build holds (`event_store.EventState`): the same values."""
    changed = [state.changed_at for state in states if state.changed_at is not None]
    return {
        "count": len(states),
        "ids": sum(state.pk for state in states) if states else None,
        "sequences": sum(state.sequence for state in states) if states else None,
        "changed": max(changed, default=None),
        "updated": max((state.updated_at for state in states), default=None),
    }


def plain_aggregate(aggregate: dict) -> list:
    """An aggregate as plain values, whichever database (or Python) computed it: instants in
    UTC, and whole numbers as ints (PostgreSQL sums a bigint column as a numeric, read as a
    Decimal, whose repr differs from the int Python sums up for the same meetings)."""
    return sorted((name, _plain(value)) for name, value in aggregate.items())


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def feed_settings() -> tuple:
    """The settings every feed's bytes depend on: part of each feed's data version (a change
    to one rebuilds every feed)."""
    return (
        settings.SITE_URL,
        settings.TUG_ICAL_UID_DOMAIN,
        settings.TUG_ICAL_HISTORY_DAYS,
        settings.TUG_ICAL_CHANGE_NOTE_DAYS,
        settings.TUG_ICAL_CANCELLED_DAYS,
    )


def feed_data_version(
    spec: FeedSpec, *, now: datetime, next_by_program=None, programs=None, system=None
) -> str:
    """A hash of everything a build of the feed reads that can change: the meetings in it and
    their calendar state, the programs (names, descriptions), a system's feed's system (its
    name), the next meetings its description names, the day (windows move, change notes
    expire) and the settings that shape the output. Equal versions build equal feeds (DTSTAMP
    aside). `next_by_program`: `meetings_next_by_program()`, `programs`: `programs_state()`,
    and `system`: the feed's system, when the caller read them already."""
    meetings = feed_meetings(spec, now=now)
    return feed_version_of(
        spec,
        now=now,
        meetings=meetings.aggregate(**_version_aggregates()),
        programs=programs,
        next_by_program=next_by_program,
        system=system or (feed_system(spec) if spec.system else None),
        system_next=_system_feed_next_pk(meetings, now=now) if spec.system else None,
    )


def system_feed_next(meetings, *, now: datetime):
    """The next meeting a system's feed names (not the programs' next ones): the first of its
    own `meetings` (in feed order) neither cancelled nor over; the rule of
    `meetings.selectors._next_meeting_candidates`. Meetings or their calendar states."""
    return next((m for m in meetings if not m.is_cancelled and m.ends_at > now), None)


def _system_feed_next_pk(meetings: QuerySet[Meeting], *, now: datetime) -> int | None:
    """`system_feed_next` of the feed's meetings, found by the database."""
    upcoming = meetings.filter(ends_at__gt=now).exclude(status=Meeting.Status.CANCELLED)
    return upcoming.values_list("pk", flat=True).first()


def _named_next_meetings(spec: FeedSpec, next_by_program: dict, system_next: int | None) -> list:
    """The next meetings the feed's description names, as (program id, meeting id): a system's
    feed its own (`system_next`), a program's feed its program's, the all-programs feed every
    program's. (It had held every program's: an edit that changed one program's next meeting
    left every other feed's version behind, and the sweep rebuilt them whole to the same
    bytes.)"""
    if spec.system:
        return [system_next]
    return sorted(
        (program_id, meeting.pk)
        for program_id, meeting in next_by_program.items()
        if not spec.program or program_slug_key(meeting.program.slug) == spec.program
    )


def _version_aggregates(rule: Q | None = None) -> dict:
    """What a data version sums up of a feed's meetings (`meetings_aggregate` computes the
    same), of those `rule` keeps."""
    return {
        "count": Count("pk", filter=rule),
        "ids": Sum("pk", filter=rule),
        "sequences": Sum("calendar_sequence", filter=rule),
        "changed": Max("calendar_changed_at", filter=rule),
        "updated": Max("updated_at", filter=rule),
    }


def _feed_filter(spec: FeedSpec, *, now: datetime) -> Q:
    """`feed_meetings`'s rule for this feed, less what every feed shares (`_feeds_meetings`),
    as a filter."""
    rule = Q()
    if spec.program:
        rule &= Q(program__slug=spec.program)
    if spec.system:
        with_system = Meeting.objects.filter(meetings_for_system(code=spec.system))
        rule &= Q(pk__in=with_system.values("pk"))
    if not spec.full_history:
        rule &= Q(starts_at__gte=history_start(now))
    return rule


def combined_aggregate(groups) -> dict:
    """The aggregate of these groups' meetings together (each group's: the database's, or
    `meetings_aggregate`'s): what the database gives for them as one set (none: a count of 0,
    the rest null)."""
    groups = list(groups)
    if not groups:
        return {"count": 0, "ids": None, "sequences": None, "changed": None, "updated": None}
    changed = [group["changed"] for group in groups if group["changed"] is not None]
    return {
        "count": sum(group["count"] for group in groups),
        "ids": sum(group["ids"] for group in groups),
        "sequences": sum(group["sequences"] for group in groups),
        "changed": max(changed, default=None),
        "updated": max(group["updated"] for group in groups),
    }


def feed_version_of(
    spec: FeedSpec,
    *,
    now: datetime,
    meetings: dict,
    programs=None,
    next_by_program=None,
    system: System | None = None,
    system_next: int | None = None,
) -> str:
    """`feed_data_version` from the meetings' aggregate (`meetings_aggregate` of the states a
    build holds, or the database's) and, for a system's feed, its system and its next
    meeting's id (`system_feed_next`)."""
    if programs is None:
        programs = programs_state()
    if next_by_program is None and not spec.system:
        next_by_program = meetings_next_by_program()
    next_meetings = _named_next_meetings(spec, next_by_program, system_next)
    facts = [
        BUILD_FORMAT,
        spec.key,
        timezone.localdate(now).isoformat(),
        plain_aggregate(meetings),
        plain_aggregate(programs_shown(spec, programs)),
        next_meetings,
        (system.code, system.name) if system else None,
        *feed_settings(),
    ]
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:32]


def stored_feed_get(*, key: str) -> StoredFeed | None:
    return StoredFeed.objects.filter(key=key).first()


def stored_feeds_touching(*, program_ids, system_ids=()) -> QuerySet[StoredFeed]:
    """Feeds that may hold meetings of these programs (theirs and the all-programs ones), and
    the feeds of these systems."""
    return StoredFeed.objects.filter(
        Q(program__isnull=True) | Q(program_id__in=program_ids) | Q(system_id__in=system_ids)
    )


def stored_feeds_without_content() -> QuerySet[StoredFeed]:
    """Their validators and scopes: not their heads and layouts."""
    return StoredFeed.objects.defer("head", "layout").select_related("program", "system")


def default_feed_specs() -> list[FeedSpec]:
    """The feeds built ahead of any request: all programs, each program, each system; each
    recent and whole-archive. Other combinations are built on their first request."""
    scopes = [FeedSpec()]
    scopes += [FeedSpec(program=slug) for slug in programs_active().values_list("slug", flat=True)]
    scopes += [
        FeedSpec(system=system_code_key(code))
        for code in System.objects.values_list("code", flat=True)
    ]
    return [
        FeedSpec(program=scope.program, system=scope.system, full_history=full)
        for scope in scopes
        for full in (False, True)
    ]
