"""Issue 17: the admin's meeting list and a meeting's change form cost the same queries at 3
meetings as at 300 (the list's topic counts, dates and filters do not read the archive row by
row, nor a query per topic in the form)."""

from datetime import date

import pytest

from tests.support.queries import counted_queries, signed_in
from tug_portal.meetings.models import AgendaTopic, Document, Meeting, Person, System

# Session, user, the user's and its groups' permissions, the filters' programs and systems,
# the count (once: no second count of the whole archive for "N total"), the page of meetings,
# the years' bounds (once: the drill-down's first level and its years read the same first and
# last meeting). Not the beat banner's heartbeat: the first page read it, and it is read at most
# every half minute (common/health.py).
LIST_QUERIES = 9
# Session, user, permissions (2), the meeting with its program (one query: the page's title
# names the program), its topics with
# their facilitators, systems and documents (one query each, prefetched; the topics'
# autocomplete widgets show their chosen rows from these, no query per widget), its dial-ins, the
# program choices (and not the beat banner's heartbeat, as above): none grows with the
# archive, nor with the meeting's own agenda.
# (Showing the form is no write: no savepoint inside Django's own transaction for it.)
CHANGE_FORM_QUERIES = 13  # two of them: the materials inline and its rows' topics


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


def _agenda_grown_to(meeting, topics: int) -> None:
    """`meeting`'s agenda made `topics` long, each topic with a facilitator, a system and a
    document of its own."""
    for order in range(meeting.topics.count(), topics):
        topic = AgendaTopic.objects.create(meeting=meeting, order=100 + order, title=f"T{order}")
        topic.facilitators.add(Person.objects.create(name=f"Person {order}"))
        topic.systems.add(System.objects.create(code=f"S{order}", name=f"System {order}"))
        topic.documents.add(Document.objects.create(title=f"Doc {order}", url="https://x.test/"))


@pytest.mark.parametrize("topics", [3, 12])
def test_meeting_change_form_costs_the_same_queries_at_3_and_12_topics(staff_client, demo, topics):
    """The topics' facilitators, systems and documents are shown from the rows the agenda read
    (prefetched), not asked again by each topic's autocomplete widgets."""
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    _agenda_grown_to(seed, topics)

    assert _queries_of(staff_client, f"/admin/meetings/meeting/{seed.pk}/change/") == (
        signed_in(CHANGE_FORM_QUERIES)
    )


def test_meeting_change_form_shows_each_topics_chosen_rows(admin_client, demo):
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    _agenda_grown_to(seed, 5)
    topic = seed.topics.get(title="T4")
    index = list(seed.topics.all()).index(topic)

    page = admin_client.get(f"/admin/meetings/meeting/{seed.pk}/change/").content.decode()

    person, system = topic.facilitators.get(), topic.systems.get()
    document = topic.documents.get()
    assert (
        f'<select name="topics-{index}-facilitators"' in page
        and f'<option value="{person.pk}" selected>Person 4</option>' in page
        and f'<option value="{system.pk}" selected>{system}</option>' in page
        and f'<option value="{document.pk}" selected>{document}</option>' in page
    )


def test_meeting_list_reads_only_what_its_rows_show(staff_client, demo, make_meetings):
    """A page of meetings leaves unread the columns no cell shows: each meeting's calendar state
    (a JSON document to decode), its notes and their rendering, its time stamps, its program's
    description; still one query for the whole page (above)."""
    make_meetings(60, start=date(2019, 1, 1))
    staff_client.get("/admin/meetings/meeting/")
    with counted_queries() as queries:
        page = staff_client.get("/admin/meetings/meeting/")

    (rows,) = [sql for sql in queries if "LIMIT" in sql and 'FROM "meetings_meeting"' in sql]
    for unread in ["calendar_snapshot", "notes_rendered", "updated_at", "description_rendered"]:
        assert f'."{unread}"' not in rows.split(" FROM ")[0], unread
    assert page.content.count(b'class="action-select"') == 50


@pytest.mark.parametrize("term", ["", "tug", "Technology"])
def test_the_meeting_autocomplete_names_each_meeting_without_a_query_per_row(
    staff_client, demo, make_meetings, term
):
    """A meeting's replacement is chosen from the meetings' autocomplete: its page of results
    goes through the same paginator as the list (which leaves some columns unread) and still
    names each meeting from its one query (a search through the topics too)."""
    make_meetings(30, start=date(2019, 1, 1))
    path = (
        "/admin/autocomplete/?app_label=meetings&model_name=meeting&field_name=replacement"
        f"&term={term}"
    )
    staff_client.get(path)
    with counted_queries() as queries:
        answer = staff_client.get(path)

    results = answer.json()["results"]
    assert answer.status_code == 200 and len(results) >= 20
    assert all(result["text"].startswith(("TUG ", "CPG ", "RUG ")) for result in results)
    assert len(queries) <= signed_in(7)
