"""Issue 17: a page rendered afresh (for staff, or the first visitor after an edit; the page
cache serves everyone else) costs the same queries at 3 meetings as at 300."""

from datetime import date

import pytest

from tests.support.queries import counted_queries

# Session and user, then what each view reads (web/views.py): programs, systems, the count
# and the page of meetings with their topics and the topics' systems; the dashboard adds the
# next meeting of each program (2), recent announcements (2) and the footer's links.
UNCACHED_PAGES = [
    ("/", 13),
    ("/programs/tug/", 12),  # one of them: the latest materials
    ("/meetings/tug-2018-10-16/", 15),  # one of them: the materials
    ("/announcements/", 8),
]


# Without a session: no session or user to read.
ANONYMOUS = {path: expected - 2 for path, expected in UNCACHED_PAGES}

# The meeting lists once their rows are stored (web/row_cache.py): no topics, no systems.
ROWS_STORED = {"/": 13 - 2, "/programs/tug/": 12 - 2}


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

    assert _queries_of(staff_client, path) == expected


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize(("path", "expected"), UNCACHED_PAGES)
def test_anonymous_first_render_costs_the_same_queries_at_3_and_300_meetings(
    client, demo, make_meetings, path, expected, count
):
    """The first anonymous visitor (the page cache is empty) reads no session or user, and
    looks the page up in the cache instead."""
    make_meetings(count, start=date(2019, 1, 1))

    assert _queries_of(client, path) == ANONYMOUS[path]


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize(("path", "expected"), ROWS_STORED.items())
def test_list_rendered_afresh_from_stored_rows_costs_the_same_fewer_queries_at_3_and_300(
    staff_client, demo, make_meetings, path, expected, count
):
    """The rows of the page's meetings stored by the first render: the second reads neither
    their topics nor the topics' systems."""
    make_meetings(count, start=date(2019, 1, 1))
    _queries_of(staff_client, path)

    assert _queries_of(staff_client, path) == expected
