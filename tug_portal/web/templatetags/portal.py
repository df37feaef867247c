"""How the stakeholder pages write meetings: times in each meeting's own zone, schedules in words,
mail and calendar links."""

from urllib.parse import quote, urlencode

from django import template
from django.urls import reverse
from django.utils import dateformat

from tug_portal.calendars.links import meeting_calendar_links, program_subscribe_links
from tug_portal.meetings.models import Meeting, Program
from tug_portal.meetings.recurrence import describe_program_schedule
from tug_portal.meetings.timeutil import (
    format_meeting_when,
    format_time_range,
    zone_abbreviation,
)

register = template.Library()


@register.filter
def when_long(meeting: Meeting) -> str:
    """ "Tuesday, October 16, 2018, 10:00-11:00 AM Pacific", in the meeting's zone."""
    return format_meeting_when(meeting)


@register.filter
def when_short(meeting: Meeting) -> str:
    """ "Tue 30 Oct 2018, 10:00-11:00 AM PT", in the meeting's zone."""
    start = meeting.local_start
    return f"{start:%a} {start.day} {start:%b %Y}, {time_span(meeting)}"


@register.filter
def time_span(meeting: Meeting) -> str:
    """ "10:00-11:00 AM PT", in the meeting's zone."""
    span = format_time_range(meeting.local_start, meeting.local_end)
    return f"{span} {zone_abbreviation(meeting.time_zone)}"


@register.filter
def local_date(meeting: Meeting, date_format: str) -> str:
    """The meeting's local start in a Django date format ("D", "j", "M Y"), not converted to
    the server's zone as the `date` filter would."""
    return dateformat.format(meeting.local_start, date_format)


@register.filter
def schedule(program) -> str:
    """ "every other Tuesday, 10:00-11:00 AM Pacific" ("" without a recurrence)."""
    return describe_program_schedule(program)


@register.filter
def shared_access_code(dial_ins) -> str:
    """The access code when every dial-in has the same one (as agendas print it, once)."""
    codes = {dial_in.access_code for dial_in in dial_ins}
    return codes.pop() if len(codes) == 1 else ""


@register.filter
def agenda_request_mailto(target) -> str:
    """A mailto: to the contact of a meeting or program with the subject filled in ("Agenda
    request: TUG 2018-10-16 (10:00-12:00 Pacific)": the meeting named with its times, as two of a
    day differ); "" when there is no contact address."""
    if isinstance(target, Meeting):
        contact, about = target.effective_contact, str(target)
    else:
        contact, about = target.contact, target.acronym
    if not (contact and contact.email):
        return ""
    return f"mailto:{contact.email}?subject={quote(f'Agenda request: {about}')}"


@register.simple_tag
def calendar_links(target=None) -> dict:
    """A meeting's add-to-calendar links {ics, google, outlook}; a program's (or, with no
    argument, every program's) subscription links {ics, webcal, google, outlook}."""
    if isinstance(target, Meeting):
        return meeting_calendar_links(target)
    return program_subscribe_links(target)


@register.simple_tag
def agenda_request_url(program, meeting=None) -> str:
    """The agenda request form's page: the program's, naming the meeting when there is one."""
    url = reverse("web:agenda_request", args=[program.slug])
    return f"{url}?{urlencode({'meeting': meeting.slug})}" if meeting else url


@register.simple_tag
def follow_filter_links(filters, program=None) -> dict | None:
    """What follows the list a visitor narrowed to a system and/or a program: the matching
    feed (`?system=DRRS`) and the reminders sign-up with the same choice preselected. None when
    the list is not narrowed (the page's own subscribe links then apply) or not valid."""
    if not filters.is_valid():
        return None
    system = filters.cleaned_data.get("system") or ""
    slug = filters.cleaned_data.get("program")
    if not (system or slug):
        return None
    if slug:
        program = Program.objects.filter(slug=slug, is_active=True).first()
    elif not isinstance(program, Program):  # a page's own program only
        program = None
    query = {"program": program.slug} if program else {}
    if system:
        query["system"] = system
    names = [name for name in (program and program.acronym, system) if name]
    return {
        "label": " · ".join(names),
        "calendar": program_subscribe_links(program, system),
        "reminders_url": f"{reverse('reminders:subscribe')}?{urlencode(query)}",
    }
