from datetime import date, timedelta

import pytest

from tests.api.support import add_announcements, add_meetings, add_topics, get_json
from tests.support.demo import DEMO_MEETING_SLUGS, DEMO_NOW
from tug_portal.meetings.demo import SPEC_URL
from tug_portal.meetings.models import AgendaTopic, Announcement, Meeting, Program
from tug_portal.meetings.services import meeting_create


def slugs(answer) -> list[str]:
    items = answer["items"] if isinstance(answer, dict) else answer
    return [item["slug"] for item in items]


# --- Index ----------------------------------------------------------------------------------


def test_index_links_every_endpoint(client, db):
    answer = get_json(client, "/api/v1/")

    assert answer == {
        "programs": "http://127.0.0.1:8000/api/v1/programs",
        "meetings": "http://127.0.0.1:8000/api/v1/meetings",
        "next_meetings": "http://127.0.0.1:8000/api/v1/next-meetings",
        "announcements": "http://127.0.0.1:8000/api/v1/announcements",
        "openapi": "http://127.0.0.1:8000/api/v1/openapi.json",
        "docs": "http://127.0.0.1:8000/api/v1/docs",
    }


# --- Programs -------------------------------------------------------------------------------


def test_program_list_gives_each_active_program_by_acronym(client, demo):
    Program.objects.create(slug="old", name="Old Group", acronym="OLD", is_active=False)

    answer = get_json(client, "/api/v1/programs")

    assert slugs(answer) == ["cpg", "tug"]
    assert [program["schedule"] for program in answer] == [
        "the first Thursday of every month, 2:00-3:00 PM Pacific",
        "every other Tuesday, 10:00-11:00 AM Pacific",
    ]


def test_program_detail_gives_join_details_contact_and_links(client, demo):
    answer = get_json(client, "/api/v1/programs/tug")

    assert answer["url"] == "http://127.0.0.1:8000/api/v1/programs/tug"
    assert answer["web_url"] == "http://127.0.0.1:8000/programs/tug/"
    assert answer["time_zone"] == "America/Los_Angeles"
    assert answer["zone_name"] == "Pacific"
    assert answer["recurrence_rule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert answer["web_conference"] == {
        "url": "https://caiso.webex.com/meet/CAISO-TUG",
        "meeting_number": "966 010 353",
        "access_code": "389 588 9",
    }
    assert answer["dial_ins"] == [
        {
            "label": "Domestic Call-In",
            "number": "(866) 528-2256",
            "access_code": "389 588 9",
            "tel_uri": "tel:+18665282256,,3895889%23",
        },
        {
            "label": "International Call-In",
            "number": "(216) 706-7052",
            "access_code": "389 588 9",
            "tel_uri": "tel:+12167067052,,3895889%23",
        },
    ]
    assert answer["contact"] == {
        "name": "Indu Nambiar",
        "organization": "California ISO",
        "email": "inambiar@caiso.com",
    }
    assert [link["label"] for link in answer["stay_connected"]] == [
        "@California_ISO",
        "Download ISO Today mobile app",
        "Sign up for the Daily Briefing at www.caiso.com",
    ]


def test_program_detail_without_web_conference_gives_null(client, demo):
    answer = get_json(client, "/api/v1/programs/cpg")

    assert answer["web_conference"] is None
    assert answer["contact"] is None


def test_program_detail_of_inactive_program_is_404(client, demo):
    Program.objects.filter(slug="cpg").update(is_active=False)

    answer = get_json(client, "/api/v1/programs/cpg", status=404)

    assert answer == {"detail": "No such program."}


# --- Meeting list ---------------------------------------------------------------------------


def test_meeting_list_gives_published_meetings_by_start(client, demo):
    answer = get_json(client, "/api/v1/meetings")

    assert answer["count"] == 9
    assert slugs(answer) == DEMO_MEETING_SLUGS
    assert answer["next"] is None
    assert answer["previous"] is None


