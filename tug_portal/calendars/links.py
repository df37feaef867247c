"""Links that put the portal's meetings into people's calendars.

`program_subscribe_links` is for subscribing to a feed (it keeps updating); `meeting_calendar_links`
copies one meeting into a calendar once. All URLs are absolute (tug_portal.common.site), because
they are followed from outside the portal (calendar apps, mails).
"""

from datetime import UTC
from urllib.parse import quote, urlencode

from django.urls import reverse

from tug_portal.common.site import absolute_url

from .describe import join_lines, meeting_summary

GOOGLE_RENDER = "https://calendar.google.com/calendar/render"
OUTLOOK_ADD_FROM_WEB = "https://outlook.live.com/calendar/0/addfromweb"
OUTLOOK_COMPOSE = "https://outlook.live.com/calendar/0/deeplink/compose"
ALL_PROGRAMS_NAME = "TUG Portal: all meeting programs"


def feed_url(program=None, system: str = "") -> str:
    """The absolute https (or http, in development) URL of a program's feed, or of all programs;
    with a system code, only the meetings about that system (`?system=DRRS`)."""
    if program is None:
        path = reverse("calendars:feed_all")
    else:
        path = reverse("calendars:feed_program", kwargs={"slug": program.slug})
    return absolute_url(path + (f"?{_query({'system': system})}" if system else ""))


def webcal_url(url: str) -> str:
    """The same feed with the webcal:// scheme, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


def feed_name(program=None, system: str = "") -> str:
    name = ALL_PROGRAMS_NAME if program is None else f"{program.acronym}: {program.name}"
    return f"{name} ({system})" if system else name


def _query(params: dict) -> str:
    # quote (not quote_plus): calendar apps decode %20 everywhere, "+" not always.
    return urlencode(params, quote_via=quote)


def program_subscribe_links(program=None, system: str = "") -> dict:
    """{ics, webcal, google, outlook} for a program's feed; program None = all programs; a
    system code narrows it to the meetings about that system."""
    ics = feed_url(program, system)
    webcal = webcal_url(ics)
    name = feed_name(program, system)
    return {
        "ics": ics,
        "webcal": webcal,
        "google": f"{GOOGLE_RENDER}?{_query({'cid': webcal})}",
        "outlook": f"{OUTLOOK_ADD_FROM_WEB}?{_query({'url': ics, 'name': name})}",
    }


def meeting_ics_url(meeting) -> str:
    return absolute_url(reverse("calendars:meeting_ics", kwargs={"slug": meeting.slug}))


def _one_off_details(meeting) -> str:
    # Short on purpose: these travel in a URL. The .ics download carries the full agenda.
    page = absolute_url(meeting.get_absolute_url())
    return "\n".join([f"Agenda: {page}", *join_lines(meeting)])


def _utc(value):
    return value.astimezone(UTC)


def meeting_calendar_links(meeting) -> dict:
    """{ics, google, outlook} to add one meeting to a calendar as a single event."""
    details = _one_off_details(meeting)
    summary = meeting_summary(meeting)
    location = meeting.web_conference_url
    google = {
        "action": "TEMPLATE",
        "text": summary,
        "dates": f"{_utc(meeting.starts_at):%Y%m%dT%H%M%SZ}/{_utc(meeting.ends_at):%Y%m%dT%H%M%SZ}",
        "details": details,
        "location": location,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": summary,
        "startdt": f"{_utc(meeting.starts_at):%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{_utc(meeting.ends_at):%Y-%m-%dT%H:%M:%SZ}",
        "body": details,
        "location": location,
    }
    return {
        "ics": meeting_ics_url(meeting),
        "google": f"{GOOGLE_RENDER}?{_query(google)}",
        "outlook": f"{OUTLOOK_COMPOSE}?{_query(outlook)}",
    }
