"""Parts of the public pages that show neither the viewer nor the request, rendered once and
kept (issue 17): the dashboard's program cards and its sidebar (recent announcements, the
subscribe box), the announcement rows of the lists, and a meeting's agenda; and the lists'
filter forms, which show the request's choices (those are in their keys; typed words are never
kept). Like the meeting rows (row_cache.py), they were rendered afresh for every staff member
and every first visitor after an edit.

Never stale, because a fragment's key holds:
- the page cache's content version (cache.py), which every committed edit of what the pages
  show bumps (meetings, announcements, links...), read by the view BEFORE it reads the data a
  fragment shows: a fragment rendered while an edit commits is stored under the old version and
  never served after it;
- what else it shows that an edit may change without a bump: the programs' own fields and their
  `updated_at` (a program's schedule or name is not in its meetings' calendar snapshot, so its
  edit may send no `meetings_changed`); the calendar links (settings);
- its audience where it depends on it (staff see draft announcements in the sidebar and on a
  meeting's page, draft materials there);
- the markup's version: a digest of the templates and the template tags that make it, so a
  deploy with new templates never serves old markup (`FRAGMENT_VERSION` for a change
  elsewhere), and the script prefix its links are reversed under.
A fragment the clock changes (a program's next meeting, until it ends) is also stored with the
instant it stops being right, and not served from then on.

Fragments are kept with the rows (settings.CACHES["rows"]) for `FRAGMENT_TIMEOUT` at most; an
edit makes new keys, and the old ones leave the cache by themselves.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache as once
from pathlib import Path

from django.core.cache import caches
from django.db.models import prefetch_related_objects
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tug_portal.calendars.links import program_subscribe_links
from tug_portal.materials import selectors as materials
from tug_portal.meetings import selectors

from .next_meetings import next_meetings_by_program

# Bump when what a fragment shows changes outside its templates and the portal tags.
FRAGMENT_VERSION = 1
# An edit makes new keys and leaves the old ones to expire: within an hour, not a day (30 edits
# in a day grew Redis by ~50 MB of fragments nobody could ask for again). A part nobody edits is
# rendered again once an hour.
FRAGMENT_TIMEOUT = 3600
RECENT_ANNOUNCEMENTS = 5  # the dashboard sidebar's
KEY_PREFIX = "web:fragment"
TEMPLATES = (
    "web/components.html",
    "web/dashboard.html",
    "web/program_detail.html",
    "web/announcement_list.html",
    "materials/components.html",
)
ANNOUNCEMENT_ROW = "web/components.html#announcement_row"
PROGRAM_CARDS = "web/dashboard.html#program_cards"
DASHBOARD_SIDEBAR = "web/dashboard.html#dashboard_sidebar"
AGENDA = "web/components.html#agenda"
LATEST_MATERIALS = "materials/components.html#latest_list"
MEETING_MATERIALS = "materials/components.html#meeting_section"
PROGRAM_SIDE = "web/program_detail.html#program_side"
MEETING_FILTERS = "web/components.html#meeting_filters"
ANNOUNCEMENT_FILTERS = "web/announcement_list.html#announcement_filters"


@dataclass(frozen=True)
class Kept:
    markup: str
    valid_until: datetime | None = None  # None: only an edit changes it

    def is_valid(self, now: datetime) -> bool:
        return self.valid_until is None or now < self.valid_until


def fragments_cache():
    return caches["rows"]


# --- Announcement rows ------------------------------------------------------------------------


def announcement_rows(announcements, *, version: int) -> list[SafeString]:
    """The row markup of each announcement, in the order given: the stored rows, and the
    missing ones rendered and stored. `announcements`: the announcements as list rows load them
    (`selectors.announcement_rows`); their systems are read for the missing rows alone."""
    announcements = list(announcements)
    keys = {a.pk: announcement_row_key(a, version=version) for a in announcements}
    cache = fragments_cache()
    stored = cache.get_many(keys.values())
    misses = [a for a in announcements if keys[a.pk] not in stored]
    if misses:
        prefetch_related_objects(
            [a for a in misses if not hasattr(a, "system_list")],
            selectors.announcement_row_systems(),
        )
        template = get_template(ANNOUNCEMENT_ROW)
        rendered = {keys[a.pk]: template.render({"announcement": a}) for a in misses}
        cache.set_many(rendered, timeout=FRAGMENT_TIMEOUT)
        stored |= rendered
    # Markup the row template rendered, with autoescaping, and nothing else ever stores there.
    return [mark_safe(stored[keys[a.pk]]) for a in announcements]  # noqa: S308


def meeting_announcement_rows(meeting, *, user, version: int) -> list[SafeString]:
    """The announcements' rows of a meeting's page (made at it, then announcing it), kept
    together under the content version for their audience: which announcements a meeting has,
    and whether they are published, change only with an edit; staff also see drafts (marked, as
    on the lists), the public never. They are read, with their systems, only when not kept."""
    audience = selectors.can_see_drafts(user)

    def render(now):
        found = selectors.meeting_announcement_rows(meeting, user=user)
        return Kept("".join(announcement_rows(found, version=version)))

    key = fragment_key("meeting-announcements", version, meeting.pk, audience)
    markup = kept_or_rendered(key, render)
    return [markup] if markup else []


def announcement_row_key(announcement, *, version: int) -> str:
    """The content version (its systems, and any edit), and what the row shows besides."""
    shown = (
        announcement.pk,
        announcement.title,
        announcement.slug,
        announcement.kind,
        announcement.is_published,
        announcement.published_at and announcement.published_at.isoformat(),
    )
    return fragment_key("announcement-row", version, shown)


def announcements_without_systems(queryset):
    """A list-row queryset whose systems are not prefetched: `announcement_rows` reads them for
    the rows it renders, not for the rows it finds stored."""
    return queryset.prefetch_related(None)


# --- A meeting's agenda -----------------------------------------------------------------------


def meeting_agenda(meeting, *, version: int) -> SafeString:
    """The agenda of a meeting's page (its topics, their facilitators, systems and documents):
    kept under the content version, which every edit of those bumps, and the meeting itself.
    Staff and the public see the same agenda (the page itself is shown to staff only while the
    meeting is a draft)."""

    def render(now):
        # Its topics are read only here, to render it (`selectors.meeting_page_get`).
        prefetch_related_objects([meeting], selectors.agenda_topics())
        return Kept(get_template(AGENDA).render({"meeting": meeting}))

    key = fragment_key("agenda", version, meeting.pk, meeting.slug, str(meeting))
    return kept_or_rendered(key, render)


# --- A program's page -------------------------------------------------------------------------


def program_latest_materials(program, *, version: int) -> SafeString:
    """The program page's "Latest materials" card: kept under the content version (a material's
    edit, and the sweeps that publish or expire one, send `meetings_changed`) until the clock
    alone would change it (a "public from" passing, a last day ending). Staff see the public
    list too."""

    def render(now):
        latest = materials.program_latest_materials(program=program)
        return Kept(
            get_template(LATEST_MATERIALS).render({"latest_materials": latest}),
            valid_until=materials.materials_clock_change_at(program=program, now=now),
        )

    return kept_or_rendered(fragment_key("program-materials", version, program.pk), render)


def program_side(program, *, version: int) -> SafeString:
    """The program page's "How to join", "Subscribe" and "Contact" cards: the program's own
    (its web conference, dial-ins, feeds and contact), kept under the content version, which
    edits of programs, their dial-ins and people bump."""
    subscribe = program_subscribe_links(program)
    key = fragment_key("program-side", version, programs_shown((program,)), subscribe)
    return kept_or_rendered(
        key, lambda now: Kept(get_template(PROGRAM_SIDE).render({"program": program}))
    )


# --- A list page's filter form ----------------------------------------------------------------


def kept_filters(form, template: str, *, version: int, **context) -> SafeString:
    """A list's filter form (`template`, with `filters` and `context`), kept for each choice
    made in it (program, system, time, kind: not the page number) under the content version,
    which edits of the programs and systems it offers bump. Rendered, not kept, for typed words
    (any text at all: a form kept per search would be one per request) and for a form in
    error."""

    def render(now=None) -> Kept:
        return Kept(get_template(template).render({"filters": form, **context}))

    if not form.is_valid() or form["q"].value():  # as typed: spaces alone are typed words too
        return mark_safe(render().markup)  # noqa: S308 - our template, autoescaped
    shown = tuple((name, form[name].value()) for name in form.fields if name != "page")
    key = fragment_key("filters", version, template, sorted(context.items()), shown)
    return kept_or_rendered(key, render)


# --- A meeting's page -------------------------------------------------------------------------


@dataclass(frozen=True)
class KeptMaterials(Kept):
    """A meeting's "Materials" section, and what the page's Recording box asks of it."""

    has_recording: bool = False
    had_recording: bool = False

    @property
    def section(self) -> SafeString:
        # Markup rendered by our template, with autoescaping.
        return mark_safe(self.markup)  # noqa: S308


def meeting_materials(meeting, *, user, version: int) -> KeptMaterials:
    """A meeting page's "Materials" section: kept under the content version (every edit of a
    material sends `meetings_changed`) for its audience (staff see drafts) until the clock
    alone would change it (a "public from" passing, a last day ending)."""

    def render(now):
        found = materials.meeting_materials(meeting=meeting, user=user, now=now)
        return KeptMaterials(
            # `shown_at`: staff see published materials the public cannot see yet, marked so.
            get_template(MEETING_MATERIALS).render({"materials": found, "shown_at": now}),
            valid_until=materials.materials_clock_change_at(meeting=meeting, now=now),
            has_recording=found.has_recording,
            had_recording=found.had_recording,
        )

    audience = selectors.can_see_drafts(user)
    key = fragment_key("meeting-materials", version, meeting.pk, meeting.is_published, audience)
    return kept_entry(key, render)


# --- The dashboard ----------------------------------------------------------------------------


def dashboard_fragments(*, programs, user, version: int) -> dict[str, SafeString]:
    """{"program_cards": ..., "sidebar": ...}: the dashboard's next meeting of each program and
    its sidebar, from the cache (one read for both) or rendered and stored."""
    shown_programs = programs_shown(programs)
    subscribe = program_subscribe_links(None)
    keys = {
        "program_cards": fragment_key("program-cards", version, shown_programs),
        "sidebar": fragment_key(
            "dashboard-sidebar",
            version,
            shown_programs,
            subscribe,
            selectors.can_see_drafts(user),
        ),
    }
    cache, now = fragments_cache(), timezone.now()
    stored = cache.get_many(keys.values())
    renderers = {
        "program_cards": lambda: _program_cards(programs, version=version),
        "sidebar": lambda: _sidebar(programs, user=user, version=version),
    }
    found = {}
    for name, key in keys.items():
        kept = stored.get(key)
        if not (isinstance(kept, Kept) and kept.is_valid(now)):
            kept = renderers[name]()
            cache.set(key, kept, timeout=_timeout(kept, now))
        found[name] = kept
    # Markup rendered by our templates, with autoescaping.
    return {name: mark_safe(kept.markup) for name, kept in found.items()}  # noqa: S308


def _program_cards(programs, *, version: int) -> Kept:
    next_meetings = next_meetings_by_program(version=version)
    cards = [(program, next_meetings.get(program.pk)) for program in programs]
    markup = get_template(PROGRAM_CARDS).render({"programs": cards})
    # Right until the first of these meetings ends (the rule of next_meetings.py).
    return Kept(markup, valid_until=selectors.next_meetings_change_at(next_meetings))


def _sidebar(programs, *, user, version: int) -> Kept:
    recent = selectors.announcement_rows(selectors.announcements_visible(user=user))
    rows = announcement_rows(
        announcements_without_systems(recent[:RECENT_ANNOUNCEMENTS]), version=version
    )
    context = {"programs": programs, "announcement_rows": rows}
    return Kept(get_template(DASHBOARD_SIDEBAR).render(context))


def kept_entry(key: str, render: Callable[[datetime], Kept]) -> Kept:
    """The part kept under `key` while it is right, else `render(now)`, kept for as long as it
    stays right (its `valid_until`, or `FRAGMENT_TIMEOUT`)."""
    cache, now = fragments_cache(), timezone.now()
    kept = cache.get(key)
    if not (isinstance(kept, Kept) and kept.is_valid(now)):
        kept = render(now)
        cache.set(key, kept, timeout=_timeout(kept, now))
    return kept


def kept_or_rendered(key: str, render: Callable[[datetime], Kept]) -> SafeString:
    """`kept_entry`'s markup, rendered by our templates, with autoescaping."""
    return mark_safe(kept_entry(key, render).markup)  # noqa: S308


