"""The stakeholder pages through Django's test client: full pages for plain requests, list
fragments for htmx, drafts hidden, clean 4xx answers, and query counts that do not grow."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.support.demo import PACIFIC, UPCOMING_SLUGS
from tests.web.support import is_fragment, text_of
from tug_portal.meetings.models import AgendaTopic, Announcement, Meeting, Program, System

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def meeting_slugs(response) -> list[str]:
    """The meetings a list shows, in order."""
    return re.findall(r'class="meeting-row__title">\s*<a href="/meetings/([\w-]+)/"', response.text)


def announcement_slugs(response) -> list[str]:
    return re.findall(r'announcement-row__title"><a href="/announcements/([\w-]+)/"', response.text)


# --- Dashboard --------------------------------------------------------------------------------


def test_dashboard_shows_next_meeting_of_each_program(client, demo):
    response = client.get("/")

    text = text_of(response)
    assert response.status_code == 200
    assert "Next TUG: Tue 30 Oct 2018, 10:00-11:00 AM PT" in text
    assert "Next CPG: Thu 1 Nov 2018, 2:00-3:00 PM PT" in text
    assert "Meets every other Tuesday, 10:00-11:00 AM Pacific." in text
    assert "Meets the first Thursday of every month, 2:00-3:00 PM Pacific." in text


def test_dashboard_lists_upcoming_meetings_soonest_first(client, demo):
    response = client.get("/")

    assert meeting_slugs(response) == UPCOMING_SLUGS
    assert "8 upcoming meetings." in text_of(response)


def test_dashboard_shows_recent_announcements_and_subscribe_links(client, demo):
    response = client.get("/")

    body = response.text
    assert '<a href="/announcements/oms-cpg-announcement/">OMS – CPG Announcement</a>' in body
    assert '<a href="/announcements/drrs-acceptable-use-policy/">' in body
    assert 'href="webcal://' in body
    assert 'href="/calendar/tug.ics"' in body
    assert 'href="/subscriptions/new/"' in body


def test_dashboard_htmx_request_gets_only_the_list_fragment(client, demo):
    response = client.get("/", {"system": "DRRS", "when": "all"}, headers=HTMX)

    assert response.status_code == 200
    assert is_fragment(response)
    assert response.text.lstrip().startswith('<div id="meeting-results" class="results">')
    assert meeting_slugs(response) == ["tug-2018-10-16"]
    assert "HX-Request" in response["Vary"]


def test_dashboard_plain_request_gets_the_whole_page_with_the_same_list(client, demo):
    response = client.get("/", {"system": "DRRS", "when": "all"})

    assert not is_fragment(response)
    assert meeting_slugs(response) == ["tug-2018-10-16"]
    assert "HX-Request" in response["Vary"]
    assert 'value="DRRS" selected' in response.text


def test_dashboard_history_restore_gets_the_whole_page(client, demo):
    response = client.get("/", headers={**HTMX, "HX-History-Restore-Request": "true"})

    assert not is_fragment(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "nalini", "when": "all"}, ["tug-2018-10-16"]),
        ({"q": "acceptable polic", "when": "all"}, ["tug-2018-10-16"]),
        ({"q": "ambient derate", "when": "all"}, ["cpg-2018-11-01", "tug-2018-10-16"]),
        ({"system": "OMS", "when": "past"}, ["tug-2018-10-16"]),
        (
            {"program": "cpg", "q": "roll call"},
            ["cpg-2018-12-06", "cpg-2019-01-03", "cpg-2019-02-07"],
        ),
    ],
)
def test_dashboard_filters_and_search_narrow_the_list(client, demo, query, expected):
    response = client.get("/", query, headers=HTMX)

    assert meeting_slugs(response) == expected


def test_search_that_finds_nothing_says_so_not_that_there_is_nothing_yet(client, demo):
    response = client.get("/", {"q": "zzzqqq", "when": "all"}, headers=HTMX)

    assert meeting_slugs(response) == []
    assert "No meeting matches your search." in text_of(response)
    assert "yet" not in text_of(response)


def test_dashboard_empty_upcoming_list_offers_all_meetings(client, demo):
    response = client.get("/", {"system": "DRRS"}, headers=HTMX)

    assert meeting_slugs(response) == []
    assert "No meetings here yet." in text_of(response)
    assert 'href="?system=DRRS&amp;when=all"' in response.text


def test_dashboard_never_lists_drafts(client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(is_published=False)

    response = client.get("/")

    assert "tug-2018-10-30" not in meeting_slugs(response)
    assert "Next TUG: Tue 13 Nov 2018, 10:00-11:00 AM PT" in text_of(response)


def test_dashboard_shows_drafts_to_staff_marked_as_drafts(staff_client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(is_published=False)

    response = staff_client.get("/", headers=HTMX)

    assert meeting_slugs(response)[0] == "tug-2018-10-30"
    assert '<span class="badge badge--draft">Draft</span>' in response.text


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"system": "XYZ"}, "System: There is no system “XYZ”."),
        ({"program": "nope"}, "Program: There is no program “nope”."),
        ({"when": "soon"}, "When: “When” is upcoming, past or all, not “soon”."),
        ({"page": "two"}, "Page: Enter a whole number."),
    ],
)
def test_dashboard_bad_filter_is_a_400_with_the_reason(client, demo, query, reason):
    plain = client.get("/", query)
    fragment = client.get("/", query, headers=HTMX)

    assert plain.status_code == fragment.status_code == 400
    assert reason in text_of(plain)
    assert reason in text_of(fragment)
    assert is_fragment(fragment)


@pytest.mark.parametrize("query", [{"system": "XYZ"}, {"program": "nope"}])
def test_bad_filter_field_is_described_by_its_reason_on_the_page(client, demo, query):
    """The field in error names its reason (Django's `aria-describedby`): an id that is on the
    page, the reason's line in the list of what cannot be applied."""
    page = client.get("/", query).text

    described_by = re.findall(r'aria-describedby="([^"]+)"', page)
    assert described_by
    for ids in described_by:
        for element_id in ids.split():
            assert f'id="{element_id}"' in page


# --- System codes and program slugs: taken in any case, each page under one spelling ------------

LIST_PATHS = ["/", "/programs/tug/", "/announcements/"]


def _moved_a_week_later(slug: str) -> Meeting:
    meeting = Meeting.objects.get(slug=slug)
    meeting.starts_at += timedelta(days=7)
    meeting.ends_at += timedelta(days=7)
    meeting.save()
    return meeting


@pytest.mark.parametrize("path", ["/meetings/{}/", "/meetings/{}.ics"])
def test_a_moved_meeting_is_found_at_the_address_of_its_new_day(client, demo, path):
    """Its address keeps the day it was made for; a stakeholder told "TUG moved to the 23rd"
    who types that day's address was given a 404. Sent on for now (302): the day's address may
    later name a meeting of its own."""
    moved = _moved_a_week_later("tug-2018-10-16")
    assert moved.slug == "tug-2018-10-16"

    for typed in ["tug-2018-10-23", "TUG-2018-10-23"]:
        response = client.get(path.format(typed))
        assert (response.status_code, response["Location"]) == (302, path.format(moved.slug))
    assert client.get(path.format("tug-2018-10-24")).status_code == 404
    assert client.get(path.format("cpg-2018-10-23")).status_code == 404


@pytest.mark.parametrize(
    "typed",
    ["tug-0001-01-01", "tug-9999-12-31", "tug-2018-02-30", "tug-2018-13-01", "x-2018-10-23"],
)
def test_an_address_naming_no_day_a_meeting_can_have_is_a_404(client, demo, typed):
    """Days at the calendar's ends (a day either side overflows a datetime), days that do not
    exist, programs that do not."""
    _moved_a_week_later("tug-2018-10-16")

    assert client.get(f"/meetings/{typed}/").status_code == 404
    assert client.get(f"/meetings/{typed}.ics").status_code == 404


@pytest.mark.parametrize("path", ["/meetings/{}/", "/meetings/{}.ics"])
def test_an_address_longer_than_any_meetings_is_a_404(client, demo, path):
    """An outside try's 50,000-letter address was looked up in any case as a LIKE pattern,
    which SQLite refused: a 503 "cannot reach its database", 180 KB of log each."""
    assert client.get(path.format("a" * 50_000)).status_code == 404
    assert client.get(path.format("tug-" + "9" * 50_000 + "-2018-10-23")).status_code == 404


def test_a_redirect_to_a_draft_is_private(staff_client, demo):
    """Only a signed-in person may be sent to a draft: no shared cache keeps that answer."""
    moved = _moved_a_week_later("tug-2018-10-16")
    Meeting.objects.filter(pk=moved.pk).update(is_published=False)

    for typed in ["/meetings/tug-2018-10-23/", "/meetings/TUG-2018-10-16.ics"]:
        response = staff_client.get(typed)
        assert response.status_code in (301, 302)
        assert "private" in response.get("Cache-Control", ""), typed


def test_a_day_with_a_meeting_of_its_own_keeps_its_address(client, demo):
    """The seed meeting moved onto the day of the next TUG (30 October): that day's address is
    still the next TUG's, and the seed meeting keeps its own."""
    moved = _moved_a_week_later("tug-2018-10-16")
    moved = _moved_a_week_later(moved.slug)

    assert client.get("/meetings/tug-2018-10-30/").context["meeting"].slug == "tug-2018-10-30"
    assert client.get("/meetings/tug-2018-10-16/").context["meeting"] == moved


def test_a_moved_draft_is_found_by_its_new_day_for_staff_only(client, staff_client, demo):
    moved = _moved_a_week_later("tug-2018-10-16")
    Meeting.objects.filter(pk=moved.pk).update(is_published=False)

    assert client.get("/meetings/tug-2018-10-23/").status_code == 404
    assert staff_client.get("/meetings/tug-2018-10-23/")["Location"] == f"/meetings/{moved.slug}/"


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize("code", ["oms", "Oms", " OMS "])
def test_a_list_takes_a_system_code_in_any_case_and_shows_the_systems_own_code_chosen(
    client, demo, path, code
):
    as_typed = client.get(path, {"system": code, "when": "all"}, follow=True)
    as_stored = client.get(path, {"system": "OMS", "when": "all"})

    assert as_typed.status_code == 200
    assert '<option value="OMS" selected>' in as_typed.text
    assert meeting_slugs(as_typed) == meeting_slugs(as_stored)
    assert announcement_slugs(as_typed) == announcement_slugs(as_stored)
    assert meeting_slugs(as_stored) or announcement_slugs(as_stored)  # the filter narrows


@pytest.mark.parametrize("code", ["oms", "OMS", "Oms", " drrs "])
def test_a_system_code_a_feed_takes_is_one_every_list_takes(client, demo, code):
    assert client.get("/calendar/all.ics", {"system": code}).status_code == 200
    for path in LIST_PATHS:
        assert client.get(path, {"system": code}, follow=True).status_code == 200, path


@pytest.mark.parametrize(
    ("asked", "canonical"),
    [
        ("/?system=oms", "/?system=OMS"),
        ("/?system=%20OmS%20", "/?system=OMS"),
        ("/?q=road+map&system=oms&when=all&page=1", "/?q=road+map&system=OMS&when=all&page=1"),
        ("/?program=TUG", "/?program=tug"),
        ("/?program=Cpg&system=drrs", "/?program=cpg&system=DRRS"),
        ("/announcements/?program=TUG&kind=policy", "/announcements/?program=tug&kind=policy"),
        ("/announcements/?system=drrs", "/announcements/?system=DRRS"),
        ("/programs/TUG/", "/programs/tug/"),
        ("/programs/Tug/?system=oms&when=past", "/programs/tug/?system=OMS&when=past"),
    ],
)
def test_a_code_or_slug_not_in_its_own_spelling_is_moved_permanently_to_the_canonical_url(
    client, demo, asked, canonical
):
    response = client.get(asked)

    assert response.status_code == 301
    assert response["Location"] == canonical


@pytest.mark.parametrize("path", ["/?program=TUG", "/announcements/?program=TUG", "/programs/TUG/"])
def test_a_program_slug_in_any_case_reaches_the_programs_list(client, demo, path):
    as_typed = client.get(path, follow=True)
    as_stored = client.get(path.replace("TUG", "tug"))

    assert as_typed.status_code == 200
    assert as_typed.redirect_chain[0][1] == 301
    assert meeting_slugs(as_typed) == meeting_slugs(as_stored)
    assert announcement_slugs(as_typed) == announcement_slugs(as_stored)


@pytest.mark.parametrize("path", ["/", "/announcements/"])
def test_the_program_filter_shows_the_programs_own_slug_chosen(client, demo, path):
    response = client.get(path, {"program": "TUG"}, follow=True)

    assert '<option value="tug" selected>' in response.text


@pytest.mark.parametrize(
    "path", ["/?system=OMS", "/?program=tug", "/programs/tug/", "/announcements/?program=cpg"]
)
def test_a_url_in_the_canonical_spelling_is_served_as_it_is(client, demo, path):
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/?program=nope", "/announcements/?program=NOPE"])
def test_an_unknown_program_slug_is_still_a_400_with_the_reason(client, demo, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "There is no program “" in text_of(response)


def test_an_unknown_program_page_is_still_a_404(client, demo):
    assert client.get("/programs/NOPE/").status_code == 404


def test_every_spelling_of_a_code_is_served_the_one_stored_page(
    client, demo, django_assert_num_queries
):
    client.get("/?system=OMS")  # rendered once, and stored

    with django_assert_num_queries(0):  # no page rendered for any other spelling
        for code in ["oms", "OmS", "oMs"]:
            response = client.get("/", {"system": code}, follow=True)
            assert response.redirect_chain == [("/?system=OMS", 301)]
            assert response.status_code == 200


def test_the_search_all_meetings_link_carries_the_canonical_spelling(client, demo):
    response = client.get("/programs/tug/", {"system": "oms", "q": "zebrafinch"}, follow=True)

    assert "Search all meetings, past and upcoming" in response.text
    assert "system=oms" not in response.text
    assert "system=OMS" in response.text


def test_staff_are_moved_to_the_canonical_spelling_too(staff_client, demo):
    response = staff_client.get("/programs/TUG/", {"system": "drrs"})

    assert (response.status_code, response["Location"]) == (301, "/programs/tug/?system=DRRS")


def test_a_meeting_slug_typed_in_another_case_is_moved_to_the_meeting(client, demo):
    # Agendas write "TUG"; a stakeholder typing the address from one got a 404.
    response = client.get("/meetings/TUG-2018-10-16/")

    assert (response.status_code, response["Location"]) == (301, "/meetings/tug-2018-10-16/")
    assert client.get("/meetings/TUG-2099-01-01/").status_code == 404


def test_a_drafts_slug_in_another_case_is_a_404_for_the_public_and_moved_for_staff(
    client, staff_client, demo
):
    Meeting.objects.filter(slug="tug-2018-10-30").update(is_published=False)

    assert client.get("/meetings/Tug-2018-10-30/").status_code == 404  # not revealed
    assert staff_client.get("/meetings/Tug-2018-10-30/")["Location"] == "/meetings/tug-2018-10-30/"


@pytest.mark.parametrize("path", LIST_PATHS)
def test_an_unknown_system_code_in_lower_case_is_still_a_400_with_the_reason(client, demo, path):
    response = client.get(path, {"system": "xyz"})

    assert response.status_code == 400
    assert "System: There is no system “xyz”." in text_of(response)


def test_dashboard_page_past_the_last_is_a_404(client, demo):
    response = client.get("/", {"page": "9"})

    assert response.status_code == 404
    assert "There is no page 9 of this list." in text_of(response)


def test_dashboard_paginates_with_links_that_keep_the_filters(client, demo, make_meetings):
    make_meetings(25)

    first = client.get("/", {"when": "past", "system": "DRRS"})
    second = client.get("/", {"when": "past", "system": "DRRS", "page": "2"}, headers=HTMX)

    assert len(meeting_slugs(first)) == 20
    assert 'href="?when=past&amp;system=DRRS&amp;page=2"' in first.text
    assert meeting_slugs(first)[:2] == ["tug-2018-10-16", "tug-bulk-24"]
    assert meeting_slugs(second) == [f"tug-bulk-{n}" for n in range(5, -1, -1)]
    assert "Page 2 of 2" in text_of(second)


# --- Query counts: the same at 3 and at 300 meetings --------------------------------------


# Programs, systems, the page of meetings with their count (one query) and 4 prefetches of their
# topics; the dashboard adds the next meeting of each program (2), recent announcements (2) and
# the footer.
LIST_PAGES = [
    ("/", {}, 13),
    ("/", {"when": "past", "q": "topic", "system": "DRRS"}, 13),
    ("/programs/tug/", {"when": "past"}, 13),
    ("/announcements/", {}, 8),
]


@pytest.mark.parametrize("count", [3, 300])
@pytest.mark.parametrize(("path", "query", "most"), LIST_PAGES)
def test_list_page_queries_do_not_grow_with_meetings(
    client, demo, make_meetings, django_assert_max_num_queries, count, path, query, most
):
    make_meetings(count)

    with django_assert_max_num_queries(most):
        response = client.get(path, query)

    assert response.status_code == 200


@pytest.mark.parametrize("count", [3, 300])
def test_meeting_page_queries_do_not_grow_with_meetings(
    client, demo, make_meetings, django_assert_max_num_queries, count
):
    make_meetings(count, start=date(2019, 1, 1))

    with django_assert_max_num_queries(16):
        response = client.get("/meetings/tug-2018-10-16/")

    assert response.status_code == 200


# --- Program page ---------------------------------------------------------------------------


def test_program_page_shows_description_schedule_contact_and_subscribe(client, demo):
    response = client.get("/programs/tug/")

    text, body = text_of(response), response.text
    assert response.status_code == 200
    assert "Technology User Group" in text
    assert "Meets every other Tuesday, 10:00-11:00 AM Pacific." in text
    assert "The ISO's forum for market participants" in text
    assert "Next TUG: Tue 30 Oct 2018, 10:00-11:00 AM PT" in text
    assert "Questions and agenda requests: Indu Nambiar, California ISO" in text
    assert 'href="mailto:inambiar@caiso.com?subject=Agenda%20request%3A%20TUG"' in body
    assert 'href="/subscriptions/new/?program=tug"' in body
    assert 'href="webcal://' in body and "/calendar/tug.ics" in body
    assert 'href="tel:+18665282256,,3895889%23"' in body


def test_program_page_lists_only_its_meetings(client, demo):
    response = client.get("/programs/tug/")

    assert meeting_slugs(response) == [slug for slug in UPCOMING_SLUGS if slug.startswith("tug-")]


def test_program_page_htmx_request_gets_only_the_list_fragment(client, demo):
    response = client.get("/programs/tug/", {"when": "past"}, headers=HTMX)

    assert response.status_code == 200
    assert is_fragment(response)
    assert meeting_slugs(response) == ["tug-2018-10-16"]
    assert "HX-Request" in response["Vary"]


def test_program_page_of_unknown_or_inactive_program_is_a_404(client, demo):
    Program.objects.filter(slug="cpg").update(is_active=False)

    assert client.get("/programs/nope/").status_code == 404
    assert client.get("/programs/cpg/").status_code == 404


# --- Meeting page: every fact of the seed agenda ---------------------------------------------


def test_meeting_page_shows_the_time_in_the_meeting_zone(client, seed_meeting):
    response = client.get("/meetings/tug-2018-10-16/")

    assert response.status_code == 200
    assert "Tuesday, October 16, 2018, 10:00-11:00 AM Pacific" in text_of(response)
    assert '<time datetime="2018-10-16T10:00:00-07:00">' in response.text
    # The viewer's own zone is written by portal.js from these instants.
    assert 'data-start="2018-10-16T10:00:00-07:00" data-end="2018-10-16T11:00:00-07:00"' in (
        response.text
    )


def test_meeting_page_shows_join_details_with_copy_buttons(client, seed_morning):
    response = client.get("/meetings/tug-2018-10-16/")

    body, text = response.text, text_of(response)
    assert '<a class="button button--join" href="https://caiso.webex.com/meet/CAISO-TUG"' in body
    assert "Meeting number 966 010 353" in text
    assert '<span class="copyable" id="meeting-number">966 010 353</span>' in body
    assert '<span class="copyable" id="web-access-code">389 588 9</span>' in body
    assert 'data-copy-target="meeting-number"' in body
    assert 'data-copy-target="web-access-code"' in body


def test_meeting_page_dial_ins_are_tel_links_with_the_access_code(client, seed_morning):
    response = client.get("/meetings/tug-2018-10-16/")

    body = response.text
    assert '<a href="tel:+18665282256,,3895889%23" class="tel">(866) 528-2256</a>' in body
    assert '<a href="tel:+12167067052,,3895889%23" class="tel">(216) 706-7052</a>' in body
    text = text_of(response)
    assert "Domestic Call-In (866) 528-2256" in text
    assert "International Call-In (216) 706-7052" in text
    assert "Access code 389 588 9" in text


def test_meeting_page_shows_the_recording_disclaimer(client, seed_meeting):
    text = text_of(client.get("/meetings/tug-2018-10-16/"))

    assert "Legal Disclaimer for Recording Meeting" in text
    assert "Calls and webinars are recorded for stakeholder convenience" in text
    assert "should not be reprinted without the ISO's permission." in text


def test_meeting_page_shows_agenda_table_and_topic_sections(client, seed_meeting):
    response = client.get("/meetings/tug-2018-10-16/")

    body, text = response.text, text_of(response)
    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</td>', body, re.S)
    assert [" ".join(text_of(row).split()) for row in rows] == [
        "Agenda and Roll Call Indu Nambiar",
        "DRRS – Acceptable Use Policy Changes Nalini Chari",
        "OMS – CPG Announcement Justin Wong",
    ]
    assert "Facilitator: Nalini Chari" in text
    assert "<li>The ISO is planning to implement AUP for the DRRS application.</li>" in body
    # The two error messages are quoted in a list nested under their bullet.
    assert re.search(
        r"within 30 seconds:\s*<ul>\s*<li>\"CAISO DRRS Acceptable Use Policy Violation, Please "
        r"retry your requestion.\"</li>",
        body,
    )
    assert "Note: Time resets each time you request before expiration." in text
    assert "Agenda for meeting on November 1st 2018 2:00pm" in text
    assert "<strong>OMS performance/operational changes</strong>" in body


def test_meeting_page_shows_the_system_tags_of_a_topic_without_body_or_documents(
    client, seed_meeting
):
    topic = AgendaTopic.objects.create(meeting=seed_meeting, order=9, title="Road map")
    topic.systems.add(System.objects.get(code="OMS"), System.objects.get(code="DRRS"))

    body = client.get("/meetings/tug-2018-10-16/").text

    section = re.search(rf'<section class="topic" id="topic-{topic.pk}".*?</section>', body, re.S)
    assert section, "the topic has a section of its own"
    assert re.findall(r'class="system-tag"[^>]*>(\w+)</a>', section[0]) == ["DRRS", "OMS"]
    assert f'<a href="#topic-{topic.pk}">Road map</a>' in body  # its row links to it


def test_meeting_page_links_documents_at_their_page(client, seed_meeting):
    response = client.get("/meetings/tug-2018-10-16/")

    assert (
        '<li><a href="http://www.caiso.com/Documents/EnergyStorageandDistributionEnergyResource'
        'Phase2-DRRS-TechnicalSpecificationsv20%20Clean.pdf#page=11" rel="noopener">'
        "DRRS Technical Specification document</a>, page 11</li>"
    ) in response.text


def test_meeting_page_shows_related_announcements_and_next_meeting(client, seed_meeting):
    response = client.get("/meetings/tug-2018-10-16/")

    body, text = response.text, text_of(response)
    assert '<a href="/announcements/drrs-acceptable-use-policy/">' in body
    assert '<a href="/announcements/oms-cpg-announcement/">' in body
    assert "Next TUG: Tue 30 Oct 2018, 10:00-11:00 AM PT" in text


def test_meeting_page_contact_mail_has_the_subject_filled_in(client, seed_morning):
    response = client.get("/meetings/tug-2018-10-16/")

    assert "Contact for Questions & Agenda Requests Indu Nambiar, California ISO" in (
        text_of(response)
    )
    assert (
        '<a href="mailto:inambiar@caiso.com?subject=Agenda%20request%3A%20'
        'TUG%202018-10-16%20%2810%3A00-11%3A00%20Pacific%29">'
        "inambiar@caiso.com</a>"
    ) in response.text


def test_meeting_page_offers_add_to_calendar_links(client, seed_morning):
    body = client.get("/meetings/tug-2018-10-16/").text

    assert re.search(r'href="https?://[^"]+/meetings/tug-2018-10-16\.ics" download>', body)
    assert 'href="https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=' in body
    assert "dates=20181016T170000Z%2F20181016T180000Z" in body
    assert 'href="https://outlook.live.com/calendar/0/deeplink/compose?' in body


def test_meeting_page_footer_has_the_program_stay_connected_links(client, seed_meeting):
    response = client.get("/meetings/tug-2018-10-16/")

    footer = response.text.split('<footer class="site-footer">')[1]
    assert "Stay connected" in footer
    assert '<a href="https://twitter.com/California_ISO"' in footer
    assert ">@California_ISO</a>" in footer
    assert ">Download ISO Today mobile app</a>" in footer
    assert ">Sign up for the Daily Briefing at www.caiso.com</a>" in footer


@pytest.mark.parametrize(
    ("status", "banner"),
    [
        ("cancelled", "This meeting is cancelled. The next TUG meeting is on"),
        ("tentative", "Tentative: this meeting is planned but not yet confirmed."),
    ],
)
def test_meeting_page_shows_a_banner_when_cancelled_or_tentative(client, demo, status, banner):
    Meeting.objects.filter(slug="tug-2018-10-30").update(status=status)

    response = client.get("/meetings/tug-2018-10-30/")

    assert banner in text_of(response)


LIVE_ONLY = {
    "join button": "button--join",
    "meeting number": "meeting-number",
    "tap-to-dial": 'href="tel:',
    "recording notice": "This meeting will be recorded",
    "agenda request": "Propose a topic",
    "calendar invitation": "Download .ics",
}


def live_only_parts_shown(response) -> list[str]:
    return [name for name, marker in LIVE_ONLY.items() if marker in response.text]


def test_upcoming_meeting_page_invites_people_in(client, demo):
    response = client.get("/meetings/tug-2018-10-30/")

    assert live_only_parts_shown(response) == list(LIVE_ONLY)


def test_cancelled_meeting_page_is_a_record_with_reason_and_replacement(client, demo):
    replacement = Meeting.objects.get(slug="tug-2018-11-13")
    Meeting.objects.filter(slug="tug-2018-10-30").update(
        status="cancelled",
        cancellation_reason="The room is closed for maintenance.",
        replacement=replacement,
    )

    response = client.get("/meetings/tug-2018-10-30/")

    text = text_of(response)
    assert live_only_parts_shown(response) == []
    assert "disclaimer-title" not in response.text  # nothing will be recorded
    assert "This meeting is cancelled. The room is closed for maintenance." in text
    assert "It is replaced by the meeting on" in text
    assert 'href="/meetings/tug-2018-11-13/"' in response.text
    assert "TUG Agenda" in text  # the agenda stays, as a record


def test_past_meeting_page_is_a_record(client, seed_meeting):
    response = client.get("/meetings/tug-2018-10-16/")

    assert live_only_parts_shown(response) == []
    assert "DRRS" in text_of(response)


def test_cancelled_meeting_has_no_join_button(client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(status="cancelled")

    response = client.get("/meetings/tug-2018-10-30/")

    assert "button--join" not in response.text


def test_recording_link_shows_until_its_date_then_is_gone(client, seed_meeting, time_machine):
    Meeting.objects.filter(pk=seed_meeting.pk).update(
        recording_url="https://example.com/tug-2018-10-16.mp3",
        recording_available_until=date(2018, 12, 31),
    )
    time_machine.move_to(datetime(2018, 12, 31, 23, 0, tzinfo=PACIFIC), tick=False)
    last_day = client.get("/meetings/tug-2018-10-16/")
    time_machine.move_to(datetime(2019, 1, 1, 0, 30, tzinfo=PACIFIC), tick=False)
    # The page cache keeps a page up to TUG_WEB_PAGE_CACHE_SECONDS (test_cache.py); Redis counts
    # that in real time, which time-machine does not move: start this visit afresh.
    cache.clear()
    day_after = client.get("/meetings/tug-2018-10-16/")

    assert 'href="https://example.com/tug-2018-10-16.mp3"' in last_day.text
    assert "Available until Monday, December 31, 2018." in text_of(last_day)
    assert "tug-2018-10-16.mp3" not in day_after.text
    assert "Recording no longer available." in text_of(day_after)


def test_draft_meeting_is_a_404_for_the_public_and_marked_for_staff(client, staff_client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(is_published=False)

    public = client.get("/meetings/tug-2018-10-30/")
    staff = staff_client.get("/meetings/tug-2018-10-30/")

    assert public.status_code == 404
    assert staff.status_code == 200
    assert "Draft. Only ISO staff can see this meeting until it is published." in text_of(staff)


def test_unknown_meeting_is_a_clean_404(client, demo):
    response = client.get("/meetings/tug-1999-01-01/")

    assert response.status_code == 404
    assert "No such meeting." in text_of(response)
    assert 'href="/announcements/"' in response.text


# --- Announcements ----------------------------------------------------------------------------


def test_announcement_list_shows_newest_first(client, demo):
    response = client.get("/announcements/")

    assert response.status_code == 200
    assert announcement_slugs(response) == ["oms-cpg-announcement", "drrs-acceptable-use-policy"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"system": "DRRS"}, ["drrs-acceptable-use-policy"]),
        ({"kind": "meeting"}, ["oms-cpg-announcement"]),
        ({"q": "retry request"}, ["drrs-acceptable-use-policy"]),
        ({"program": "cpg"}, ["oms-cpg-announcement"]),
        ({"program": "tug", "q": "outage"}, ["oms-cpg-announcement"]),
    ],
)
def test_announcement_list_htmx_filters_get_only_the_fragment(client, demo, query, expected):
    response = client.get("/announcements/", query, headers=HTMX)

    assert is_fragment(response)
    assert announcement_slugs(response) == expected
    assert "HX-Request" in response["Vary"]


def test_announcement_list_bad_kind_is_a_400(client, demo):
    response = client.get("/announcements/", {"kind": "rumour"})

    assert response.status_code == 400
    assert "Kind: There is no kind of announcement “rumour”." in text_of(response)


def test_announcement_list_hides_drafts(client, demo):
    Announcement.objects.filter(slug="drrs-acceptable-use-policy").update(is_published=False)

    response = client.get("/announcements/")

    assert "drrs-acceptable-use-policy" not in response.text
    assert client.get("/announcements/drrs-acceptable-use-policy/").status_code == 404


def test_oms_announcement_shows_the_cpg_meeting_agenda(client, demo):
    response = client.get("/announcements/oms-cpg-announcement/")

    text = text_of(response)
    assert response.status_code == 200
    assert "Agenda: CPG meeting, Thu 1 Nov 2018, 2:00-3:00 PM PT" in text
    rows = re.findall(r'<th scope="row">\s*(?:<a [^>]+>)?([^<]+)', response.text)
    assert [row.strip() for row in rows] == [
        "OMS performance/operational changes",
        "Reliability Coordinator Services Implementation",
        "OMS Road Map",
        "Recurring Outage",
    ]
    assert "Remove ability for EIM entities to cancel currently active outages." in text
    assert "Presented at Technology User Group Tuesday, October 16, 2018" in text


def test_announcement_hides_its_meeting_while_that_is_a_draft(client, demo):
    Meeting.objects.filter(slug="cpg-2018-11-01").update(is_published=False)

    response = client.get("/announcements/oms-cpg-announcement/")

    assert response.status_code == 200
    assert "Agenda: CPG meeting" not in text_of(response)
    assert 'id="announces-title"' not in response.text


def test_unknown_announcement_is_a_404(client, demo):
    assert client.get("/announcements/nope/").status_code == 404


# --- Every page: no inline script, style or handler (the Content-Security-Policy) ------------


PAGES = [
    "/",
    "/programs/tug/",
    "/meetings/tug-2018-10-16/",
    "/announcements/",
    "/announcements/oms-cpg-announcement/",
    "/meetings/nope/",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_inline_script_style_or_handler(client, demo, path):
    body = client.get(path).text

    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", body) == []
    assert re.findall(r"<style", body) == []
    assert re.findall(r"\sstyle=", body) == []
    assert re.findall(r"\son[a-z]+=", body) == []


@pytest.mark.parametrize("path", PAGES[:5])
def test_page_has_one_h1_and_labelled_landmarks(client, demo, path):
    body = client.get(path).text

    assert body.count("<h1") == 1
    assert '<main id="main"' in body
    assert 'href="#main"' in body
    assert reverse("web:announcement_feed") in body


@pytest.mark.parametrize(
    ("path", "feed", "reminders"),
    [
        ("/?system=DRRS&when=all", "/calendar/all.ics?system=DRRS", "?system=DRRS"),
        ("/?program=cpg", "/calendar/cpg.ics", "?program=cpg"),
        (
            "/programs/tug/?system=DRRS&when=all",
            "/calendar/tug.ics?system=DRRS",
            "?program=tug&amp;system=DRRS",
        ),
    ],
)
def test_a_filtered_list_offers_its_own_feed_and_reminders(client, demo, path, feed, reminders):
    page = client.get(path).text
    fragment = client.get(path, headers={"HX-Request": "true"}).text

    for body in (page, fragment):
        assert f'<a href="http://127.0.0.1:8000{feed}">.ics address</a>' in body
        assert f'href="/subscriptions/new/{reminders}">Get ' in body


def test_an_unfiltered_list_offers_no_narrower_feed(client, demo):
    assert "follow-filter" not in client.get("/programs/tug/").text


# --- The favicon ------------------------------------------------------------------------------


def test_favicon_ico_is_served_at_the_site_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    icon = b"".join(response.streaming_content)
    assert icon[:4] == b"\x00\x00\x01\x00"  # an icon file's header
    assert len(icon) < 10_000


def test_every_page_links_its_favicons(client, demo):
    body = client.get("/").text

    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in body
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in body
