"""Reads. Each returns a queryset (or rows) with what its callers touch already joined or
prefetched, so that a page or feed costs the same few queries at 3 meetings as at 3,000."""

import operator
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from django.db.models import Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from .models import (
    AgendaTopic,
    Announcement,
    ConferenceDetails,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    StayConnectedLink,
    System,
)

# The web-conference fields a meeting takes from where it was made: its program's defaults when
# it is created, the original's when it is duplicated. (Copied once, not looked up when read:
# staff edit a meeting's own details, and a later change to the program's leaves it as it is.)
JOIN_FIELDS = ("web_conference_url", "meeting_number", "web_access_code")


def can_see_drafts(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


# --- THE "is public" rule ---------------------------------------------------------------------
# What the public may see of a meeting: it is published and its program is active (a retired
# program's meetings disappear with it). Every page, feed, API answer, search and link from other
# content (an announcement's meeting) asks one of these three, never the fields themselves.


def public_meetings_filter(prefix: str = "") -> Q:
    """The rule as a filter; `prefix` reaches the meeting through a relation
    ("related_meeting__")."""
    return Q(**{f"{prefix}is_published": True, f"{prefix}program__is_active": True})


def meeting_is_public(meeting: Meeting) -> bool:
    """The rule for one meeting already loaded (its program with it)."""
    return meeting.is_published and meeting.program.is_active


def meeting_shown(meeting: Meeting | None, *, user=None) -> Meeting | None:
    """A meeting linked from other content, or None when this viewer may not see it: staff see
    drafts and retired programs' meetings, the public only public ones."""
    if meeting is None or can_see_drafts(user) or meeting_is_public(meeting):
        return meeting
    return None


# --- THE system-code rule ---------------------------------------------------------------------
# Which system a code given in a request names (a page's or a feed's `?system=`, the API's
# `system`, the reminders sign-up's): the system whose code it is, in any case, spaces around it
# ignored (`oms`, `OMS` and ` Oms ` name OMS). Pages, feeds, the API and the sign-up ask these
# functions, never the field itself. (A code is not kept after a rename: the old one names
# nothing, on pages and feeds alike.)


def system_code_key(code: str) -> str:
    """The rule as a key: equal for every spelling of one system's code. Feeds are stored under
    it (calendars/feed_specs.py)."""
    return code.strip().lower()


def system_code_filter(code: str, prefix: str = "") -> Q:
    """The rule as a filter on systems (`code__iexact` compares as `system_code_key` does);
    `prefix` reaches the system through a relation ("topics__systems__")."""
    return Q(**{f"{prefix}code__iexact": code.strip()})


def system_for_code(code: str, systems: Iterable[System]) -> System | None:
    """The rule over systems already read (the lists' filters take the kept ones: no query):
    the system the code names, or None."""
    key = system_code_key(code)
    return next((system for system in systems if system_code_key(system.code) == key), None)


def systems_for_codes(codes: Iterable[str]) -> dict[str, System | None]:
    """The system each code names (None: no system has that code), in one query."""
    codes = list(codes)
    spellings = {system_code_key(code): code for code in codes}  # each system asked for once
    if not spellings:
        return {}
    found = list(
        System.objects.filter(reduce(operator.or_, map(system_code_filter, spellings.values())))
    )
    return {code: system_for_code(code, found) for code in codes}


def system_code_spelled(code: str, systems: Iterable[System]) -> str:
    """The code as its system spells it (`oms` → `OMS`); as given when it names none. The
    canonical spelling a page's URL is redirected to (web/spellings.py)."""
    system = system_for_code(code, systems)
    return system.code if system else code


def system_code_taken(code: str, *, other_than: int | None = None) -> System | None:
    """The system, other than the one with pk `other_than`, whose code this code is in any
    case: the one a new code may not repeat (a database constraint says the same)."""
    return System.objects.filter(system_code_filter(code)).exclude(pk=other_than).first()


# --- THE program-slug rule --------------------------------------------------------------------
# Which program a slug given in a request names (a page's path or `?program=`, a feed's path, the
# API's `program`, the reminders sign-up's): the program whose slug it is, in any case, spaces
# around it ignored (`tug`, `TUG` and ` Tug ` name TUG), as the system-code rule above.


def program_slug_key(slug: str) -> str:
    """The rule as a key: equal for every spelling of one program's slug. Feeds are stored under
    it (calendars/feed_specs.py)."""
    return slug.strip().lower()


def program_slug_filter(slug: str, prefix: str = "") -> Q:
    """The rule as a filter on programs; `prefix` reaches the program through a relation
    ("program__")."""
    return Q(**{f"{prefix}slug__iexact": slug.strip()})


def program_for_slug(slug: str, programs: Iterable[Program]) -> Program | None:
    """The rule over programs already read (the pages' kept ones: no query)."""
    key = program_slug_key(slug)
    return next((program for program in programs if program_slug_key(program.slug) == key), None)


def program_slug_spelled(slug: str, programs: Iterable[Program]) -> str:
    """The slug as its program spells it (`TUG` → `tug`); as given when it names none."""
    program = program_for_slug(slug, programs)
    return program.slug if program else slug


def program_slug_taken(slug: str, *, other_than: int | None = None) -> Program | None:
    """The program, other than the one with pk `other_than`, whose slug this slug is in any
    case (a database constraint says the same)."""
    return Program.objects.filter(program_slug_filter(slug)).exclude(pk=other_than).first()


def meeting_join_details(source: ConferenceDetails) -> dict[str, str]:
    """The join details a new meeting takes from `source` (its program, or the meeting it
    copies), as model fields. No query."""
    return {field: getattr(source, field) for field in JOIN_FIELDS}


def programs_for_meeting(meeting: Meeting) -> QuerySet[Program]:
    """The programs a meeting may be of: the active ones, and its own (a deactivated program's
    meetings stay editable; the schedule and the duplicate action refuse it new ones too)."""
    return Program.objects.filter(Q(is_active=True) | Q(pk=meeting.program_id))


def meeting_starting_at(program: Program, starts_at, *, other_than=None) -> Meeting | None:
    """The program's meeting (other than `other_than`'s pk) that starts at that instant: two
    would be one typed twice (an outside try saved tug-2030-03-12-3 beside its copy)."""
    meetings = Meeting.objects.filter(program=program, starts_at=starts_at)
    return meetings.exclude(pk=other_than).select_related("program").first()


# When a new meeting starts if neither staff nor its program say.
FALLBACK_START = time(10, 0)


def new_meeting_start(program: Program) -> time:
    """The local time a new meeting of `program` starts at unless told otherwise."""
    return program.default_start_time or FALLBACK_START


def new_meeting_defaults(program: Program) -> dict[str, str]:
    """The fields a new meeting of `program` takes from it where they are left empty (the
    admin's add form; services.meeting_create): its name, its zone and its join details, as
    model fields. No query."""
    return {"title": program.name, "time_zone": program.time_zone, **meeting_join_details(program)}


def agenda_request_recipient(*, program: Program, meeting: Meeting | None = None) -> Person | None:
    """Who answers an agenda request: the meeting's contact (its own, else its program's) when
    it names a meeting, else the program's contact; None when nobody is named. No query beyond
    the contacts' rows when they are not loaded."""
    return (meeting and meeting.effective_contact) or program.contact


def programs_active() -> QuerySet[Program]:
    return Program.objects.filter(is_active=True).select_related("contact")


def program_get(*, slug: str) -> Program:
    program = (
        programs_active()
        .prefetch_related(
            "dial_ins", Prefetch("links", queryset=StayConnectedLink.objects.order_by("order"))
        )
        .filter(program_slug_filter(slug))
        .first()
    )
    if program is None:
        raise Http404("No such program.")
    return program


def program_page_get(*, slug: str, user=None, programs: Iterable[Program]) -> Program:
    """The program of a program's page: one of `programs` (the active ones, as the pages keep
    them with their contact, dial-ins and links: web/reference.py). Staff also open a
    deactivated (retired) one, read with those, to reach its meetings (its page says it is
    switched off); for the public it is a 404, as a program that does not exist."""
    if program := program_for_slug(slug, programs):
        return program
    if can_see_drafts(user):
        retired = (
            Program.objects.filter(program_slug_filter(slug), is_active=False)
            .select_related("contact")
            .prefetch_related(
                "dial_ins",
                Prefetch("links", queryset=StayConnectedLink.objects.order_by("order", "pk")),
            )
            .first()
        )
        if retired is not None:
            return retired
    raise Http404("No such program.")


def topics_with_people() -> QuerySet[AgendaTopic]:
    """Topics as pages show them: with facilitators, systems, documents and their bodies."""
    return topics_for_calendars().defer(None).prefetch_related("documents")


def topics_for_lists() -> QuerySet[AgendaTopic]:
    """Topics as a list row shows them: the title and the systems' codes, the systems as a plain
    list (`system_list`). (Twenty meetings of eight topics each: a related manager made per
    topic and per access, as `topic.systems.all` in a template does, cost more than the
    queries.)"""
    return AgendaTopic.objects.only("meeting_id", "order", "title").prefetch_related(
        Prefetch("systems", queryset=System.objects.only("code"), to_attr="system_list")
    )


def topics_for_calendars() -> QuerySet[AgendaTopic]:
    """Topics as calendars and snapshots see them: no body, no documents (a ten-year feed
    loads some 10,000 topics; every column counts)."""
    return AgendaTopic.objects.defer("body", "body_rendered").prefetch_related(
        Prefetch("facilitators", queryset=Person.objects.order_by("name")), "systems"
    )


def meetings_with_calendar_facts(queryset: QuerySet[Meeting] | None = None) -> QuerySet[Meeting]:
    """Meetings with everything a calendar event or a snapshot shows, in a fixed number of
    queries whatever their number."""
    queryset = Meeting.objects.all() if queryset is None else queryset
    return queryset.select_related(
        "program", "program__contact", "contact", "replacement"
    ).prefetch_related(
        Prefetch("topics", queryset=topics_for_calendars()),
        Prefetch("dial_ins", queryset=MeetingDialIn.objects.order_by("order", "pk")),
    )


def meetings_with_agenda(queryset: QuerySet[Meeting] | None = None) -> QuerySet[Meeting]:
    """Meetings with their whole agenda as pages and mails show it: topics with bodies,
    facilitators, systems and documents, the dial-ins, and the meeting replacing a cancelled
    one."""
    queryset = Meeting.objects.all() if queryset is None else queryset
    return _meetings_without_topics(queryset).prefetch_related(agenda_topics())


def agenda_topics() -> Prefetch:
    """A meeting's topics as its agenda shows them (with bodies, facilitators, systems and
    documents), for `prefetch_related` or `prefetch_related_objects`."""
    return Prefetch("topics", queryset=topics_with_people())


def _meetings_without_topics(
    queryset: QuerySet[Meeting], *, with_program: bool = True
) -> QuerySet[Meeting]:
    program = ("program", "program__contact") if with_program else ()
    return queryset.select_related(
        *program, "contact", "replacement", "replacement__program"
    ).prefetch_related(
        Prefetch("dial_ins", queryset=MeetingDialIn.objects.order_by("order", "pk")),
    )


def meetings_visible(*, user=None) -> QuerySet[Meeting]:
    """Public meetings; staff also see drafts and a deactivated program's meetings (a meeting's
    own page, reached from the admin or a link: `meeting_shown`)."""
    if can_see_drafts(user):
        return Meeting.objects.all()
    return Meeting.objects.published()


def meetings_listed(*, user=None, program_slug: str = "") -> QuerySet[Meeting]:
    """The meetings the lists hold (the dashboard, a program's page, search), of one program
    when `program_slug` names it: public ones; staff also see drafts, to check them before they
    are published. A deactivated program's meetings are in no list for the public, and for
    staff only on that program's own page (`program_page_get`, which marks it switched off): it
    is gone from the lists' filters and cards (its meetings stay in the admin and at their
    addresses)."""
    if can_see_drafts(user):
        if program_slug:
            return Meeting.objects.filter(program_slug_filter(program_slug, "program__"))
        return Meeting.objects.filter(program__is_active=True)
    meetings = Meeting.objects.published()
    return (
        meetings.filter(program_slug_filter(program_slug, "program__"))
        if program_slug
        else meetings
    )


def meeting_get(*, slug: str, user=None) -> Meeting:
    """One meeting with every fact its page shows, and its published announcements (as the API
    shows them; the page takes `meeting_announcement_rows`). A draft is a 404 for the public, so
    its existence is not revealed."""
    return _meeting_or_404(
        _meeting_page_queryset(user=user).prefetch_related(
            agenda_topics(),
            Prefetch("announcements", queryset=Announcement.objects.published()),
            Prefetch("announced_by", queryset=Announcement.objects.published()),
        ),
        slug=slug,
    )


def meeting_page_get(*, slug: str, user=None, programs: Mapping[int, Program]) -> Meeting:
    """One meeting with every fact its page shows but its announcements
    (`meeting_announcement_rows`, one query for both kinds) and its agenda's topics: the page
    keeps its agenda rendered (web/fragments.py) and reads them (`agenda_topics`) only to
    render it again. Its program is taken from `programs` (`meeting_with_program`)."""
    return meeting_with_program(meeting_page_row(slug=slug, user=user), programs=programs)


def meeting_slug_spelled(slug: str, *, user=None) -> str | None:
    """The slug of the meeting `slug` names in another case (agendas write "TUG-2018-10-16"),
    if the user may see it; else None. Asked only after the exact slug found nothing."""
    if len(slug) > MEETING_SLUG_LENGTH:  # names none; SQLite refuses a 50,000-letter pattern
        return None
    return (
        meetings_visible(user=user).filter(slug__iexact=slug).values_list("slug", flat=True).first()
    )


# The years a day typed by someone may name a meeting in: outside them, none does (and a day
# either side of the calendar's ends overflows a datetime).
MEETING_YEARS = range(1900, 3000)
MEETING_SLUG_LENGTH = Meeting._meta.get_field("slug").max_length
# A meeting's address as `services.meeting_slug_base` writes it: its program and local day.
_PROGRAM_AND_DAY = re.compile(r"(?P<program>[-\w]+)-(?P<day>\d{4}-\d{2}-\d{2})", re.ASCII)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def spelled_day(text: str) -> date | None:
    """The day `text` spells as YYYY-MM-DD, if it is one a meeting can have (MEETING_YEARS)."""
    if not _DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:  # 2030-02-30
        return None
    return day if day.year in MEETING_YEARS else None


def meeting_slug_on_day(slug: str, *, user=None) -> str | None:
    """The slug of the meeting the user may see that starts on the day `slug` names, of the
    program it names, in the meeting's own zone (the earliest, if several): a meeting moved
    keeps the address of the day it was made for, and "tug-2030-03-12" finds it on the 12th.
    None when `slug` is not a program and a day, or that day has none. Asked only after the
    exact slug and its other spellings found nothing."""
    match = len(slug) <= MEETING_SLUG_LENGTH and _PROGRAM_AND_DAY.fullmatch(slug)
    day = match and spelled_day(match["day"])
    if not day:
        return None
    around = datetime.combine(day, time(), tzinfo=UTC)  # every zone's day is within a day of it
    candidates = (
        meetings_visible(user=user)
        .filter(program__slug__iexact=match["program"])
        .filter(starts_at__gte=around - timedelta(days=1), starts_at__lt=around + timedelta(days=2))
        .order_by("starts_at")
        .values_list("slug", "starts_at", "time_zone")
    )
    return next(
        (
            found
            for found, starts_at, zone in candidates
            if starts_at.astimezone(ZoneInfo(zone)).date() == day
        ),
        None,
    )


def meeting_page_row(*, slug: str, user=None) -> Meeting:
    """`meeting_page_get` without its program (two queries: the meeting, with its contact and
    its replacement, and its dial-ins); a 404 for a meeting the user may not see."""
    return _meeting_or_404(
        _meetings_without_topics(meetings_visible(user=user), with_program=False), slug=slug
    )


def meeting_with_program(meeting: Meeting, *, programs: Mapping[int, Program]) -> Meeting:
    """The meeting with its program taken from `programs` (by id, each with its contact,
    dial-ins and links: the pages keep the active ones, web/reference.py), and read, with
    those, only when it is not there (a retired program)."""
    program = programs.get(meeting.program_id)
    if program is None:
        program = (
            Program.objects.select_related("contact")
            .prefetch_related("dial_ins", "links")
            .get(pk=meeting.program_id)
        )
    meeting.program = program
    return meeting


def _meeting_page_queryset(*, user=None) -> QuerySet[Meeting]:
    return _meetings_without_topics(meetings_visible(user=user)).prefetch_related("program__links")


def _meeting_or_404(queryset: QuerySet[Meeting], *, slug: str) -> Meeting:
    meeting = queryset.filter(slug=slug).first()
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def _next_meeting_candidates(after: datetime) -> QuerySet[Meeting]:
    # A meeting under way is still "next" until it ends; a cancelled one is never next.
    return (
        Meeting.objects.published()
        .exclude(status=Meeting.Status.CANCELLED)
        .under_way_or_later(after, inclusive=False)
        .order_by("starts_at", "pk")
    )


def meeting_next_for_program(*, program: Program, after: datetime | None = None):
    """THE next meeting of a program: the page, the feeds, the API and the dashboard all ask
    this function. `after` defaults to now; pass a meeting's end for "the meeting after it"."""
    candidates = _next_meeting_candidates(after or timezone.now()).filter(program=program)
    return candidates.select_related("program").first()


def meetings_next_by_program(*, after: datetime | None = None) -> dict[int, Meeting]:
    """The same rule for every active program at once, in one query (each program's next
    meeting found by a subquery on the starts_at index)."""
    after = after or timezone.now()
    next_ids = programs_active().annotate(
        next_id=Subquery(
            _next_meeting_candidates(after).filter(program=OuterRef("pk")).values("pk")[:1]
        )
    )
    meetings = Meeting.objects.filter(pk__in=next_ids.values("next_id")).select_related("program")
    return {meeting.program_id: meeting for meeting in meetings}


def next_meetings_change_at(next_meetings: dict[int, Meeting]) -> datetime | None:
    """The first instant at which `meetings_next_by_program` answers otherwise with no edit,
    given its answer now; None when the clock alone never changes it. The candidates of a
    program only lose members as time passes (a meeting is next until it ends), and the first
    of them by start stays first until it ends: so the answer holds until the first of these
    meetings ends (at `ends_at` it is no longer "under way or later"). A program without a next
    meeting keeps none until an edit adds one."""
    return min((meeting.ends_at for meeting in next_meetings.values()), default=None)


def meetings_first_end(*, after: datetime) -> datetime | None:
    """The first instant at or after `after` at which a meeting ends (any meeting, drafts and
    retired programs' included); None when none is ahead. Until then no meeting moves between
    "upcoming" (ends at or after now) and "past" (ended): the lists' pages change with the clock
    only then."""
    ahead = Meeting.objects.under_way_or_later(after).order_by()
    return ahead.aggregate(first_end=Min("ends_at"))["first_end"]


def meetings_between(*, start: datetime, end: datetime, user=None) -> QuerySet[Meeting]:
    return (
        meetings_visible(user=user)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("program")
        .order_by("starts_at", "pk")
    )


def announcements_visible(*, user=None) -> QuerySet[Announcement]:
    queryset = Announcement.objects.all()
    if not can_see_drafts(user):
        queryset = queryset.published()
    return queryset.prefetch_related("systems").select_related(
        "related_meeting", "related_meeting__program"
    )


# What a list row of announcements shows (web/components.html#announcement_row).
ANNOUNCEMENT_ROW_FIELDS = ("title", "slug", "kind", "is_published", "published_at")


def announcement_rows(queryset: QuerySet[Announcement], *also: str) -> QuerySet[Announcement]:
    """Announcements as a list row shows them: its columns only (not the bodies, nor the
    meetings joined), and the systems' codes as a plain list (`system_list`), in one query for
    the whole page. (`announcement.systems.all` in the row made a related manager and, without
    a prefetch, a query per row.) `also`: more fields the caller reads."""
    return (
        queryset.select_related(None)
        .prefetch_related(None)
        .only(*ANNOUNCEMENT_ROW_FIELDS, *also)
        .prefetch_related(announcement_row_systems())
    )


def announcement_row_systems() -> Prefetch:
    """The systems' codes a list row shows, as `system_list` (web/fragments.py prefetches them
    for the rows it has to render)."""
    return Prefetch("systems", queryset=System.objects.only("code"), to_attr="system_list")


def meeting_announcement_rows(meeting: Meeting, *, user=None) -> list[Announcement]:
    """The announcements made at a meeting, then those announcing it, each once, as list rows:
    two queries however many there are. The public's are the published ones; staff also see
    drafts (as on the announcement lists: `announcements_visible`)."""
    announcements = announcement_rows(
        announcements_visible(user=user).filter(
            Q(presented_at=meeting) | Q(related_meeting=meeting)
        ),
        "presented_at",
    )
    made_at = [a for a in announcements if a.presented_at_id == meeting.pk]
    return made_at + [a for a in announcements if a.presented_at_id != meeting.pk]


def announcement_get(*, slug: str, user=None) -> Announcement:
    announcement = (
        announcements_visible(user=user)
        .prefetch_related(
            "documents",
            Prefetch("related_meeting__topics", queryset=topics_with_people()),
        )
        .select_related("presented_at", "presented_at__program")
        .filter(slug=slug)
        .first()
    )
    if announcement is None:
        raise Http404("No such announcement.")
    return announcement


def meetings_for_system(*, code: str) -> Q:
    """A filter for meetings with a topic about a system (DRRS, OMS, ...), named by its code
    (`system_code_filter`)."""
    return system_code_filter(code, "topics__systems__")
