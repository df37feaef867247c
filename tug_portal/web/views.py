"""Stakeholder pages. Thin: each reads through the meetings selectors and search, writes through
its services, and renders one page template, or only the page's list fragment (a
`{% partialdef %}`) when htmx asks. Every list URL works without JavaScript as a full page.
The public pages are served from the page cache to anonymous visitors (cache.py), so they hold
no per-visitor content: the agenda request form, with its CSRF token, has a page of its own."""

import logging
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Page
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from tug_portal.common import fair_use
from tug_portal.materials import selectors as materials
from tug_portal.meetings import search, selectors, services
from tug_portal.meetings.moved import moved_to_own_slug

from . import fragments, kept_lists, kept_meeting, row_cache
from .cache import cache_public_page, content_version
from .forms import AgendaRequestForm, AnnouncementFilterForm, MeetingFilterForm
from .next_meetings import next_meeting_after, next_meetings_by_program
from .reference import reference
from .spellings import canonical_spellings

logger = logging.getLogger(__name__)

MEETINGS_PER_PAGE = 20
ANNOUNCEMENTS_PER_PAGE = 20


def wants_fragment(request) -> bool:
    """An htmx swap wants the fragment; htmx restoring history after a cache miss (and every
    plain request) wants the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def filter_status(form) -> int:
    """400 when a filter is not valid: the page shows the form's reasons and no list."""
    return 200 if form.is_valid() else 400


def render_list_page(request, template: str, fragment: str, context: dict, *, form):
    """The whole page, or its list fragment for htmx."""
    name = f"{template}#{fragment}" if wants_fragment(request) else template
    return TemplateResponse(request, name, context, status=filter_status(form))


def filtered_page(
    form, search_function, *, per_page: int, version: int, changes_with_clock=True, **fixed
) -> Page | None:
    """The requested page of what the filters find, kept while it is exactly right
    (kept_lists.py); None when a filter is not valid (the list's place then shows the form's
    errors)."""
    if not form.is_valid():
        return None
    return kept_lists.list_page(
        search_function,
        {**form.search_arguments(), **fixed},
        number=form.page_number,
        per_page=per_page,
        version=version,
        typed_text=form.data.get("q", ""),
        changes_with_clock=changes_with_clock,
    )


# --- Lists ----------------------------------------------------------------------------------


@canonical_spellings
@cache_public_page
@require_safe
@vary_on_headers("HX-Request")
def dashboard(request):
    # Read before the data: a fragment rendered while an edit commits is kept as old.
    version = content_version(request)
    kept = reference(version=version)
    programs = kept.programs
    form = MeetingFilterForm(request.GET, programs=programs, systems=kept.systems)
    meetings = filtered_page(
        form, _meetings_listed, per_page=MEETINGS_PER_PAGE, version=version, user=request.user
    )
    context = {
        "filters": form,
        "meetings": meetings,
        "meeting_months": _meeting_months(meetings),
        "found_materials": _materials_found(form),
    }
    if not wants_fragment(request):
        # The program cards and the sidebar: kept, rendered only after an edit (fragments.py).
        context |= fragments.dashboard_fragments(
            programs=programs, user=request.user, version=version
        )
        context["footer_links"] = kept.footer_links
        context["meeting_filters"] = fragments.kept_filters(
            form,
            fragments.MEETING_FILTERS,
            version=version,
            action=reverse("web:dashboard"),
            label="Meetings",
        )
    return render_list_page(request, "web/dashboard.html", "meeting_results", context, form=form)


