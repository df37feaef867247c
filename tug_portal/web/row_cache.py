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
from functools import cache as once
from itertools import groupby
from pathlib import Path

from django.core.cache import caches
from django.db.models import prefetch_related_objects
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

from tug_portal.meetings.models import Meeting
from tug_portal.meetings.search import list_row_topics

ROW_TEMPLATE = "web/components.html#meeting_row"
# Bump when what a row shows changes outside the template and its tags (markup_version()).
ROW_TEMPLATE_VERSION = 1
ROW_TIMEOUT = 7 * 24 * 3600
KEY_PREFIX = "web:row"


def meeting_rows_by_month(meetings) -> list[tuple[str, list[SafeString]]]:
    """[("October 2018", [row markup, ...]), ...] of a page's meetings, in the order given."""
    meetings = list(meetings)
    rows = meeting_rows(meetings)
    return [
        (label, [rows[meeting.pk] for meeting in group])
        for label, group in group_by_month(meetings)
    ]


def meeting_rows(meetings: list[Meeting]) -> dict[int, SafeString]:
    """{meeting id: its row's markup}: the stored rows, and the missing ones rendered and stored."""
    keys = {meeting.pk: row_key(meeting) for meeting in meetings}
    cache = rows_cache()
    stored = cache.get_many(keys.values())
    misses = [meeting for meeting in meetings if keys[meeting.pk] not in stored]
    if misses:
        prefetch_related_objects(misses, list_row_topics())
        template = get_template(ROW_TEMPLATE)
        rendered = {keys[meeting.pk]: template.render({"meeting": meeting}) for meeting in misses}
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