def test_meeting_list_item_gives_times_in_the_meetings_zone(client, demo):
    first = get_json(client, "/api/v1/meetings?limit=1")["items"][0]

    seed = Meeting.objects.get(slug="tug-2018-10-16")
    assert first == {
        "slug": "tug-2018-10-16",
        "uid": str(seed.uid),
        "title": "Technology User Group",
        "program": {
            "slug": "tug",
            "acronym": "TUG",
            "name": "Technology User Group",
            "url": "http://127.0.0.1:8000/api/v1/programs/tug",
        },
        "status": "held",
        "starts_at": "2018-10-16T10:00:00-07:00",
        "ends_at": "2018-10-16T11:00:00-07:00",
        "time_zone": "America/Los_Angeles",
        "zone_name": "Pacific",
        "url": "http://127.0.0.1:8000/api/v1/meetings/tug-2018-10-16",
        "web_url": "http://127.0.0.1:8000/meetings/tug-2018-10-16/",
        "calendar_sequence": 0,
        "updated_at": "2018-10-20T19:00:00Z",
    }


def test_meeting_list_leaves_out_drafts_and_inactive_programs(client, demo):
    meeting_create(program=Program.objects.get(slug="tug"), day=date(2018, 10, 23))
    Program.objects.filter(slug="cpg").update(is_active=False)

    answer = get_json(client, "/api/v1/meetings")

    assert slugs(answer) == [slug for slug in DEMO_MEETING_SLUGS if slug.startswith("tug")]


def test_meeting_list_filtered_by_program(client, demo):
    answer = get_json(client, "/api/v1/meetings?program=cpg")

    assert slugs(answer) == ["cpg-2018-11-01", "cpg-2018-12-06", "cpg-2019-01-03", "cpg-2019-02-07"]


@pytest.mark.parametrize("slug", ["CPG", "Cpg"])
def test_meeting_list_takes_a_program_slug_in_any_case(client, demo, slug):
    answer = get_json(client, f"/api/v1/meetings?program={slug}")

    assert slugs(answer) == ["cpg-2018-11-01", "cpg-2018-12-06", "cpg-2019-01-03", "cpg-2019-02-07"]


def test_a_program_is_found_by_its_slug_in_any_case(client, demo):
    assert get_json(client, "/api/v1/programs/TUG")["slug"] == "tug"


def test_meeting_list_filtered_by_unknown_program_is_404(client, demo):
    answer = get_json(client, "/api/v1/meetings?program=nope", status=404)

    assert answer == {"detail": "No program “nope”; /api/v1/programs lists them."}


def test_meeting_list_filtered_by_system_gives_each_meeting_once(client, demo):
    # The CPG meeting has four topics about OMS; the seed TUG meeting one.
    answer = get_json(client, "/api/v1/meetings?system=oms")

    assert answer["count"] == 2
    assert slugs(answer) == ["tug-2018-10-16", "cpg-2018-11-01"]


