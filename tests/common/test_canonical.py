"""Canonical service keys and page queries (canonical.py), and the lists of parameters they keep,
pinned against what the views really read."""

import pytest
from django.http import QueryDict

from tug_portal.api.params import AnnouncementQuery, MeetingQuery
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.common.canonical import KNOWN_PARAMETERS, page_query, service_key
from tug_portal.web.forms import AnnouncementFilterForm, MeetingFilterForm


def key(url_name, path, query):
    return service_key(url_name, path, QueryDict(query))


@pytest.mark.parametrize(
    "query",
    [
        "limit=200&program=tug",
        "program=tug&limit=200",
        "limit=0200&program=tug",
        "limit=200&program=TUG&_=1718000000",
        "limit=200&program=tug&",
        "program=tug&limit=200&&&callback=x&system=",
        "limit=+200&program= tug ",
    ],
)
def test_service_key_is_the_same_for_every_spelling_of_one_request(query):
    assert key("api:meeting_list", "/api/v1/meetings", query) == (
        "api:meeting_list /api/v1/meetings?limit=200&program=tug"
    )


def test_service_key_tells_real_variants_apart():
    plain = key("calendars:feed_program", "/calendar/tug.ics", "")
    variants = {
        key("calendars:feed_program", "/calendar/tug.ics", query)
        for query in ("system=drrs", "history=all", "alarm=30", "alarm=30,1440")
    }

    assert plain == "calendars:feed_program /calendar/tug.ics"
    assert len(variants | {plain}) == 5
    assert key("calendars:feed_program", "/calendar/tug.ics", "alarm=1440,30,030") == key(
        "calendars:feed_program", "/calendar/tug.ics", "alarm=30,1440"
    )


def test_service_key_of_a_view_without_parameters_is_its_path():
    assert key("web:meeting_detail", "/meetings/tug-2018-10-16/", "x=1&_=2") == (
        "web:meeting_detail /meetings/tug-2018-10-16/"
    )


def test_page_query_keeps_known_parameters_exactly_as_sent_in_their_order():
    query = page_query("web:dashboard", QueryDict("when=past&_=123&q=DRRS+API&utm_source=x&"))

    assert list(query.lists()) == [("when", ["past"]), ("q", ["DRRS API"])]


def test_page_query_keeps_every_filter_of_the_list_pages():
    meeting_fields = set(MeetingFilterForm(programs=[]).fields)
    program_page_fields = set(MeetingFilterForm().fields)
    announcement_fields = set(AnnouncementFilterForm().fields)

    assert set(KNOWN_PARAMETERS["web:dashboard"]) == meeting_fields
    assert set(KNOWN_PARAMETERS["web:program_detail"]) == program_page_fields
    assert set(KNOWN_PARAMETERS["web:announcement_list"]) == announcement_fields


def test_service_parameters_cover_the_api_query_schemas():
    def names(schema):
        return {field.alias or name for name, field in schema.model_fields.items()}

    assert set(KNOWN_PARAMETERS["api:meeting_list"]) == names(MeetingQuery)
    assert set(KNOWN_PARAMETERS["api:announcement_list"]) == names(AnnouncementQuery)


def test_service_parameters_cover_the_feed_urls():
    spec = FeedSpec(program="tug", system="drrs", full_history=True)

    assert set(spec.query) | {"alarm"} == set(KNOWN_PARAMETERS["calendars:feed_program"])


def test_a_number_of_any_length_is_normalized_without_converting_it():
    # Python refuses to convert a string of more than 4,300 digits to an int (ValueError):
    # a parameter of 5,000 digits was a 500 in every request's fair-use key.
    digits = "0" * 5000 + "12"

    assert key("api:meeting_list", "/api/v1/meetings", f"limit={digits}") == (
        "api:meeting_list /api/v1/meetings?limit=12"
    )
    assert key("api:meeting_list", "/api/v1/meetings", "limit=-0&program=+007") == (
        "api:meeting_list /api/v1/meetings?limit=0&program=7"
    )


def test_page_query_writes_the_page_number_one_way():
    # page=2, 02, 0002 and +2 are one page: stored once, not once per spelling (an attacker's
    # spellings pushed the stored pages out of the cache).
    spellings = ("2", "02", "0002", "+2", " 2")

    pages = {page_query("web:program_detail", QueryDict(f"page={s}"))["page"] for s in spellings}

    assert pages == {"2"}
    assert page_query("web:program_detail", QueryDict("page=two"))["page"] == "two"


@pytest.mark.parametrize("spelling", ["2", "٢", "２", "2.0", "2.", "1_0", " +02 ", "\u0662\u0660"])
def test_page_query_writes_every_spelling_the_form_reads_as_the_number_it_reads(spelling):
    # The list forms' IntegerField reads "٢" (an Arabic-Indic two), "2.0" and "1_0" as numbers
    # (int() does), so each was the page it named, stored under a key of its own: hundreds of
    # spellings of a few pages pushed the stored pages out of the cache.
    form = MeetingFilterForm(QueryDict(f"page={spelling}"))
    assert form.is_valid(), form.errors

    assert page_query("web:program_detail", QueryDict(f"page={spelling}"))["page"] == str(
        form.page_number
    )


def test_page_query_leaves_out_what_the_form_reads_as_not_sent():
    # `page=`, `q=`, `system=` and `page=1` ask for the page without them: each was a stored
    # page of its own (72 spellings of /programs/cpg/ made 33 copies of one page).
    spellings = ["", "page=", "page=1", "q=&system=&page=01", "when=past&q=&page=1&program="]

    queries = {page_query("web:dashboard", QueryDict(s)).urlencode() for s in spellings[:4]}

    assert queries == {""}
    assert page_query("web:dashboard", QueryDict(spellings[4])).urlencode() == "when=past"
    assert page_query("web:dashboard", QueryDict("page=2&page=")).urlencode() == ""  # the last


def test_page_query_keeps_a_page_the_form_refuses_as_sent():
    # A refused page is a 404 (never stored), whatever it says.
    for spelling in ("two", "2.5", "1e3", "9" * 5000):  # int() refuses over 4,300 digits
        assert not MeetingFilterForm(QueryDict(f"page={spelling}")).is_valid()
        assert page_query("web:program_detail", QueryDict(f"page={spelling}"))["page"] == spelling


def test_service_key_reads_numbers_in_any_digits_as_one():
    assert key("api:meeting_list", "/api/v1/meetings", "limit=٢٠") == (
        "api:meeting_list /api/v1/meetings?limit=20"
    )


def test_page_query_keeps_the_last_value_of_a_repeated_parameter():
    # The pages' forms read one value of each (QueryDict.get: the last): more copies, or other
    # values before it, ask for the same page.
    query = page_query("web:dashboard", QueryDict("system=API&q=a&system=DRRS&q=b&page=2&page=3"))

    assert list(query.lists()) == [("system", ["DRRS"]), ("q", ["b"]), ("page", ["3"])]
