"""The meeting lists' rows (`web/components.html#meeting_row`), each rendered once and kept in the
cache, read for a whole page in one `get_many`.

Why: a list page of 20 meetings (160 topics) spent most of its time in Django's template engine,
some 10,000 variables resolved for the rows alone (the date chip, the times in the meeting's
zone, the link, the topics and their systems), and a row rendered afresh for every staff member
and every first visitor after an edit. A row shows nothing of its viewer (the Draft badge is the
meeting's own; only staff are shown drafts at all), so one rendering serves every page, filter
and visitor that lists the meeting until the meeting changes.

What the key holds, so that any change of what a row shows is a new key (tests/web/
test_row_cache.py proves each kind of edit):
- the meeting's own fields the row shows (uid, slug, title, times, zone, status, published) and
  its program's acronym: the page's query reads them anyway;
- for its topics (titles, order) and their systems' codes: the meeting's calendar state,
  SEQUENCE and when it last changed. The core's sync, on the commit of any edit, bumps it when
  the calendar snapshot differs, and the snapshot holds exactly those (meetings/calendar_state.py);
- the markup's version: a digest of the files that make the row (the template and the
  template tags it uses), so a deploy that changes them never serves a row of the old markup,
  plus `ROW_TEMPLATE_VERSION` for a change elsewhere; and the script prefix its link is
  reversed under.
Nothing else is needed: the page cache's global content version (web/cache.py) would make every
edit re-render every row, and the per-meeting state already misses nothing the row shows.

A row not found is rendered and stored (`set_many`); only those rows need their topics, so the
topics and systems are prefetched for the misses alone. A row is kept `ROW_TIMEOUT` seconds,
so the rows of meetings nobody lists any more leave the cache.
"""

import hashlib
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import cache as once
from itertools import groupby
from pathlib import Path

from django.core.cache import caches
from django.db.models import QuerySet
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from tug_portal.meetings.models import Meeting
from tug_portal.meetings.search import LIST_ROW_FIELDS, list_row_topics

ROW_TEMPLATE = "web/components.html#meeting_row"
# Bump when what a row shows changes outside the template and its tags (markup_version()).
ROW_TEMPLATE_VERSION = 1
ROW_TIMEOUT = 7 * 24 * 3600
KEY_PREFIX = "web:row"


@dataclass(frozen=True)
class ListedProgram:
    acronym: str


@dataclass(frozen=True)
class ListedMeeting:
    """What a list reads of a meeting (search.LIST_ROW_FIELDS): what its row shows and is kept
    by, as plain values. A page of Meeting instances cost a third of a list's ORM work in their
    construction, for rows that are nearly always kept; a row not kept is rendered from the
    meeting read whole (`meeting_rows`)."""

    pk: int
    uid: object
    slug: str
    title: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    status: str
    is_published: bool
    calendar_sequence: int
    calendar_changed_at: datetime | None
    program: ListedProgram

    @classmethod
    def from_values(cls, values: dict) -> "ListedMeeting":
        fields = {name: values[name] for name in LIST_ROW_FIELDS if name != "program__acronym"}
        return cls(pk=values["pk"], program=ListedProgram(values["program__acronym"]), **fields)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(zoneinfo.ZoneInfo(self.time_zone))


def meeting_rows_by_month(listed: list[dict]) -> list[tuple[str, list[SafeString]]]:
    """[("October 2018", [row markup, ...]), ...] of a page's meetings (the values of
    `listed_values`), in the order given."""
    meetings = [ListedMeeting.from_values(values) for values in listed]
    rows = meeting_rows(meetings)
    return [
        (label, [rows[meeting.pk] for meeting in group])
        for label, group in group_by_month(meetings)
    ]


def listed_values(meetings: QuerySet[Meeting]) -> QuerySet:
    """The meetings as a list reads them: only the values `ListedMeeting` holds."""
    return meetings.values("pk", *LIST_ROW_FIELDS)


def meeting_rows(meetings: list) -> dict[int, SafeString]:
    """{meeting id: its row's markup}: the stored rows, and the missing ones rendered, from the
    meetings read whole with their topics (one query each), and stored. `meetings`: Meeting or
    ListedMeeting instances."""
    keys = {meeting.pk: row_key(meeting) for meeting in meetings}
    cache = rows_cache()
    stored = cache.get_many(keys.values())
    missing = [pk for pk, key in keys.items() if key not in stored]
    if missing:
        whole = Meeting.objects.select_related("program").prefetch_related(list_row_topics())
        template = get_template(ROW_TEMPLATE)
        rendered = {
            keys[meeting.pk]: template.render({"meeting": meeting})
            for meeting in whole.filter(pk__in=missing)
        }
        cache.set_many(rendered, timeout=ROW_TIMEOUT)
        stored |= rendered
    # Markup the row template rendered, with autoescaping, and nothing else ever stores there.
    return {pk: mark_safe(stored[key]) for pk, key in keys.items()}  # noqa: S308


def rows_cache():
    """Where rows are kept (settings.CACHES["rows"]: Redis beside the rest, or, embedded, each
    process's memory rather than the file cache's 300 entries)."""
    return caches["rows"]


def row_key(meeting: Meeting) -> str:
    """What the row shows, or what changes with it (the module's docstring says why each)."""
    shown = (
        str(meeting.uid),
        meeting.calendar_sequence,
        meeting.calendar_changed_at and meeting.calendar_changed_at.isoformat(),
        meeting.slug,
        meeting.title,
        meeting.starts_at.isoformat(),
        meeting.ends_at.isoformat(),
        meeting.time_zone,
        meeting.status,
        meeting.is_published,
        meeting.program.acronym,
        get_script_prefix(),
    )
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:40]
    return f"{KEY_PREFIX}:{markup_version()}:{digest}"


@once
def markup_version() -> str:
    """ROW_TEMPLATE_VERSION and a digest of the row's template file and its template tags."""
    from tug_portal.web.templatetags import portal

    sources = [get_template(ROW_TEMPLATE).origin.name, portal.__file__]
    digest = hashlib.sha256(b"".join(Path(name).read_bytes() for name in sources))
    return f"{ROW_TEMPLATE_VERSION}.{digest.hexdigest()[:12]}"


def group_by_month(meetings) -> list[tuple[str, list[Meeting]]]:
    """[("October 2018", [meetings...]), ...] in the order given, by local start."""
    return [
        (label, list(group))
        for label, group in groupby(meetings, key=lambda m: f"{m.local_start:%B %Y}")
    ]