def test_meeting_list_filtered_by_unknown_system_is_404(client, demo):
    answer = get_json(client, "/api/v1/meetings?system=XYZ", status=404)

    assert answer == {"detail": "No system “XYZ”."}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # A date is the whole day in the portal's zone (Pacific).
        ("from=2018-11-01", DEMO_MEETING_SLUGS[2:]),
        ("to=2018-11-01", DEMO_MEETING_SLUGS[:3]),
        ("from=2018-10-30&to=2018-11-13", DEMO_MEETING_SLUGS[1:4]),
        # A date-time with an offset is that instant; `from` is inclusive, `to` exclusive.
        ("from=2018-11-01T14:00:00-07:00", DEMO_MEETING_SLUGS[2:]),
        ("from=2018-11-01T21:00:01Z", DEMO_MEETING_SLUGS[3:]),
        ("to=2018-11-01T14:00:00-07:00", DEMO_MEETING_SLUGS[:2]),
        # Without an offset, Pacific: 14:30 Pacific is after the CPG start (as UTC it is not).
        ("from=2018-11-01T14:30:00", DEMO_MEETING_SLUGS[3:]),
        # A range that ends before it starts holds nothing.
        ("from=2018-12-01&to=2018-11-01", []),
    ],
)
def test_meeting_list_filtered_by_start(client, demo, query, expected):
    answer = get_json(client, f"/api/v1/meetings?{query}")

    assert slugs(answer) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "from=yesterday",
            "from: expected an ISO 8601 date (2018-10-16) or date-time (2018-10-16T10:00:00-07:00)",
        ),
        ("to=2018-02-30", "to: day is out of range for month"),
        (
            "status=postponed",
            "status: Input should be 'scheduled', 'tentative', 'cancelled' or 'held'",
        ),
        ("limit=0", "limit: Input should be greater than or equal to 1"),
        ("offset=-1", "offset: Input should be greater than or equal to 0"),
        ("program=t%20u%20g", "program: String should match pattern '^[-a-zA-Z0-9_]+$'"),
    ],
)
def test_meeting_list_with_bad_parameter_is_422_naming_it(client, demo, query, message):
    answer = get_json(client, f"/api/v1/meetings?{query}", status=422)

    assert answer == {"detail": message}


def test_meeting_list_filtered_by_status(client, demo):
    answer = get_json(client, "/api/v1/meetings?status=held")

    assert slugs(answer) == ["tug-2018-10-16", "tug-2018-10-30", "cpg-2018-11-01"]


def test_meeting_list_filtered_by_updated_since_sees_agenda_edits(client, demo, time_machine):
    time_machine.move_to(DEMO_NOW + timedelta(days=1), tick=False)
    topic = AgendaTopic.objects.get(meeting__slug="tug-2018-11-13")
    topic.body = "- Added later"
    topic.save()

    answer = get_json(client, "/api/v1/meetings?updated_since=2018-10-21T00:00:00Z")

    assert slugs(answer) == ["tug-2018-11-13"]
    assert answer["items"][0]["updated_at"] == "2018-10-21T19:00:00Z"


def test_meeting_list_pages_link_their_neighbours(client, demo):
    middle = get_json(client, "/api/v1/meetings?program=tug&limit=2&offset=2")

    assert middle["count"] == 5
    assert slugs(middle) == ["tug-2018-11-13", "tug-2018-11-27"]
    assert middle["next"] == "http://127.0.0.1:8000/api/v1/meetings?program=tug&limit=2&offset=4"
    assert (
        middle["previous"] == "http://127.0.0.1:8000/api/v1/meetings?program=tug&limit=2&offset=0"
    )


def test_meeting_list_page_past_the_end_is_empty(client, demo):
    answer = get_json(client, "/api/v1/meetings?offset=40")

    assert answer["count"] == 9
    assert answer["items"] == []
    assert answer["next"] is None


@pytest.mark.parametrize("meeting_count", [3, 300])
def test_meeting_list_queries_do_not_grow_with_meetings(
    client, program, meeting_count, django_assert_num_queries
):
    add_meetings(program, meeting_count)

    # program, system, count, page
    with django_assert_num_queries(4):
        answer = get_json(
            client, "/api/v1/meetings?program=bench&system=DRRS&from=2030-01-01&limit=200"
        )

    assert answer["count"] == meeting_count
    assert len(answer["items"]) == min(meeting_count, 200)


# --- One meeting ----------------------------------------------------------------------------


