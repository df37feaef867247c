"""Issue 17: the admin's meeting list and a meeting's change form cost the same queries at 3
meetings as at 300 (the list's topic counts, dates and filters do not read the archive row by
row, nor a query per topic in the form)."""

from datetime import date

import pytest

from tests.support.queries import counted_queries, signed_in
from tug_portal.meetings.models import Meeting

# Session, user, the user's and its groups' permissions, the filters' programs and systems,
# the count (once: no second count of the whole archive for "N total"), the page of meetings,
# the beat banner's heartbeat, the years' bounds (once: the drill-down's first level and its
# years read the same first and last meeting).
LIST_QUERIES = 10
# Session, user, permissions (2), the meeting, its topics with
# their facilitators, systems and documents (one query each, prefetched), its dial-ins, the
# program choices, the beat banner's heartbeat, and each autocomplete widget's selected rows
# (the seed's 3 topics' facilitators, systems and documents). Those last grow with the
# meeting's own agenda, never with the archive.
# (Showing the form is no write: no savepoint inside Django's own transaction for it.)
CHANGE_FORM_QUERIES = 21  # two of them: the materials inline and its rows' topics


def _queries_of(client, path) -> int:
    client.get(path)  # the process's own caches (content types) filled, as in a running server
    with counted_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("count", [3, 300])
def test_meeting_list_costs_the_same_queries_at_3_and_300_meetings(
    staff_client, demo, make_meetings, count
):
    make_meetings(count, start=date(2019, 1, 1))

    assert _queries_of(staff_client, "/admin/meetings/meeting/") == signed_in(LIST_QUERIES)


@pytest.mark.parametrize("count", [3, 300])
def test_meeting_change_form_costs_the_same_queries_at_3_and_300_meetings(
    staff_client, demo, make_meetings, count
):
    make_meetings(count, start=date(2019, 1, 1))
    seed = Meeting.objects.get(slug="tug-2018-10-16")

    assert _queries_of(staff_client, f"/admin/meetings/meeting/{seed.pk}/change/") == (
        signed_in(CHANGE_FORM_QUERIES)
    )
