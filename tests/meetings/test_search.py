"""tug_portal.meetings.search (owned by the dashboard): filters and free text over meetings and
announcements, on PostgreSQL's full-text search and on the portable fallback alike."""

from datetime import UTC, datetime

import pytest
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.support import text_of
from tug_portal.meetings import search
from tug_portal.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def slugs(meetings) -> list[str]:
    return [meeting.slug for meeting in meetings]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("Acceptable Use", ["acceptable", "use"]),
        ("  DRRS—AUP!  ", ["drrs", "aup"]),
        ("aup:* & drrs | !oms ('policy')", ["aup", "drrs", "oms", "policy"]),
        ("", []),
        (
            "one two three four five six seven eight nine",
            ["one", "two", "three", "four", "five", "six", "seven", "eight"],
        ),
        # Short words and bare numbers are dropped: they match nearly everything, so eight of
        # them in one search made every row a candidate and a few clients could tie up the
        # database.
        ("a of 1 2 3 4 5 6 7 8 DRRS 2018 oms2", ["drrs", "oms2"]),
        ("use Use USE", ["use"]),  # each once
        ("snake_case", ["snake", "case"]),
        ("x" * 60, ["x" * search.MAX_TERM_LENGTH]),
    ],
)
def test_search_terms_are_usable_words_only(text, terms):
    assert search.search_terms(text) == terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accept", ["tug-2018-10-16"]),  # a word's start: "Acceptable"
        ("ACCEPTABLE USE", ["tug-2018-10-16"]),
        ("nalini", ["tug-2018-10-16"]),  # a facilitator
        ("requestion", ["tug-2018-10-16"]),  # a quoted message in a topic body
        ("technical specification", ["tug-2018-10-16"]),
        ("recurring outage", ["cpg-2018-11-01", "tug-2018-10-16"]),  # a topic title, a body
        ("nalini outage", ["tug-2018-10-16"]),  # every word, in different topics
        ("nalini zebra", []),
        (
            "customer partnership",  # a meeting title
            ["cpg-2019-02-07", "cpg-2019-01-03", "cpg-2018-12-06", "cpg-2018-11-01"],
        ),
    ],
)
def test_meeting_search_matches_every_word_somewhere(demo, text, expected):
    assert slugs(search.meetings_search(text=text, when=search.When.ALL)) == expected


def test_meeting_search_matches_notes(demo):
    meeting = Meeting.objects.get(slug="tug-2018-11-13")
    meeting.notes = "Bring questions on **OMS**."
    meeting.save()  # a save, as the admin does: .update() would bypass the search document

    assert slugs(search.meetings_search(text="questions", when=search.When.ALL)) == [
        "tug-2018-11-13"
    ]


def test_meeting_search_by_system_lists_each_meeting_once(demo):
    # The CPG meeting has four OMS topics: still one row.
    meetings = search.meetings_search(system_code="oms", when=search.When.ALL)

    assert slugs(meetings) == ["cpg-2018-11-01", "tug-2018-10-16"]


def test_meeting_search_in_time_orders_upcoming_soonest_and_past_latest_first(demo):
    now = datetime(2018, 10, 31, 12, tzinfo=UTC)

    upcoming = search.meetings_search(program_slug="tug", now=now)
    past = search.meetings_search(program_slug="tug", when=search.When.PAST, now=now)

    assert slugs(upcoming) == ["tug-2018-11-13", "tug-2018-11-27", "tug-2018-12-11"]
    assert slugs(past) == ["tug-2018-10-30", "tug-2018-10-16"]


def test_meeting_under_way_is_still_upcoming(demo):
    during = datetime(2018, 10, 30, 17, 30, tzinfo=UTC)  # 10:30 Pacific

    assert slugs(search.meetings_search(program_slug="tug", now=during))[0] == "tug-2018-10-30"


def test_meeting_search_hides_drafts_from_the_public_not_from_staff(demo, django_user_model):
    Meeting.objects.filter(slug="tug-2018-10-16").update(is_published=False)
    staff = django_user_model(username="s", is_staff=True)

    assert slugs(search.meetings_search(text="nalini", when="all")) == []
    assert slugs(search.meetings_search(text="nalini", when="all", user=staff)) == [
        "tug-2018-10-16"
    ]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, ["oms-cpg-announcement", "drrs-acceptable-use-policy"]),
        ({"text": "violation"}, ["drrs-acceptable-use-policy"]),
        ({"text": "road map"}, ["oms-cpg-announcement"]),
        ({"system_code": "drrs"}, ["drrs-acceptable-use-policy"]),
        ({"kind": "policy_change"}, ["drrs-acceptable-use-policy"]),
        ({"program_slug": "tug"}, ["oms-cpg-announcement", "drrs-acceptable-use-policy"]),
        ({"program_slug": "cpg"}, ["oms-cpg-announcement"]),
    ],
)
def test_announcement_search(demo, arguments, expected):
    assert slugs(search.announcements_search(**arguments)) == expected


def test_stay_connected_links_of_all_programs_are_listed_once(demo):
    links = search.stay_connected_links_all()

    assert [link.label for link in links] == [
        "@California_ISO",
        "Download ISO Today mobile app",
        "Sign up for the Daily Briefing at www.caiso.com",
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=60))
def test_any_text_searches_without_error(demo, text):
    # Whatever a visitor types (quotes, tsquery operators, stop words only, emoji), the query
    # runs: a list, never a database error.
    assert isinstance(slugs(search.meetings_search(text=text, when="all")), list)
    assert isinstance(slugs(search.announcements_search(text=text)), list)


# --- What the search box accepts: no search can be made expensive enough to tie up the database

WEAPON = "1 2 3 4 5 6 7 8"  # eight one-digit "words", each matching nearly every row


@pytest.mark.parametrize("text", [WEAPON, "a b c", "12 345 2018", "of to", "!!! ??"])
def test_text_with_no_usable_word_searches_nothing(demo, text, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert slugs(search.meetings_search(text=text, when="all")) == []
        assert slugs(search.announcements_search(text=text)) == []


def test_short_words_and_numbers_are_ignored_beside_a_real_word(demo):
    assert slugs(search.meetings_search(text="nalini 2018 of a", when="all")) == ["tug-2018-10-16"]


@pytest.mark.parametrize("path", ["/", "/programs/tug/", "/announcements/"])
def test_page_asks_for_three_letters_when_no_word_is_usable(client, demo, path):
    response = client.get(path, {"q": WEAPON, "when": "all"})

    assert response.status_code == 200
    assert "Type at least 3 letters" in text_of(response)
    assert "tug-2018-10-16" not in response.text


def test_page_does_not_ask_for_letters_without_a_search_or_with_a_word(client, demo):
    for query in ({}, {"q": "nalini", "when": "all"}):
        assert "Type at least 3 letters" not in text_of(client.get("/", query))


@pytest.mark.parametrize("count", [3, 300])
def test_search_costs_the_same_queries_at_3_and_300_meetings(
    demo, make_meetings, django_assert_num_queries, count
):
    # The count, the page, its topics and their systems (which the lists' row cache fetches for
    # the rows it has not stored): an index lookup, whatever the archive.
    make_meetings(count)
    found = search.meetings_search(text="nalini topic", when="all")

    with django_assert_num_queries(4):
        page = Paginator(found, 20).page(1)
        rows = list(page.object_list)
        prefetch_related_objects(rows, search.list_row_topics())

    assert page.paginator.count == count
    assert len(rows) == min(count, 20)