def test_meeting_detail_gives_every_fact_of_the_seed_agenda(client, demo):
    answer = get_json(client, "/api/v1/meetings/tug-2018-10-16")

    assert answer["title"] == "Technology User Group"
    assert answer["starts_at"] == "2018-10-16T10:00:00-07:00"
    assert answer["ends_at"] == "2018-10-16T11:00:00-07:00"
    assert answer["time_zone"] == "America/Los_Angeles"
    assert answer["web_conference"] == {
        "url": "https://caiso.webex.com/meet/CAISO-TUG",
        "meeting_number": "966 010 353",
        "access_code": "389 588 9",
    }
    assert [dial_in["tel_uri"] for dial_in in answer["dial_ins"]] == [
        "tel:+18665282256,,3895889%23",
        "tel:+12167067052,,3895889%23",
    ]
    assert [dial_in["number"] for dial_in in answer["dial_ins"]] == [
        "(866) 528-2256",
        "(216) 706-7052",
    ]
    assert answer["recording"]["disclaimer_title"] == "Legal Disclaimer for Recording Meeting"
    assert answer["recording"]["disclaimer"].startswith("Calls and webinars are recorded")
    assert [
        (topic["title"], [person["name"] for person in topic["facilitators"]])
        for topic in answer["topics"]
    ] == [
        ("Agenda and Roll Call", ["Indu Nambiar"]),
        ("DRRS – Acceptable Use Policy Changes", ["Nalini Chari"]),
        ("OMS – CPG Announcement", ["Justin Wong"]),
    ]
    assert answer["contact"] == {
        "name": "Indu Nambiar",
        "organization": "California ISO",
        "email": "inambiar@caiso.com",
    }
    assert answer["next_meeting"]["slug"] == "tug-2018-10-30"
    assert answer["next_meeting"]["starts_at"] == "2018-10-30T10:00:00-07:00"
    assert [link["url"] for link in answer["stay_connected"]] == [
        "https://twitter.com/California_ISO",
        "http://www.caiso.com",
        "http://www.caiso.com",
    ]


def test_meeting_detail_gives_topic_bodies_rendered_and_documents_with_page(client, demo):
    answer = get_json(client, "/api/v1/meetings/tug-2018-10-16")

    drrs = answer["topics"][1]
    assert drrs["systems"] == [{"code": "DRRS", "name": "Demand Response Registration System"}]
    assert drrs["documents"] == [
        {
            "title": "DRRS Technical Specification document",
            "url": SPEC_URL,
            "page": "11",
            "url_with_page": f"{SPEC_URL}#page=11",
        }
    ]
    assert drrs["body"].startswith("- The ISO is planning to implement AUP")
    assert (
        'within 30 seconds:<ul>\n<li>"CAISO DRRS Acceptable Use Policy Violation, Please retry '
        'your requestion."</li>' in drrs["body_html"]
    )


def test_meeting_detail_gives_body_html_without_script(client, demo):
    meeting = Meeting.objects.get(slug="tug-2018-11-13")
    AgendaTopic.objects.filter(meeting=meeting).update(
        body='**Read** <script>alert("x")</script> <a href="javascript:alert(1)">me</a>'
    )

    answer = get_json(client, "/api/v1/meetings/tug-2018-11-13")

    assert answer["topics"][0]["body_html"] == (
        '<p><strong>Read</strong>  <a rel="noopener noreferrer nofollow">me</a></p>'
    )


def test_meeting_detail_gives_announcements_made_at_it_and_about_it(client, demo):
    seed = get_json(client, "/api/v1/meetings/tug-2018-10-16")
    cpg = get_json(client, "/api/v1/meetings/cpg-2018-11-01")

    assert slugs(seed["announcements_presented"]) == [
        "oms-cpg-announcement",
        "drrs-acceptable-use-policy",
    ]
    assert seed["announcements_about"] == []
    assert slugs(cpg["announcements_about"]) == ["oms-cpg-announcement"]
    assert cpg["announcements_about"][0]["url"] == (
        "http://127.0.0.1:8000/api/v1/announcements/oms-cpg-announcement"
    )