@canonical_spellings
@cache_public_page
@require_safe
@vary_on_headers("HX-Request")
def program_detail(request, slug):
    version = content_version(request)  # before the data (fragments.py)
    kept = reference(version=version)
    # Staff also open a retired program's page (marked switched off); the public get a 404.
    program = selectors.program_page_get(slug=slug, user=request.user, programs=kept.programs)
    form = MeetingFilterForm(request.GET, systems=kept.systems)
    meetings = filtered_page(
        form,
        _meetings_listed,
        per_page=MEETINGS_PER_PAGE,
        version=version,
        user=request.user,
        program_slug=program.slug,
    )
    context = {
        "program": program,
        "filters": form,
        "meetings": meetings,
        "meeting_months": _meeting_months(meetings),
    }
    if not wants_fragment(request):
        context |= {
            "next_meeting": next_meetings_by_program(version=version).get(program.pk),
            "latest_materials": fragments.program_latest_materials(program, version=version),
            "program_side": fragments.program_side(program, version=version),
            "footer_links": program.links.all(),
            "meeting_filters": fragments.kept_filters(
                form,
                fragments.MEETING_FILTERS,
                version=version,
                action=program.get_absolute_url(),
                label=f"{program.acronym} meetings",
            ),
        }
    return render_list_page(
        request, "web/program_detail.html", "meeting_results", context, form=form
    )


@canonical_spellings
@cache_public_page
@require_safe
@vary_on_headers("HX-Request")
def announcement_list(request):
    version = content_version(request)  # before the data (fragments.py)
    kept = reference(version=version)
    form = AnnouncementFilterForm(request.GET, programs=kept.programs, systems=kept.systems)
    announcements = filtered_page(
        form,
        _announcements_found,
        per_page=ANNOUNCEMENTS_PER_PAGE,
        version=version,
        changes_with_clock=False,  # announcements are listed by what they are, not by when
        user=request.user,
    )
    context = {
        "filters": form,
        "announcements": announcements,
        # Each row's markup rendered once and kept (fragments.py).
        "announcement_rows": None
        if announcements is None
        else fragments.announcement_rows(announcements.object_list, version=version),
    }
    if not wants_fragment(request):
        context["footer_links"] = kept.footer_links
        context["announcement_filters"] = fragments.kept_filters(
            form, fragments.ANNOUNCEMENT_FILTERS, version=version
        )
    return render_list_page(
        request, "web/announcement_list.html", "announcement_results", context, form=form
    )


# --- Details --------------------------------------------------------------------------------


@cache_public_page
@require_safe
@moved_to_own_slug("web:meeting_detail")
def meeting_detail(request, slug):
    # Read before the meeting and its agenda: a fragment rendered from data read before an edit
    # committed is then kept under the old version, never served after it (fragments.py).
    version = content_version(request)
    kept = reference(version=version)
    meeting = kept_meeting.meeting_for_page(
        slug=slug, user=request.user, programs=kept.programs_by_id, version=version
    )
    context = {
        "meeting": meeting,
        "program": meeting.program,
        # A cancelled or past meeting is a record: no join details, invitation or requests.
        "is_live": meeting.is_live(),
        "replacement": selectors.meeting_shown(meeting.replacement, user=request.user),
        "next_meeting": next_meeting_after(meeting, version=version),
        "announcement_rows": fragments.meeting_announcement_rows(
            meeting, user=request.user, version=version
        ),
        "agenda": fragments.meeting_agenda(meeting, version=version),
        # Its section's markup, kept (fragments.py), and what the Recording box asks of it.
        "materials": fragments.meeting_materials(meeting, user=request.user, version=version),
        "can_see_drafts": selectors.can_see_drafts(request.user),
        "footer_links": meeting.program.links.all(),
    }
    return TemplateResponse(request, "web/meeting_detail.html", context)


def _meetings_listed(**filters):
    """The meetings the filters find, as their list rows read them (row_cache.py)."""
    return row_cache.listed_values(search.meetings_search(**filters))


def _announcements_found(**filters):
    """The announcements the filters find, their systems left for the rows not kept
    (fragments.announcement_rows reads them)."""
    return fragments.announcements_without_systems(search.announcements_search(**filters))


