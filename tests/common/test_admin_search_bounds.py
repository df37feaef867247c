"""Every admin list's search and every autocomplete is bounded as the meetings' is: the first 10
words, each up to 200 letters. An outside try found the other lists unbounded: 800 words in a
viewer's search of the agenda requests cost 1.2 s, and 1,000 were answered 503 "cannot reach
its database" (SQLite: "Expression tree is too large"), with a traceback logged for each."""

import pytest
from django.utils.text import smart_split
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_meeting, make_program
from tug_portal.common.admin_search import (
    MAX_SORT_FIELDS,
    MAX_WORD_LENGTH,
    MAX_WORDS,
    bounded,
)

pytestmark = pytest.mark.django_db

LISTS = [
    "/admin/meetings/agendarequest/",
    "/admin/meetings/person/",
    "/admin/reminders/subscriber/",
    "/admin/meetings/announcement/",
]
MANY_WORDS = " ".join(["ab"] * 1_200)
HUGE_WORD = "x" * 50_000


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (MANY_WORDS, "Searched for the first 10 words only."),
        (HUGE_WORD, "Searched for the first 200 letters of each word only."),
    ],
    ids=["1,200 words", "one 50,000-letter word"],
)
def test_a_list_searched_for_too_much_searches_its_start_and_says_so(
    staff_client, path, typed, said, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        response = staff_client.get(path, {"q": typed})

    assert response.status_code == 200
    page = response.content.decode()
    assert said in page
    shown = response.context["cl"].query
    assert shown in (" ".join(["ab"] * 10), "x" * 200)


def test_a_search_within_the_bounds_is_untouched(staff_client):
    typed = '"demand response" ab cd'

    response = staff_client.get("/admin/meetings/person/", {"q": typed})

    assert response.context["cl"].query == typed
    assert "Searched for the first" not in response.content.decode()


def test_an_autocomplete_asked_for_too_much_answers_from_its_start(staff_client):
    make_meeting(make_program(), is_published=True)
    query = {
        "app_label": "meetings",
        "model_name": "agendatopic",
        "field_name": "facilitators",
        "term": MANY_WORDS,
    }

    response = staff_client.get("/admin/autocomplete/", query)

    assert response.status_code == 200
    assert response.json()["results"] == []
    follow_up = staff_client.get("/admin/meetings/person/")
    assert "Searched for the first" not in follow_up.content.decode()  # no message left over


def test_a_list_sorted_by_thousands_of_columns_sorts_by_its_first(
    staff_client, django_assert_max_num_queries
):
    """An outside try's `?o=1.1.1…` (3,000 sort fields) cost 0.2-0.46 s a request."""
    with django_assert_max_num_queries(20):
        response = staff_client.get("/admin/meetings/person/", {"o": ".".join(["-1"] * 3_000)})

    assert response.status_code == 200
    assert response.context["cl"].params["o"] == ".".join(["-1"] * MAX_SORT_FIELDS)


PHRASE_OF_98_WORDS = '"' + " ".join(["a"] * 98) + ' \\" a"'


@pytest.mark.parametrize(
    "typed",
    [
        " ".join([PHRASE_OF_98_WORDS] * 10),  # an outside try: its closing quote was cut off
        '"' + "x" * 300 + '"',
        "'" + "y " * 150 + "'",
        '"' + "z" * 198 + '\\"' + " tail" * 50 + '"',
        'ab"' + "cd " * 100 + '"ef',
        # a third outside try: joined by single spaces, the backslash before the newline paired
        # the quotes otherwise, and Django read 883 words
        "'\\\n" + " ".join(["'" + " ".join(["a"] * 99) + "'"] * 9) + " z1",
        '"\\\n' + " ".join(['"' + " ".join(["a"] * 99) + '"'] * 9) + " z1",
    ],
    ids=[
        "ten long phrases",
        "long word quoted",
        "single quotes",
        "escape at the cut",
        "inside",
        "backslash newline",
        "backslash newline, double quotes",
    ],
)
def test_a_long_phrase_cut_stays_one_word(typed):
    searched, said = bounded(typed)

    words = list(smart_split(searched))
    assert said
    assert len(words) <= MAX_WORDS
    assert all(len(word) <= MAX_WORD_LENGTH for word in words)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \"'\\\t\n\u00a0")), max_size=3_000))
def test_whatever_is_typed_is_searched_as_at_most_the_bounds(typed):
    searched, _ = bounded(typed)

    words = list(smart_split(searched))
    assert len(words) <= MAX_WORDS
    assert all(len(word) <= MAX_WORD_LENGTH for word in words)


@pytest.mark.parametrize("sort", ["9" * 60_000, "1.x.-2", "1." + "-" * 5_000])
def test_a_sort_by_columns_no_list_has_is_dropped(staff_client, sort):
    """An outside try's `?o=` of 60,000 nines was copied into every column's link: a 2.3 MB
    page. A list's columns are numbered 0 to a dozen or so; Django ignores any other."""
    response = staff_client.get("/admin/meetings/meeting/", {"o": sort})

    assert response.status_code == 200
    assert len(response.content) < 200_000
    assert response.context["cl"].params.get("o", "") in ("", "1", "1.-2")