def test_meeting_detail_next_meeting_skips_cancelled_and_drafts(client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(status=Meeting.Status.CANCELLED)
    Meeting.objects.filter(slug="tug-2018-11-13").update(is_published=False)

    answer = get_json(client, "/api/v1/meetings/tug-2018-10-16")

    assert answer["next_meeting"]["slug"] == "tug-2018-11-27"


def test_meeting_detail_gives_recording_only_while_available(client, demo, time_machine):
    Meeting.objects.filter(slug="tug-2018-10-16").update(
        recording_url="https://example.com/rec.mp4", recording_available_until=date(2018, 10, 31)
    )

    available = get_json(client, "/api/v1/meetings/tug-2018-10-16")["recording"]
    time_machine.move_to("2018-11-01T08:00:00Z", tick=False)  # 1 Nov, 1 AM Pacific
    expired = get_json(client, "/api/v1/meetings/tug-2018-10-16")["recording"]

    assert (available["status"], available["url"], available["available_until"]) == (
        "available",
        "https://example.com/rec.mp4",
        "2018-10-31",
    )
    assert (expired["status"], expired["url"], expired["available_until"]) == (
        "no_longer_available",
        None,
        "2018-10-31",
    )


def test_meeting_detail_of_unrecorded_meeting_has_no_disclaimer(client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(is_recorded=False)

    answer = get_json(client, "/api/v1/meetings/tug-2018-10-30")

    assert answer["recording"] == {
        "is_recorded": False,
        "disclaimer_title": "",
        "disclaimer": "",
        "status": "none",
        "url": None,
        "available_until": None,
    }


def test_meeting_detail_of_draft_is_404(client, demo):
    draft = meeting_create(program=Program.objects.get(slug="tug"), day=date(2018, 10, 23))

    answer = get_json(client, f"/api/v1/meetings/{draft.slug}", status=404)

    assert answer == {"detail": "No such meeting."}


@pytest.mark.parametrize("size", [3, 300])
def test_meeting_detail_queries_do_not_grow_with_agenda(
    client, program, size, django_assert_num_queries
):
    meeting, *_ = add_meetings(program, size)
    add_topics(meeting, size)

    # meeting; topics, facilitators, systems, documents, dial-ins, announcements (2), links;
    # updated_at; next meeting; materials
    with django_assert_num_queries(12):
        answer = get_json(client, f"/api/v1/meetings/{meeting.slug}")

    assert len(answer["topics"]) == size + 1


# --- Next meetings --------------------------------------------------------------------------


def test_next_meetings_gives_each_programs_next_meeting(client, demo):
    answer = get_json(client, "/api/v1/next-meetings")

    assert [(row["program"]["slug"], row["meeting"]["slug"]) for row in answer] == [
        ("cpg", "cpg-2018-11-01"),
        ("tug", "tug-2018-10-30"),
    ]


def test_next_meetings_gives_null_for_a_program_with_nothing_ahead(client, demo):
    Meeting.objects.filter(program__slug="cpg").update(status=Meeting.Status.CANCELLED)

    answer = get_json(client, "/api/v1/next-meetings")

    assert answer[0]["program"]["slug"] == "cpg"
    assert answer[0]["meeting"] is None


@pytest.mark.parametrize("meeting_count", [3, 300])
def test_next_meetings_queries_do_not_grow_with_meetings(
    client, program, meeting_count, django_assert_num_queries
):
    add_meetings(program, meeting_count)

    # programs; their next meetings (one query, issue 17)
    with django_assert_num_queries(2):
        answer = get_json(client, "/api/v1/next-meetings")

    assert answer[0]["meeting"]["slug"] == "bench-bulk-0"


# --- Announcements --------------------------------------------------------------------------


def test_announcement_list_gives_published_announcements_newest_first(client, demo):
    Announcement.objects.create(title="Draft", slug="draft", is_published=False)

    answer = get_json(client, "/api/v1/announcements")

    assert answer["count"] == 2
    assert slugs(answer) == ["oms-cpg-announcement", "drrs-acceptable-use-policy"]
    first = answer["items"][0]
    assert first["kind"] == "meeting"
    assert first["published_at"] == "2018-10-16T17:01:00Z"
    assert first["systems"] == [{"code": "OMS", "name": "Outage Management System"}]
    assert first["related_meeting"]["slug"] == "cpg-2018-11-01"
    assert first["body_html"].startswith("<p>Agenda for meeting on November 1st 2018 2:00pm")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("system=drrs", ["drrs-acceptable-use-policy"]),
        ("kind=meeting", ["oms-cpg-announcement"]),
        ("system=OMS&kind=policy_change", []),
        ("limit=1&offset=1", ["drrs-acceptable-use-policy"]),
    ],
)
def test_announcement_list_filtered(client, demo, query, expected):
    answer = get_json(client, f"/api/v1/announcements?{query}")

    assert slugs(answer) == expected