def _timeout(kept: Kept, now: datetime) -> int:
    if kept.valid_until is None:
        return FRAGMENT_TIMEOUT
    # At least a second: `is_valid`, not the cache's expiry, is what keeps it exact.
    return max(1, min(FRAGMENT_TIMEOUT, int((kept.valid_until - now).total_seconds()) + 1))


# What the program cards and the subscribe box show of a program (its schedule in words is
# made of the recurrence fields), besides when it last changed.
PROGRAM_FIELDS_SHOWN = (
    "pk",
    "updated_at",
    "slug",
    "acronym",
    "name",
    "recurrence_rule",
    "recurrence_start",
    "default_start_time",
    "default_duration",
    "time_zone",
    "is_active",  # a retired program's page (staff only) offers no feeds or reminders
)


def programs_shown(programs) -> tuple:
    """What the fragments show of the programs: a program's edit need not bump the content
    version (its fields are not in its meetings' calendar snapshots)."""
    return tuple(
        tuple(str(getattr(program, name)) for name in PROGRAM_FIELDS_SHOWN) for program in programs
    )


# --- Keys -------------------------------------------------------------------------------------


def fragment_key(name: str, version: int, *shown) -> str:
    digest = hashlib.sha256(repr((version, shown, get_script_prefix())).encode()).hexdigest()
    return f"{KEY_PREFIX}:{name}:{markup_version()}:{digest[:40]}"


@once
def markup_version() -> str:
    """FRAGMENT_VERSION and a digest of the fragments' templates, the portal tags and the
    filter forms' markup (forms.py, form_renderer.py)."""
    from tug_portal.web import form_renderer, forms
    from tug_portal.web.templatetags import portal

    modules = [portal.__file__, forms.__file__, form_renderer.__file__]  # the filters' markup
    sources = [get_template(name).origin.name for name in TEMPLATES] + modules
    digest = hashlib.sha256(b"".join(Path(name).read_bytes() for name in sources))
    return f"{FRAGMENT_VERSION}.{digest.hexdigest()[:12]}"
