import pytest

from tug_portal.calendars.links import meeting_calendar_links, program_subscribe_links
from tug_portal.meetings.models import Program

SITE = "https://portal.example.org"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def test_program_subscribe_links_point_at_the_program_feed(db):
    program = Program(slug="tug", acronym="TUG", name="Technology User Group")

    links = program_subscribe_links(program)

    assert links == {
        "ics": f"{SITE}/calendar/tug.ics",
        "webcal": "webcal://portal.example.org/calendar/tug.ics",
        "google": (
            "https://calendar.google.com/calendar/render"
            "?cid=webcal%3A%2F%2Fportal.example.org%2Fcalendar%2Ftug.ics"
        ),
        "outlook": (
            "https://outlook.live.com/calendar/0/addfromweb"
            "?url=https%3A%2F%2Fportal.example.org%2Fcalendar%2Ftug.ics"
            "&name=TUG%3A%20Technology%20User%20Group"
        ),
    }


def test_program_subscribe_links_without_program_point_at_all_programs(db):
    links = program_subscribe_links()

    assert links["ics"] == f"{SITE}/calendar/all.ics"
    assert links["webcal"] == "webcal://portal.example.org/calendar/all.ics"
    assert links["outlook"].endswith("&name=TUG%20Portal%3A%20all%20meeting%20programs")


def test_meeting_calendar_links_carry_utc_times_and_join_details(seed):
    links = meeting_calendar_links(seed)

    details = (
        "Agenda%3A%20https%3A%2F%2Fportal.example.org%2Fmeetings%2Ftug-2018-10-16%2F%0A"
        "Join%20the%20web%20conference%3A%20https%3A%2F%2Fcaiso.webex.com%2Fmeet%2FCAISO-TUG%0A"
        "Meeting%20number%3A%20966%20010%20353%0AAccess%20code%3A%20389%20588%209"
    )
    location = "https%3A%2F%2Fcaiso.webex.com%2Fmeet%2FCAISO-TUG"
    assert links == {
        "ics": f"{SITE}/meetings/tug-2018-10-16.ics",
        "google": (
            "https://calendar.google.com/calendar/render?action=TEMPLATE"
            "&text=TUG%3A%20Technology%20User%20Group"
            "&dates=20181016T170000Z%2F20181016T180000Z"
            f"&details={details}&location={location}"
        ),
        "outlook": (
            "https://outlook.live.com/calendar/0/deeplink/compose"
            "?path=%2Fcalendar%2Faction%2Fcompose&rru=addevent"
            "&subject=TUG%3A%20Technology%20User%20Group"
            "&startdt=2018-10-16T17%3A00%3A00Z&enddt=2018-10-16T18%3A00%3A00Z"
            f"&body={details}&location={location}"
        ),
    }