def test_announcement_list_with_bad_kind_is_422(client, demo):
    answer = get_json(client, "/api/v1/announcements?kind=rumour", status=422)

    assert answer["detail"].startswith("kind: Input should be 'policy_change', ")


def test_announcement_list_hides_a_related_draft_meeting(client, demo):
    Meeting.objects.filter(slug="cpg-2018-11-01").update(is_published=False)

    answer = get_json(client, "/api/v1/announcements?kind=meeting")

    assert answer["items"][0]["related_meeting"] is None


@pytest.mark.parametrize("announcement_count", [3, 300])
def test_announcement_list_queries_do_not_grow_with_announcements(
    client, program, announcement_count, django_assert_num_queries
):
    add_announcements(add_meetings(program, 1)[0], announcement_count)

    # system; count; page with related meetings; systems
    with django_assert_num_queries(4):
        answer = get_json(client, "/api/v1/announcements?system=DRRS&limit=200")

    assert answer["count"] == announcement_count


def test_announcement_detail_gives_documents_and_where_it_was_presented(client, demo):
    answer = get_json(client, "/api/v1/announcements/drrs-acceptable-use-policy")

    assert answer["title"] == "DRRS – Acceptable Use Policy"
    assert answer["kind"] == "policy_change"
    assert answer["documents"][0]["url_with_page"] == f"{SPEC_URL}#page=11"
    assert answer["presented_at"]["slug"] == "tug-2018-10-16"
    assert answer["related_meeting"] is None


def test_announcement_detail_gives_the_agenda_of_the_meeting_it_announces(client, demo):
    answer = get_json(client, "/api/v1/announcements/oms-cpg-announcement")

    assert answer["related_meeting"]["slug"] == "cpg-2018-11-01"
    assert [topic["title"] for topic in answer["related_meeting"]["topics"]] == [
        "OMS performance/operational changes",
        "Reliability Coordinator Services Implementation",
        "OMS Road Map",
        "Recurring Outage",
    ]


def test_announcement_detail_of_unpublished_announcement_is_404(client, demo):
    Announcement.objects.filter(slug="oms-cpg-announcement").update(is_published=False)

    answer = get_json(client, "/api/v1/announcements/oms-cpg-announcement", status=404)

    assert answer == {"detail": "No such announcement."}


@pytest.mark.parametrize("size", [3, 300])
def test_announcement_detail_queries_do_not_grow_with_agenda(
    client, program, size, django_assert_num_queries
):
    meeting = add_meetings(program, 1)[0]
    add_topics(meeting, size)
    announcement = add_announcements(meeting, 1)[0]

    # announcement; systems; documents; topics, facilitators, systems, documents
    with django_assert_num_queries(7):
        answer = get_json(client, f"/api/v1/announcements/{announcement.slug}")

    assert len(answer["related_meeting"]["topics"]) == size + 1


def test_cancelled_meeting_detail_gives_the_reason_and_the_replacement(client, demo):
    Meeting.objects.filter(slug="tug-2018-10-30").update(
        status="cancelled",
        cancellation_reason="Room closed.",
        replacement=Meeting.objects.get(slug="tug-2018-11-13"),
    )

    body = get_json(client, "/api/v1/meetings/tug-2018-10-30")

    assert body["status"] == "cancelled"
    assert body["cancellation_reason"] == "Room closed."
    assert body["replacement"]["slug"] == "tug-2018-11-13"
