"""A list's page and its count in one query (web/pagination.py): the count each list shows
("25 past meetings", "Page 2 of 2") is the same as a separate COUNT would give, on every page,
for every filter, and a page past the last is still the 404 it was."""

import pytest
from django.http import Http404

from tests.support.queries import counted_queries
from tug_portal.meetings.models import Meeting
from tug_portal.web.pagination import paginate


@pytest.mark.parametrize(("number", "rows"), [(1, 10), (2, 10), (3, 5)])
def test_each_page_knows_the_whole_count(demo, make_meetings, number, rows):
    make_meetings(25)
    meetings = _bulk().order_by("-starts_at", "-pk")
    total = meetings.count()

    page = paginate(meetings, number, per_page=10)

    assert total == 25
    assert page.paginator.count == total
    assert page.paginator.num_pages == 3
    assert list(page.object_list) == list(meetings[(number - 1) * 10 : number * 10])
    assert len(page.object_list) == rows
    assert page.has_next() == (number < 3)


def test_a_page_and_its_count_cost_one_query(demo, make_meetings):
    make_meetings(31)

    with counted_queries() as queries:
        page = paginate(_bulk().order_by("starts_at"), 2, per_page=20)
        found = (page.paginator.count, page.paginator.num_pages, list(page.object_list))

    assert len(queries) == 1
    assert found[:2] == (31, 2)
    assert len(found[2]) == 11


def test_an_empty_list_is_page_1_of_1_with_no_rows(db):
    page = paginate(Meeting.objects.order_by("starts_at"), 1, per_page=20)

    assert page.paginator.count == 0
    assert page.paginator.num_pages == 1
    assert list(page.object_list) == []


def test_an_empty_list_from_none_costs_no_query(db):
    with counted_queries() as queries:
        page = paginate(Meeting.objects.none(), 1, per_page=20)

    assert page.paginator.count == 0
    assert len(queries) == 0


@pytest.mark.parametrize("number", [2, 9])
def test_a_page_past_the_last_is_a_404(demo, make_meetings, number):
    make_meetings(20)

    with pytest.raises(Http404, match=f"There is no page {number} of this list."):
        paginate(_bulk().order_by("starts_at"), number, per_page=20)


def test_a_page_past_the_last_of_an_empty_list_is_a_404(db):
    with pytest.raises(Http404):
        paginate(Meeting.objects.order_by("starts_at"), 2, per_page=20)


def test_a_distinct_list_is_counted_after_distinct(demo, make_meetings):
    """A window counts rows before DISTINCT: such a list is counted apart."""
    make_meetings(3)
    meetings = Meeting.objects.filter(topics__isnull=False).distinct().order_by("starts_at")

    page = paginate(meetings, 1, per_page=20)

    assert page.paginator.count == meetings.count() == len(page.object_list)


def _bulk():
    """The meetings `make_meetings` made (the demo's own are left out)."""
    return Meeting.objects.filter(slug__contains="-bulk-")


@pytest.mark.parametrize("number", [461168601842738792, 10**30])
def test_a_page_whose_offset_no_database_can_hold_is_a_404_without_a_query(db, number):
    """(number - 1) × 20 past a 64-bit integer: SQLite and PostgreSQL refused the OFFSET (a
    500 from outside). No list holds that many rows: it is a page past the last."""
    with counted_queries() as queries, pytest.raises(Http404):
        paginate(Meeting.objects.order_by("starts_at"), number, per_page=20)

    assert queries == []


@pytest.mark.parametrize("path", ["/", "/programs/tug/", "/announcements/"])
def test_a_huge_page_number_is_a_404_page(client, demo, path):
    response = client.get(path, {"page": "461168601842738792"})

    assert response.status_code == 404
