"""Search and filter reads for the stakeholder lists: the dashboard, a program's page and the
announcements.

Free text is split into words; every word must match somewhere (AND), as the start of a word, so
"accept polic" finds the "Acceptable Use Policy". A meeting matches on its title and notes, its
agenda topics' titles and bodies and its facilitators' names; an announcement on its title and
body. Those words are stored once per meeting and announcement (`SearchDocument`, kept current by
`search_index`) and indexed by the database: PostgreSQL's full-text search over a GIN-indexed
tsvector (English stemming, prefix queries), SQLite's FTS5 (Porter stemming, prefix queries).
A search is therefore an index lookup whose cost does not grow with the archive, and a list
costs the same few queries at 3 meetings as at 3,000.

The search box is public, so what it accepts is bounded (`search_terms`): at most `MAX_TERMS`
words of `MIN_TERM_LENGTH` to `MAX_TERM_LENGTH` letters; shorter words and bare numbers are
dropped (they match nearly everything and were how a few clients could tie up the database).
Text with no usable word searches nothing, and the page says why.
"""

import operator
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from django.contrib.postgres.search import SearchQuery
from django.db import connection, models
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal

from tug_portal.common import admin_search

from .models import AgendaTopic, Announcement, Meeting, StayConnectedLink, System
from .selectors import (
    announcement_rows,
    announcements_visible,
    can_see_drafts,
    meetings_listed,
    program_slug_filter,
    public_meetings_filter,
    spelled_day,
    system_code_filter,
    topics_for_lists,
)
from .timeutil import SPAN_LABEL_IN_PARENS, zone_name

SEARCH_CONFIG = "english"  # the trigger of migration 0002 builds the vectors with it
MAX_TERMS = 8  # a search box, not a document: longer input only slows the query down
MIN_TERM_LENGTH = 3  # "a", "of", "12" match nearly everything and say nothing
MAX_TERM_LENGTH = 40  # longer is not a word; its first 40 letters still find it (a prefix)
FTS_TABLE = "meetings_searchdocument_fts"  # SQLite, migration 0002
FTS_MATCH = (
    "SELECT rowid FROM meetings_searchdocument_fts WHERE meetings_searchdocument_fts MATCH %s"
)
WORD = re.compile(r"[^\W_]+")  # letters and digits: nothing else reaches a query


# What a list row shows of a meeting (web/components.html#meeting_row) and what its kept
# markup is keyed by (web/row_cache.py): the only columns a list reads. Each column more cost
# every row its conversion and the model its construction (a third of a list's ORM work).
LIST_ROW_FIELDS = (
    "uid",
    "slug",
    "title",
    "starts_at",
    "ends_at",
    "time_zone",
    "status",
    "is_published",
    "calendar_sequence",
    "calendar_changed_at",
    "program__acronym",
)


