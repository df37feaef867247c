"""Small builders for tests: real rows through the real services."""

from datetime import date, time

from tug_portal.meetings.models import Program
from tug_portal.meetings.services import meeting_create


def make_program(slug="tug", **values) -> Program:
    defaults = {
        "name": f"{slug.upper()} Group",
        "acronym": slug.upper(),
        "time_zone": "America/Los_Angeles",
        "default_start_time": time(10),
        "web_conference_url": "https://example.webex.com/meet/x",
    }
    return Program.objects.create(slug=slug, **{**defaults, **values})


def make_meeting(program, day=date(2030, 1, 8), *, is_published=True, **values):
    return meeting_create(program=program, day=day, is_published=is_published, **values)