def _meeting_months(page: Page | None) -> list | None:
    """The page's rows by month, each row's markup rendered once and kept (row_cache.py)."""
    return None if page is None else row_cache.meeting_rows_by_month(page.object_list)


def _materials_found(form) -> list:
    """Materials whose title matches the search's words (first page of results only)."""
    if not form.is_valid() or not form.cleaned_data.get("q") or form.page_number != 1:
        return []
    return materials.materials_search(query=form.cleaned_data["q"])


@cache_public_page
@require_safe
def announcement_detail(request, slug):
    announcement = selectors.announcement_get(slug=slug, user=request.user)
    context = {
        "announcement": announcement,
        "presented_at": selectors.meeting_shown(announcement.presented_at, user=request.user),
        "related_meeting": selectors.meeting_shown(announcement.related_meeting, user=request.user),
        "footer_links": reference(version=content_version(request)).footer_links,
    }
    return TemplateResponse(request, "web/announcement_detail.html", context)


# --- Agenda requests ------------------------------------------------------------------------


@fair_use.keeps_typed_form
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def agenda_request(request, slug):
    """The agenda request form of a program, or of one of its meetings (`?meeting=<slug>`): a
    page of its own, which the program and meeting pages link to and htmx loads in place (its
    fragment). On a valid POST the request is stored (the service mails the contact) and the
    response confirms it: the confirmation fragment for htmx, a redirect back to this page with
    a message otherwise. An invalid POST gets the form with its errors (422)."""
    program = selectors.program_get(slug=slug)
    meeting = _agenda_request_meeting(request, program)
    context = {"program": program, "meeting": meeting, "agenda_form": AgendaRequestForm()}
    status = 200
    if request.method == "POST":
        form = AgendaRequestForm(request.POST)
        if refusal := fair_use.refusal(request):
            # Over the fair-use budget: nothing sent; the form again, as typed, says when.
            context |= {"agenda_form": form, "refusal": refusal}
            status = 429
        elif form.is_valid():
            confirmation = _submit(form, program=program, meeting=meeting)
            if not wants_fragment(request):
                messages.success(request, confirmation, extra_tags="agenda-request")
                return redirect(request.get_full_path())
            context["confirmation"] = confirmation
        else:
            context["agenda_form"], status = form, 422
    template = "web/agenda_request.html"
    if wants_fragment(request):
        # The form's own page has its h1: the fragment swapped in there needs no h2 of its own.
        context["heading_above"] = _htmx_page_path(request) == request.path
        template = f"{template}#agenda_request"
    return TemplateResponse(request, template, context, status=status)


def _htmx_page_path(request) -> str | None:
    """The path of the page an htmx request came from (its `HX-Current-URL`), if ours."""
    current = request.htmx.current_url_abs_path
    return urlsplit(current).path if current else None


def _agenda_request_meeting(request, program):
    """The meeting named by `?meeting=`, one of the program's that the visitor may see, or
    None: a request for the program's coming meetings."""
    slug = request.GET.get("meeting")
    if not slug:
        return None
    meeting = selectors.meeting_get(slug=slug, user=request.user)
    if meeting.program_id != program.pk:
        raise Http404(f"The meeting “{slug}” is not a {program.acronym} meeting.")
    return meeting


def _submit(form: AgendaRequestForm, *, program, meeting) -> str:
    arguments = form.submit_arguments()
    if form.is_spam:
        # Thanked like anyone else, so the bot learns nothing; stored nowhere.
        logger.info("Agenda request dropped: honeypot filled (topic %r).", arguments["topic"])
    else:
        services.agenda_request_submit(program=program, meeting=meeting, **arguments)
    contact = selectors.agenda_request_recipient(program=program, meeting=meeting)
    reply = f"{contact.name} will reply to you" if contact else "The team will reply to you"
    return (
        f"Thank you, {arguments['name']}. Your request “{arguments['topic']}” has reached the "
        f"{program.acronym} team. {reply} at {arguments['email']}."
    )