class When(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    PAST = "past", "Past"
    ALL = "all", "All"


def search_terms(text: str) -> list[str]:
    """The usable words of a search, lowercased, each once, at most MAX_TERMS: words of at least
    MIN_TERM_LENGTH letters that are not bare numbers, cut to MAX_TERM_LENGTH."""
    terms: list[str] = []
    for word in WORD.findall((text or "").lower()):
        term = word[:MAX_TERM_LENGTH]
        if len(term) >= MIN_TERM_LENGTH and not term.isdigit() and term not in terms:
            terms.append(term)
            if len(terms) == MAX_TERMS:
                break
    return terms


NO_USABLE_TERMS = "?"  # the one spelling of a search that holds no usable word


def search_text_canonical(text: str) -> str:
    """What a search actually searches, as text: its usable terms ("DRRS 123 of" → "drrs"), or
    NO_USABLE_TERMS when something was typed but no word is usable, or "". Two texts with the
    same canonical text find the same rows and render the same page (the page cache keys on
    it, web/cache.py), so numbers or short words added to a search make no new page."""
    if not (text or "").strip():
        return ""
    return " ".join(search_terms(text)) or NO_USABLE_TERMS


def has_no_usable_terms(text: str) -> bool:
    """Something was typed, but nothing a search can use: the page asks for more letters."""
    return bool((text or "").strip()) and not search_terms(text)


def matching(terms: list[str], *, through: str = "search_document__") -> Q:
    """Rows whose stored search document holds every term as the start of a word. `through`
    leads from the rows to their SearchDocument ("" for SearchDocument rows themselves)."""
    if connection.vendor == "postgresql":
        # Raw tsqueries "term:*" are prefix queries; terms hold only letters and digits. The
        # condition is on the stored, GIN-indexed column: no vector is built per row.
        query = SearchQuery(f"{terms[0]}:*", search_type="raw", config=SEARCH_CONFIG)
        for term in terms[1:]:
            query &= SearchQuery(f"{term}:*", search_type="raw", config=SEARCH_CONFIG)
        return Q(**{f"{through}vector": query})
    if connection.vendor == "sqlite":
        # FTS5: "term"* is a prefix query, space-separated phrases must all match.
        match = " ".join(f'"{term}"*' for term in terms)
        documents = RawSQL(FTS_MATCH, [match])  # noqa: S611 - constant SQL, the text a parameter
        return Q(**{f"{through}pk__in": documents})
    condition = Q()  # any other database: no index of ours, a scan of the stored text
    for term in terms:
        condition &= Q(**{f"{through}text__icontains": term})
    return condition


def _with_text(queryset: QuerySet, text: str) -> QuerySet:
    """`queryset` narrowed to what the free text finds; none at all when the text holds no
    usable word (the page says so), unfiltered when there is no text."""
    if not (text or "").strip():
        return queryset
    terms = search_terms(text)
    if not terms:
        return queryset.none()
    return queryset.filter(matching(terms))


def _meeting_is_about(system_code: str) -> Exists:
    return Exists(
        AgendaTopic.objects.filter(
            system_code_filter(system_code, "systems__"), meeting=OuterRef("pk")
        )
    )


def _in_time(meetings: QuerySet[Meeting], when: str, now: datetime) -> QuerySet[Meeting]:
    """Upcoming soonest first (a meeting under way is still upcoming); past and all, latest
    first."""
    if when == When.UPCOMING:
        return meetings.upcoming(now)
    if when == When.PAST:
        return meetings.past(now)
    return meetings.order_by("-starts_at", "-pk")


def meetings_search(
    *,
    user=None,
    text: str = "",
    program_slug: str = "",
    system_code: str = "",
    when: str = When.UPCOMING,
    now: datetime | None = None,
) -> QuerySet[Meeting]:
    """The listed meetings (`meetings_listed`) matching the filters, with their program. A list
    row's topics are prefetched (`list_row_topics`) by the lists' row cache, for the rows it has
    not stored."""
    meetings = meetings_listed(user=user, program_slug=program_slug)
    if system_code:
        meetings = meetings.filter(_meeting_is_about(system_code))
    meetings = _with_text(meetings, text)
    meetings = _in_time(meetings, when, now or timezone.now())
    return meetings.select_related("program").only(*LIST_ROW_FIELDS)


# --- The admin's meeting search (the list and the meeting autocompletes) ------------------


def meetings_staff_search(meetings: QuerySet[Meeting], search_term: str) -> QuerySet[Meeting]:
    """`meetings` narrowed to what staff typed: each of its first words (the admin's bounds,
    common/admin_search.py, which every admin search has already been cut to) must
    match. A day spelled YYYY-MM-DD ("TUG 2030-03-12", the name staff see) matches the meetings
    starting that day in their own zone, or whose address has it (a moved meeting keeps its
    first day's address); any other word, the meeting's address or title as typed, or the
    meeting's search document as the public search reads it (its title, notes, topics and
    facilitators, by the starts of words). An index lookup, not a pass over every topic."""
    days, words, starts = _read_terms(search_term)
    zones = days and list(Meeting.objects.order_by().values_list("time_zone", flat=True).distinct())
    for day, spelled in days:
        meetings = meetings.filter(_on_local_day(day, zones) | Q(slug__icontains=spelled))
        for start, zone_label in starts:
            meetings = meetings.filter(_starting_at(day, start, zone_label, zones))
    for word in words:
        meetings = meetings.filter(_staff_search_word(word[: admin_search.MAX_WORD_LENGTH]))
    return meetings


# Quotes and dashes as a message or a word processor writes them, as the search reads them.
AS_SHOWN = str.maketrans({"“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})


def _read_terms(search_term: str):
    """(days, other words, label starts [(local start, zone name)]) of what staff typed: a
    meeting's label typed back ("TUG 2030-03-12 (10:00-11:00 Pacific)", how
    Meeting.__str__ names it) names the meeting of that day starting then, where two of a program
    share the day. Label times with no day, or not a clock's (25:00), are searched as the
    words they are, and so are several labels (one is what is typed back; an outside try's 45,
    crossed with five days, cost a second a search)."""
    # As a message quotes it (“…”), and with a word processor's dash between the times.
    as_shown = search_term.translate(AS_SHOWN)
    labels = SPAN_LABEL_IN_PARENS.findall(as_shown)
    starts = [(time(int(h), int(m)), zone.strip()) for h, m, zone in labels if int(h) < 24]
    if len(starts) == len(labels) == 1:
        rest = SPAN_LABEL_IN_PARENS.sub(" ", as_shown).replace('"', " ")
        days, words = _split_days(_first_words(rest))
        if days:
            return days, words, starts
    days, words = _split_days(_first_words(search_term))
    return days, words, []


def _first_words(text: str) -> list[str]:
    return list(smart_split(text))[: admin_search.MAX_WORDS]


def _starting_at(day: date, start: time, zone_label: str, zones: list[str]) -> Q:
    """The meetings starting at `start` on `day` in their own zone, of the zones named
    `zone_label` as the label names them ("Pacific"); either of a repeated hour."""
    instants = []
    for name in zones:
        if zone_name(name).casefold() == zone_label.casefold():
            for fold in (0, 1):
                local = datetime.combine(day, start, tzinfo=ZoneInfo(name)).replace(fold=fold)
                instants.append(Q(time_zone=name, starts_at=local))
    return reduce(operator.or_, instants, Q(pk__in=[]))


def _staff_search_word(word: str) -> Q:
    if len(word) > 1 and word[0] in "\"'" and word[-1] == word[0]:
        word = unescape_string_literal(word)  # a quoted phrase, as Django's admin reads it
    condition = Q(slug__icontains=word) | Q(title__icontains=word)
    if terms := search_terms(word):
        condition |= matching(terms)
    return condition


def _split_days(terms: list[str]) -> tuple[list[tuple[date, str]], list[str]]:
    """A search's terms (quoted phrases kept whole) split into days spelled YYYY-MM-DD (of the
    years MEETING_YEARS), each with its spelling, and the other terms."""
    days, words = [], []
    for term in terms:
        day = spelled_day(term)
        if day:
            days.append((day, term))
        else:
            words.append(term)
    return days, words


def _on_local_day(day: date, zones: list[str]) -> Q:
    """The meetings starting on `day` in their own time zone (the day their name shows): one
    range of the starts_at index for each span that day has in `zones` (the zones meetings are
    in). Zones whose day starts and ends at the same instants share one range: all 597 zones
    make 38, where one range each cost an outside try's 411 zones 19 s a search."""
    zones_by_span: dict[tuple[datetime, datetime], list[str]] = {}
    for name in zones:
        zone = ZoneInfo(name)
        start = datetime.combine(day, time(), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        span = (start.astimezone(UTC), end.astimezone(UTC))
        zones_by_span.setdefault(span, []).append(name)
    ranges = [
        Q(time_zone__in=names, starts_at__gte=start, starts_at__lt=end)
        for (start, end), names in zones_by_span.items()
    ]
    return reduce(operator.or_, ranges, Q(pk__in=[]))


def list_row_topics() -> Prefetch:
    """What a list row shows of its meeting's topics: a plain list (`topic_list`, each with its
    `system_list`), for `prefetch_related_objects`."""
    return Prefetch("topics", queryset=topics_for_lists(), to_attr="topic_list")


def announcements_search(
    *,
    user=None,
    text: str = "",
    program_slug: str = "",
    system_code: str = "",
    kind: str = "",
) -> QuerySet[Announcement]:
    """Visible announcements matching the filters, newest first, as list rows show them
    (`announcement_rows`). An announcement belongs to a program through the meeting it was
    presented at or the meeting it announces."""
    announcements = announcements_visible(user=user)
    if program_slug:
        # Only through meetings the viewer may see: the link to a draft or a retired program's
        # meeting is not revealed by the filter either.
        presented, related = Q(), Q()
        if not can_see_drafts(user):
            presented = public_meetings_filter("presented_at__")
            related = public_meetings_filter("related_meeting__")
        announcements = announcements.filter(
            (presented & program_slug_filter(program_slug, "presented_at__program__"))
            | (related & program_slug_filter(program_slug, "related_meeting__program__"))
        )
    if system_code:
        announcements = announcements.filter(
            Exists(
                Announcement.systems.through.objects.filter(
                    system_code_filter(system_code, "system__"), announcement=OuterRef("pk")
                )
            )
        )
    if kind:
        announcements = announcements.filter(kind=kind)
    return announcement_rows(_with_text(announcements, text))


def systems_all() -> QuerySet[System]:
    """The systems a stakeholder can filter by, by code."""
    return System.objects.order_by("code")


def stay_connected_links_all() -> list[StayConnectedLink]:
    """The "stay connected" links of every active program, each label and address once (the
    programs of one operator usually share them): for pages that belong to no one program."""
    links = StayConnectedLink.objects.filter(program__is_active=True).order_by(
        "order", "program__acronym", "pk"
    )
    unique = {}
    for link in links:
        unique.setdefault((link.label, link.url), link)
    return list(unique.values())
