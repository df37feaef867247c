"""The endpoints. Each reads through the selectors (the core's, or `api.selectors` built on them)
and returns rows for the schemas in `schemas.py` to shape; none holds a rule of its own."""

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from ninja import Query, Router

from tug_portal.common.site import absolute_url
from tug_portal.materials.selectors import meeting_materials
from tug_portal.meetings.models import Program, System
from tug_portal.meetings.selectors import (
    announcement_get,
    meeting_get,
    meeting_next_for_program,
    meetings_next_by_program,
    program_get,
    programs_active,
)

from . import selectors
from .params import AnnouncementQuery, MeetingQuery, PageQuery, SlugInPath, instant
from .schemas import (
    AnnouncementDetail,
    AnnouncementOut,
    ErrorOut,
    IndexOut,
    MeetingDetail,
    MeetingSummary,
    NextMeetingOut,
    Page,
    ProgramOut,
)

router = Router()


def responses(ok, *error_statuses: int) -> dict:
    """The answers an endpoint documents: its 200, 304 (If-None-Match matched), its errors, 400
    (a parameter holding a NUL character, refused before any endpoint) and 429 (the acceptable
    use policy may answer any endpoint)."""
    return {200: ok, 304: None, **dict.fromkeys((400, *error_statuses, 429), ErrorOut)}


def page_of(request, queryset: QuerySet, page: PageQuery) -> dict:
    """One page of a queryset in its (stable) order, with links to the neighbouring pages."""
    count = queryset.count()
    end = page.offset + page.limit
    previous_offset = max(page.offset - page.limit, 0)
    return {
        "count": count,
        "next": page_url(request, end, page.limit) if end < count else None,
        "previous": page_url(request, previous_offset, page.limit) if page.offset else None,
        "items": list(queryset[page.offset : end]),
    }


def page_url(request, offset: int, limit: int) -> str:
    params = request.GET.copy()
    params["offset"], params["limit"] = str(offset), str(limit)
    return absolute_url(f"{request.path}?{params.urlencode()}")


def program_or_404(slug: str | None) -> Program | None:
    if slug is None:
        return None
    program = selectors.program_by_slug(slug=slug)
    if program is None:
        raise Http404(f"No program “{slug}”; {reverse('api:program_list')} lists them.")
    return program


def system_or_404(code: str | None) -> System | None:
    if code is None:
        return None
    system = selectors.system_by_code(code=code)
    if system is None:
        raise Http404(f"No system “{code}”.")
    return system


@router.get(
    "/",
    response=responses(IndexOut),
    url_name="index",
    operation_id="index",
    summary="Links to every endpoint",
    tags=["index"],
)
def index(request):
    """Links to every endpoint."""
    paths = {
        "programs": reverse("api:program_list"),
        "meetings": reverse("api:meeting_list"),
        "next_meetings": reverse("api:next_meetings"),
        "announcements": reverse("api:announcement_list"),
        "openapi": reverse("api:openapi-json"),
        "docs": reverse("api:openapi-view"),
    }
    return {name: absolute_url(path) for name, path in paths.items()}


@router.get(
    "/programs",
    response=responses(list[ProgramOut]),
    url_name="program_list",
    operation_id="program_list",
    summary="List programs",
    tags=["programs"],
)
def program_list(request):
    """Every active program, by acronym, with its schedule, join details and contact."""
    return selectors.programs_list()


@router.get(
    "/programs/{slug:slug}",
    response=responses(ProgramOut, 404),
    url_name="program_detail",
    operation_id="program_detail",
    summary="One program",
    tags=["programs"],
)
def program_detail(request, slug: SlugInPath):
    """One program by its slug (`tug`, `cpg`)."""
    return program_get(slug=slug)


@router.get(
    "/meetings",
    response=responses(Page[MeetingSummary], 404, 422),
    url_name="meeting_list",
    operation_id="meeting_list",
    summary="List meetings",
    tags=["meetings"],
)
def meeting_list(request, query: Query[MeetingQuery]):
    """Published meetings, by start time (then id), filtered and paginated."""
    filters = selectors.MeetingFilters(
        program=program_or_404(query.program),
        system=system_or_404(query.system),
        starts_from=instant(query.starts_from),
        starts_before=instant(query.starts_until, day_ends=True),
        status=query.status,
        updated_since=instant(query.updated_since),
    )
    return page_of(request, selectors.meetings_list(filters=filters), query)


@router.get(
    "/meetings/{slug:slug}",
    response=responses(MeetingDetail, 404),
    url_name="meeting_detail",
    operation_id="meeting_detail",
    summary="One meeting, with its agenda",
    tags=["meetings"],
)
def meeting_detail(request, slug: SlugInPath):
    """One meeting by its slug, with every fact its page shows."""
    meeting = meeting_get(slug=slug)
    # Read here, where their queries are visible, rather than inside the schema.
    meeting.api_updated_at = selectors.meeting_updated_at(meeting=meeting)
    meeting.next_meeting = meeting_next_for_program(program=meeting.program, after=meeting.ends_at)
    meeting.api_materials = [
        material
        for group in meeting_materials(meeting=meeting).groups
        for material in group.materials
    ]
    return meeting


@router.get(
    "/next-meetings",
    response=responses(list[NextMeetingOut]),
    url_name="next_meetings",
    operation_id="next_meetings",
    summary="The next meeting of each program",
    tags=["meetings"],
)
def next_meetings(request):
    """The next meeting of every active program (a meeting under way counts until it ends; a
    cancelled one never does): the same rule as the portal's pages and calendar feeds."""
    next_by_program = meetings_next_by_program()
    return [
        {"program": program, "meeting": next_by_program.get(program.pk)}
        for program in programs_active()
    ]


@router.get(
    "/announcements",
    response=responses(Page[AnnouncementOut], 404, 422),
    url_name="announcement_list",
    operation_id="announcement_list",
    summary="List announcements",
    tags=["announcements"],
)
def announcement_list(request, query: Query[AnnouncementQuery]):
    """Published announcements, newest first (then id), filtered and paginated."""
    announcements = selectors.announcements_list(
        system=system_or_404(query.system), kind=query.kind
    )
    return page_of(request, announcements, query)


@router.get(
    "/announcements/{slug:slug}",
    response=responses(AnnouncementDetail, 404),
    url_name="announcement_detail",
    operation_id="announcement_detail",
    summary="One announcement",
    tags=["announcements"],
)
def announcement_detail(request, slug: SlugInPath):
    """One announcement by its slug, with its documents and the agenda of the meeting it
    announces."""
    return announcement_get(slug=slug)
