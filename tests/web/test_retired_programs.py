"""A retired (inactive) program's meetings are hidden everywhere, also where an announcement
links to them: the one "is public" rule (meetings.selectors.meeting_is_public)."""

import html
import re

import pytest

from tests.web.support import text_of
from tug_portal.meetings.models import AgendaTopic, Announcement, Meeting, Program
from tug_portal.meetings.search import announcements_search

# Words only the CPG meeting's own title and agenda hold (the announcement's body names some of
# its topics itself, which is the announcement's text, not a leak).
CPG_TOPIC = "Retired-only topic"
CPG_TITLE = "Retired-only meeting title"


@pytest.fixture
def cpg_retired(demo):
    meeting = Meeting.objects.get(slug="cpg-2018-11-01")
    Meeting.objects.filter(pk=meeting.pk).update(title=CPG_TITLE)
    AgendaTopic.objects.create(meeting=meeting, order=99, title=CPG_TOPIC)
    Program.objects.filter(slug="cpg").update(is_active=False)


def test_announcement_hides_the_meeting_of_a_retired_program(client, cpg_retired):
    response = client.get("/announcements/oms-cpg-announcement/")

    assert response.status_code == 200
    text = text_of(response)
    assert "Agenda: CPG meeting" not in text
    assert CPG_TOPIC not in text and CPG_TITLE not in text
    assert 'id="announces-title"' not in response.text
    assert client.get("/meetings/cpg-2018-11-01/").status_code == 404  # as its own page


def test_staff_still_see_the_meeting_of_a_retired_program(staff_client, cpg_retired):
    response = staff_client.get("/announcements/oms-cpg-announcement/")

    assert CPG_TOPIC in text_of(response)


def test_atom_feed_names_no_meeting_of_a_retired_program(client, cpg_retired):
    response = client.get("/announcements/feed/")

    assert response.status_code == 200
    assert CPG_TOPIC not in response.text and CPG_TITLE not in response.text


def test_api_announcement_hides_the_meeting_of_a_retired_program(client, cpg_retired):
    answer = client.get("/api/v1/announcements/oms-cpg-announcement").json()

    assert answer["related_meeting"] is None
    assert CPG_TOPIC not in str(answer) and CPG_TITLE not in str(answer)


def test_search_does_not_file_announcements_under_a_retired_programs_meeting(client, demo):
    tug = Program.objects.get(slug="tug")
    # The announcement was presented at a TUG meeting and announces the CPG one; move the CPG
    # meeting to a retired TUG twin to see that the link through it no longer counts.
    twin = Program.objects.create(
        name="Retired twin", acronym="RTW", slug="rtw", is_active=False, time_zone=tug.time_zone
    )
    Meeting.objects.filter(slug="cpg-2018-11-01").update(program=twin)
    Announcement.objects.filter(slug="oms-cpg-announcement").update(presented_at=None)

    assert not announcements_search(program_slug="rtw").exists()


def listed_slugs(response) -> list[str]:
    return re.findall(r'class="meeting-row__title">\s*<a href="/meetings/([\w-]+)/"', response.text)


@pytest.mark.parametrize("query", [{"when": "all"}, {"when": "all", "q": "roll call"}])
def test_staff_lists_leave_out_a_retired_programs_meetings_as_the_public_lists_do(
    client, staff_client, cpg_retired, query
):
    Meeting.objects.filter(slug="cpg-2018-12-06").update(is_published=False)  # a draft too
    Meeting.objects.filter(slug="tug-2018-11-13").update(is_published=False)

    public = listed_slugs(client.get("/", query))
    staff = listed_slugs(staff_client.get("/", query))

    assert public and not any(slug.startswith("cpg-") for slug in public)
    assert not any(slug.startswith("cpg-") for slug in staff)
    assert set(staff) - set(public) == {"tug-2018-11-13"}  # staff see an active program's draft


def test_staff_still_open_a_retired_programs_meeting_by_its_address(staff_client, cpg_retired):
    response = staff_client.get("/meetings/cpg-2018-11-01/")

    assert response.status_code == 200
    assert CPG_TOPIC in text_of(response)


SWITCHED_OFF = "CPG is switched off"
OFF_LINKS = (
    "/calendar/cpg.ics",
    "/subscriptions/new/?program=cpg",
    "/programs/cpg/agenda-request/",
)


def test_staff_open_a_retired_programs_page_marked_switched_off(client, staff_client, cpg_retired):
    response = staff_client.get("/programs/cpg/", {"when": "all"})

    assert response.status_code == 200
    text = text_of(response)
    assert SWITCHED_OFF in text and "the public cannot see it" in text
    assert "cpg-2018-11-01" in listed_slugs(response)  # its own page lists its meetings
    assert not any(link in response.text for link in OFF_LINKS)  # none it would 404
    assert client.get("/programs/cpg/").status_code == 404  # the public: still gone


def test_staff_filter_a_retired_programs_meetings_in_place(staff_client, cpg_retired):
    response = staff_client.get("/programs/cpg/", {"when": "all"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "cpg-2018-11-01" in listed_slugs(response)


def test_staff_lists_outside_its_page_still_leave_a_retired_programs_meetings_out(
    staff_client, cpg_retired
):
    assert not any(
        s.startswith("cpg-") for s in listed_slugs(staff_client.get("/", {"when": "all"}))
    )
    assert staff_client.get("/", {"program": "cpg"}).status_code == 400  # not a filter choice


def test_a_retired_programs_meeting_says_so_and_offers_no_link_that_would_404(
    staff_client, cpg_retired
):
    response = staff_client.get("/meetings/cpg-2018-11-01/")

    assert SWITCHED_OFF in text_of(response)
    assert not any(link in response.text for link in OFF_LINKS)
    links = set(re.findall(r'href="(?:http://testserver)?(/[^"#]*)"', response.text))
    assert "/programs/cpg/" in links  # "All CPG meetings"
    for link in sorted(links):
        assert staff_client.get(html.unescape(link)).status_code == 200, link


def test_an_active_programs_meeting_keeps_its_feed_reminder_and_request_links(staff_client, demo):
    response = staff_client.get("/meetings/cpg-2018-11-01/")

    assert SWITCHED_OFF not in text_of(response)
    assert all(link in response.text for link in OFF_LINKS)
