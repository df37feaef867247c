"""Issue 17: a page rendered afresh (for staff, or the first visitor after an edit; the page
cache serves everyone else) costs the same queries at 3 meetings as at 300."""

from datetime import date

import pytest

from tests.support.queries import counted_queries, signed_in
from tug_portal.meetings.models import Announcement, Meeting, System

# Session and user, then what each view reads (web/views.py): the reference rows (programs with
# their dial-ins and links, systems, the footer's links: 5; issue 17: then kept per content
# version, web/reference.py), the count and the page of meetings with their topics and the
# topics' systems; the dashboard adds the next meeting of each program (1; then kept,
# web/next_meetings.py) and recent announcements (2). A list's count comes with its page, in one
# query (web/pagination.py), as values; the meetings of its rows not yet kept are read whole to
# render them (1, web/row_cache.py). A meeting list also asks when a meeting next ends, which is
# when its page, then kept, stops being right (1, web/kept_lists.py).
UNCACHED_PAGES = [
    ("/", 15),
    ("/programs/tug/", 15),  # two: the latest materials, and when the clock next changes them
    # One of them: the materials. Its announcements, made at it or announcing it, and their
    # systems: two queries (issue 17; were two, plus one per announcement for its systems). Its
    # program, with its contact and links, comes with the reference rows (web/reference.py: 5
    # when not yet kept; they were 1 query of its own). Its materials, and when the clock next
    # changes them: 2.
    ("/meetings/tug-2018-10-16/", 18),
    ("/announcements/", 9),
]


# Without a session: no session or user to read.
ANONYMOUS = {path: expected - 2 for path, expected in UNCACHED_PAGES}

# The second render of a list: its page kept with the first meeting end (web/kept_lists.py: no
# page of meetings, 1; no first end, 1), its rows stored (web/row_cache.py: no meetings read
# whole, no topics, no systems), the next meeting(s) kept (web/next_meetings.py) and the
# reference rows kept (web/reference.py); the dashboard's program cards and sidebar kept
# (web/fragments.py: no recent announcements, no systems of theirs); the announcement rows kept
# (web/fragments.py: no systems). A list then reads nothing but the session and the user.
REFERENCE_ROWS = 5
LIST_KEPT = 2  # the page of meetings and the first meeting end
ROWS_STORED = {
    "/": 15 - LIST_KEPT - 1 - 2 - 1 - REFERENCE_ROWS - 2,
    # Its latest materials kept (web/fragments.py: 2).
    "/programs/tug/": 15 - LIST_KEPT - 1 - 2 - 1 - REFERENCE_ROWS - 2,
    "/announcements/": 9 - REFERENCE_ROWS - 1 - 1,  # the page of announcements kept
    # Its agenda kept (web/fragments.py): not its topics, nor their facilitators, systems and
    # documents (4); the meeting after it kept (web/next_meetings.py: 1); its announcements'
    # rows kept together (web/fragments.py: not the announcements nor their systems, 2); its
    # materials' section kept (web/fragments.py: 2); the meeting itself kept (web/
    # kept_meeting.py: the meeting, with its contact and replacement, and its dial-ins: 2).
    "/meetings/tug-2018-10-16/": 18 - REFERENCE_ROWS - 4 - 1 - 2 - 2 - 2,
}


def _queries_of(client, path) -> int:
    with counted_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize(("path", "expected"), UNCACHED_PAGES)
def test_page_rendered_afresh_costs_the_same_queries_at_3_and_300_meetings(
    staff_client, demo, make_meetings, path, expected, count
):
    make_meetings(count, start=date(2019, 1, 1))

    assert _queries_of(staff_client, path) == signed_in(expected, first=True)


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize(("path", "expected"), UNCACHED_PAGES)
def test_anonymous_first_render_costs_the_same_queries_at_3_and_300_meetings(
    client, demo, make_meetings, path, expected, count
):
    """The first anonymous visitor (the page cache is empty) reads no session or user, and
    looks the page up in the cache instead."""
    make_meetings(count, start=date(2019, 1, 1))

    assert _queries_of(client, path) == ANONYMOUS[path]


@pytest.mark.parametrize("count", [1, 10])
def test_meeting_page_costs_the_same_queries_with_1_and_10_announcements(staff_client, demo, count):
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    Announcement.objects.filter(presented_at=seed).update(presented_at=None)
    Announcement.objects.filter(related_meeting=seed).update(related_meeting=None)
    system = System.objects.get_or_create(code="OMS", defaults={"name": "OMS"})[0]
    for number in range(count):
        announcement = Announcement.objects.create(
            slug=f"made-at-seed-{number}", title=f"Made at the seed {number}", is_published=True
        )
        announcement.systems.add(system)
        # Half made at the meeting, half announcing it: both are listed.
        field = "presented_at" if number % 2 else "related_meeting"
        Announcement.objects.filter(pk=announcement.pk).update(**{field: seed})

    assert _queries_of(staff_client, "/meetings/tug-2018-10-16/") == signed_in(18, first=True)


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize(("path", "expected"), ROWS_STORED.items())
def test_list_rendered_afresh_from_stored_rows_costs_the_same_fewer_queries_at_3_and_300(
    staff_client, demo, make_meetings, path, expected, count
):
    """What the first render kept (the rows of its meetings, its fragments, the reference rows,
    the next meetings): the second reads less, and the same at 3 and 300 meetings."""
    make_meetings(count, start=date(2019, 1, 1))
    _queries_of(staff_client, path)

    assert _queries_of(staff_client, path) == signed_in(expected)
