import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tug_portal.importer.parsing import (
    Announcement,
    Contact,
    DialIn,
    Disclaimer,
    Document,
    RelatedMeeting,
    Topic,
    WebConference,
    parse_agenda,
)

AGENDAS = Path(__file__).parent / "agendas"
JSON_KEYS = [
    "file",
    "title",
    "date",
    "start_time",
    "end_time",
    "timezone",
    "web_conference",
    "dial_in",
    "topics",
    "next_meeting_date",
    "contact",
]


def parse_fixture(name: str):
    return parse_agenda((AGENDAS / name).read_text(encoding="utf-8"), file=name)


def topics(*pairs):
    return [{"title": title, "facilitator": facilitator} for title, facilitator in pairs]


EXPECTED = {
    "tug_2018-10-16.txt": {
        "file": "tug_2018-10-16.txt",
        "title": "Technology User Group (TUG)",
        "date": "2018-10-16",
        "start_time": "10:00",
        "end_time": "11:00",
        "timezone": "America/Los_Angeles",
        "web_conference": {
            "url": "https://caiso.webex.com/meet/CAISO-TUG",
            "meeting_number": "966 010 353",
            "access_code": "389 588 9",
        },
        "dial_in": [
            {"label": "Domestic Call-In", "number": "(866) 528-2256", "access_code": "389 588 9"},
            {
                "label": "International Call-In",
                "number": "(216) 706-7052",
                "access_code": "389 588 9",
            },
        ],
        "topics": topics(
            ("Agenda and Roll Call", "Indu Nambiar"),
            ("DRRS – Acceptable Use Policy Changes", "Nalini Chari"),
            ("OMS – CPG Announcement", "Justin Wong"),
        ),
        "next_meeting_date": "2018-10-30",
        "contact": {"name": "Indu Nambiar", "email": "inambiar@caiso.com"},
    },
    # Title on two lines, weekday date, "(PT)", a time column with one "a.m." for both ends,
    # "Presenter", "Web Address", "Teleconference Dial-in Number", "Participant Code", no
    # column headings over the side-by-side access table, "Contact: name (email)".
    "mppf_2018-11-13.txt": {
        "file": "mppf_2018-11-13.txt",
        "title": "Market Performance and Planning Forum (MPPF)",
        "date": "2018-11-13",
        "start_time": "10:00",
        "end_time": "12:00",
        "timezone": "America/Los_Angeles",
        "web_conference": {
            "url": "https://wgo.webex.com/wgo/j.php?MTID=m2f4c9a1b7e",
            "meeting_number": "624 778 210",
            "access_code": None,
        },
        "dial_in": [
            {
                "label": "Teleconference Dial-in Number",
                "number": "1-855-244-8681",
                "access_code": "624 778 210",
            }
        ],
        "topics": topics(
            ("Welcome and Introductions", "Karen Holloway"),
            ("Market Performance Highlights", "Omar Haddad & Lena Fischer-Bauer"),
            ("Policy Initiatives Update", "Brian Kessler, Greta Lindqvist"),
            ("Release Planning", "Janet Moreno / Devon Park"),
            ("Wrap-up and Next Steps", "Karen Holloway"),
        ),
        "next_meeting_date": "2018-12-11",
        "contact": {"name": "Karen Holloway", "email": "kholloway@wgo.example.com"},
    },
    # "Label: value" lines (Webinar link, Webinar ID, Dial-in, Passcode), "1:00 – 3:00 PM
    # Eastern", "Speaker(s)" with single start times, "Questions: name, email", no next meeting.
    "rif_2019-03-05.txt": {
        "file": "rif_2019-03-05.txt",
        "title": "Regional Issues Forum (RIF) Quarterly Stakeholder Meeting",
        "date": "2019-03-05",
        "start_time": "13:00",
        "end_time": "15:00",
        "timezone": "America/New_York",
        "web_conference": {
            "url": "https://regionalforum.zoom.us/j/91357246801",
            "meeting_number": "913 5724 6801",
            "access_code": None,
        },
        "dial_in": [{"label": "Dial-in", "number": "+1 646 558 8656", "access_code": "440917"}],
        "topics": topics(
            ("Opening Remarks", "Dana Whitfield"),
            ("Load Forecast Review", "Priya Raman and Tom Keller"),
            ("Transmission Outage Coordination", "Luis Ortega; Mei Chen"),
            ("Stakeholder Q&A", "All"),
            ("Closing", "Dana Whitfield"),
        ),
        "next_meeting_date": None,
        "contact": {"name": "Dana Whitfield", "email": "dwhitfield@regionalforum.example.org"},
    },
    # No time zone at all, "9 AM", "16 July 2019", a table without a header row, a "Break"
    # without presenter, "Conference ID", no web conference.
    "rsc_2019-07-16.txt": {
        "file": "rsc_2019-07-16.txt",
        "title": "Reliability Subcommittee Meeting",
        "date": "2019-07-16",
        "start_time": "09:00",
        "end_time": None,
        "timezone": None,
        "web_conference": None,
        "dial_in": [
            {"label": "Call-in Number", "number": "1-800-555-0199", "access_code": "7781 2290"}
        ],
        "topics": topics(
            ("Welcome and Antitrust Statement", "Maria Lopez"),
            ("Seasonal Assessment Results", "Ken Ito"),
            ("Break", None),
            ("Protection System Misoperations", "Ana Silva / Robert Hale"),
        ),
        "next_meeting_date": None,
        "contact": {"name": "Maria Lopez", "email": "mlopez@westernreliability.example.org"},
    },
    # PDF-ish text: columns apart by runs of spaces, doubled spaces inside cells, a row whose
    # topic and presenters wrap onto a second line, "Feb. 12, 2019", "PST".
    "cpg_2019-02-12.txt": {
        "file": "cpg_2019-02-12.txt",
        "title": "Customer Partnership Group (CPG)",
        "date": "2019-02-12",
        "start_time": "09:00",
        "end_time": "11:00",
        "timezone": "America/Los_Angeles",
        "web_conference": {
            "url": "https://wgo.webex.com/meet/WGO-CPG",
            "meeting_number": "963 550 512",
            "access_code": "963 550 512",
        },
        "dial_in": [
            {"label": "Domestic Call-In", "number": "(866) 528-2256", "access_code": "963 550 512"},
            {
                "label": "International Call-In",
                "number": "(216) 706-7052",
                "access_code": "963 550 512",
            },
        ],
        "topics": topics(
            ("Welcome and Agenda Review", "Jennifer Shirk"),
            (
                "Release User Group Update and Spring 2019 Release Overview",
                "Trang Deluca, Sarah Warren",
            ),
            ("Customer Service Update", "Sherri Parks"),
            ("Open Discussion", "All"),
        ),
        "next_meeting_date": "2019-03-12",
        "contact": {"name": "Jennifer Shirk", "email": "jshirk@wgo.example.com"},
    },
    # Date on the title line ("– 12/04/2018"), "MST (Arizona)", "Item | Lead", "Event address",
    # "Event number", "Audio conference", a contact without a name.
    "eim_2018-12-04.txt": {
        "file": "eim_2018-12-04.txt",
        "title": "EIM Governing Body Stakeholder Briefing",
        "date": "2018-12-04",
        "start_time": "10:00",
        "end_time": "11:30",
        "timezone": "America/Phoenix",
        "web_conference": {
            "url": "https://wgo.webex.com/wgo/onstage/g.php?MTID=e3a2b1c0d9",
            "meeting_number": "809 313 559",
            "access_code": None,
        },
        "dial_in": [
            {
                "label": "Audio conference",
                "number": "+1-415-655-0001",
                "access_code": "809 313 559",
            }
        ],
        "topics": topics(
            ("Opening and Introductions", "Kathleen Ferris"),
            ("Regional Market Update", "Mark Ruiz"),
            ("Governance Review Committee Proposal", "Anna McKee & Tony Braun, PG&E"),
            ("Public Comment", "Moderator"),
        ),
        "next_meeting_date": None,
        "contact": {"name": None, "email": "eimstakeholders@westerneim.example.org"},
    },
    # "14 Nov 2019", "Central Time", column headings over a side-by-side table whose right
    # column is longer, each number with its own passcode, "Next Meeting will be held on ...".
    "tpsc_2019-11-14.txt": {
        "file": "tpsc_2019-11-14.txt",
        "title": "Transmission Planning Stakeholder Call",
        "date": "2019-11-14",
        "start_time": "13:00",
        "end_time": "15:00",
        "timezone": "America/Chicago",
        "web_conference": {
            "url": "https://gridplan.webex.com/gridplan/j.php?MTID=m88ab77cd66",
            "meeting_number": "2486 915 7370",
            "access_code": None,
        },
        "dial_in": [
            {"label": "Toll-Free", "number": "(877) 668-4493", "access_code": "248 691 57"},
            {"label": "Local", "number": "(650) 479-3208", "access_code": "248 691 58"},
        ],
        "topics": topics(
            ("Welcome, Roll Call and Antitrust Statement", "Chris Haley"),
            ("2020 ITP Scope", "Kelsey Allen and Mike Clifton"),
            ("Generator Interconnection Queue Update", "Steve Purdy"),
            ("Wrap-up", "Chris Haley"),
        ),
        "next_meeting_date": "2019-12-12",
        "contact": {"name": "Chris Haley", "email": "chaley@gridplan.example.org"},
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parse_agenda_gives_expected_json_for_each_fixture(name):
    record = parse_fixture(name)

    assert record.to_json_dict() == EXPECTED[name]


def test_fixtures_directory_matches_expected_agendas():
    assert sorted(path.name for path in AGENDAS.glob("*.txt")) == sorted(EXPECTED)


def test_to_json_dict_keeps_the_contract_key_order():
    record = parse_fixture("tug_2018-10-16.txt")

    data = record.to_json_dict()

    assert list(data) == JSON_KEYS
    assert list(data["web_conference"]) == ["url", "meeting_number", "access_code"]
    assert list(data["dial_in"][0]) == ["label", "number", "access_code"]
    assert list(data["topics"][0]) == ["title", "facilitator"]
    assert list(data["contact"]) == ["name", "email"]


# --------------------------------------------------------------------- the seed, every fact

SEED_AUP_MARKDOWN = """\
- The ISO is planning to implement AUP for the DRRS application.
- This AUP allows a user to submit or retrieve a single service only once every 30 seconds.
- This is applicable to all DRRS related API services
- Participants can submit/retrieve other service requests within the same time period \
(i.e.30 seconds)
- The user will receive the following error message if the same service is submitted or \
retrieved within 30 seconds:
    - "CAISO DRRS Acceptable Use Policy Violation, Please retry your requestion."
    - "CAISO DRRS Acceptable Use Policy Violation. Please retry your request again in 30 \
seconds from now. Note: Time resets each time you request before expiration."
- Please refer to Page 11 of Technical Specification document: \
http://www.caiso.com/Documents/EnergyStorageandDistributionEnergyResourcePhase2-DRRS-\
TechnicalSpecificationsv20%20Clean.pdf"""

SEED_OMS_MARKDOWN = """\
Agenda for meeting on November 1st 2018 2:00pm

OMS performance/operational changes

- Guideline for users submitting hourly granularity for "Ambient" derate outages.
- Remove ability for EIM entities to cancel currently active outages.
- Use of the "Update" function when retrieving outage data.

Reliability Coordinator Services Implementation

- Overview of OMS changes
- Discussion of new/updated web services

OMS Road Map

Recurring Outage"""

SEED_SPEC = Document(
    title="Technical Specification document",
    url="http://www.caiso.com/Documents/EnergyStorageandDistributionEnergyResourcePhase2-DRRS-"
    "TechnicalSpecificationsv20%20Clean.pdf",
    page="11",
)


def test_parse_agenda_reads_program_name_and_acronym_from_seed_title():
    record = parse_fixture("tug_2018-10-16.txt")

    assert (record.program_name, record.program_acronym) == ("Technology User Group", "TUG")


def test_parse_agenda_reads_recording_disclaimer_of_seed():
    record = parse_fixture("tug_2018-10-16.txt")

    assert record.disclaimer == Disclaimer(
        heading="Legal Disclaimer for Recording Meeting",
        text="Calls and webinars are recorded for stakeholder convenience, allowing those who "
        "are unable to attend to listen to the recordings after the meetings. The recordings "
        "will be publically available on the ISO web page for a limited time following the "
        "meetings. The recordings, and any related transcriptions, should not be reprinted "
        "without the ISO's permission.",
    )


def test_parse_agenda_gives_seed_topics_their_detail_bodies():
    record = parse_fixture("tug_2018-10-16.txt")

    assert record.topics == (
        Topic("Agenda and Roll Call", "Indu Nambiar", ("Indu Nambiar",)),
        Topic(
            "DRRS – Acceptable Use Policy Changes",
            "Nalini Chari",
            ("Nalini Chari",),
            body_markdown=SEED_AUP_MARKDOWN,
            documents=(SEED_SPEC,),
        ),
        Topic(
            "OMS – CPG Announcement",
            "Justin Wong",
            ("Justin Wong",),
            body_markdown=SEED_OMS_MARKDOWN,
        ),
    )


def test_parse_agenda_reads_seed_announcements_with_related_meeting():
    record = parse_fixture("tug_2018-10-16.txt")

    assert record.announcements == (
        Announcement(
            title="DRRS – Acceptable Use Policy",
            body_markdown=SEED_AUP_MARKDOWN,
            topic_title="DRRS – Acceptable Use Policy Changes",
            documents=(SEED_SPEC,),
            related_meeting=None,
        ),
        Announcement(
            title="OMS – CPG Announcement",
            body_markdown=SEED_OMS_MARKDOWN,
            topic_title="OMS – CPG Announcement",
            documents=(),
            related_meeting=RelatedMeeting(
                date=dt.date(2018, 11, 1),
                start_time=dt.time(14, 0),
                timezone=None,
                topics=(
                    Topic(
                        "OMS performance/operational changes",
                        None,
                        body_markdown="- Guideline for users submitting hourly granularity for "
                        '"Ambient" derate outages.\n'
                        "- Remove ability for EIM entities to cancel currently active outages.\n"
                        '- Use of the "Update" function when retrieving outage data.',
                    ),
                    Topic(
                        "Reliability Coordinator Services Implementation",
                        None,
                        body_markdown="- Overview of OMS changes\n"
                        "- Discussion of new/updated web services",
                    ),
                    Topic("OMS Road Map", None),
                    Topic("Recurring Outage", None),
                ),
            ),
        ),
    )


def test_parse_agenda_reads_seed_stay_connected_lines_without_warnings():
    record = parse_fixture("tug_2018-10-16.txt")

    assert record.stay_connected == (
        "@California_ISO",
        "Download ISO Today mobile app",
        "Sign up for the Daily Briefing at www.caiso.com",
    )
    assert record.warnings == ()


def test_to_full_dict_serialises_every_fact_of_seed():
    record = parse_fixture("tug_2018-10-16.txt")

    data = json.loads(json.dumps(record.to_full_dict()))

    assert data["program_acronym"] == "TUG"
    assert data["topics"][1]["documents"] == [
        {"title": SEED_SPEC.title, "url": SEED_SPEC.url, "page": "11"}
    ]
    assert data["announcements"][1]["related_meeting"]["date"] == "2018-11-01"
    assert data["announcements"][1]["related_meeting"]["start_time"] == "14:00"
    shared = [key for key in JSON_KEYS if key != "topics"]  # full topics carry more fields
    assert {key: data[key] for key in shared} == {
        key: value for key, value in record.to_json_dict().items() if key in shared
    }


# ------------------------------------------------------------------ richer facts, fixtures


def test_parse_agenda_reads_time_slots_sharing_one_meridiem():
    record = parse_fixture("mppf_2018-11-13.txt")

    slots = [(t.start_time, t.end_time) for t in record.topics]

    assert slots == [
        (dt.time(10, 0), dt.time(10, 5)),
        (dt.time(10, 5), dt.time(10, 45)),
        (dt.time(10, 45), dt.time(11, 30)),
        (dt.time(11, 30), dt.time(11, 55)),
        (dt.time(11, 55), dt.time(12, 0)),
    ]


def test_parse_agenda_splits_presenters_named_in_one_cell():
    record = parse_fixture("mppf_2018-11-13.txt")

    assert [t.facilitators for t in record.topics] == [
        ("Karen Holloway",),
        ("Omar Haddad", "Lena Fischer-Bauer"),
        ("Brian Kessler", "Greta Lindqvist"),
        ("Janet Moreno", "Devon Park"),
        ("Karen Holloway",),
    ]


def test_parse_agenda_keeps_company_names_whole_when_splitting_presenters():
    record = parse_fixture("eim_2018-12-04.txt")

    assert record.topics[2].facilitators == ("Anna McKee", "Tony Braun")


@pytest.mark.parametrize("cell", ["All", "Moderator", "All participants", "ISO staff", "TBD"])
def test_parse_agenda_names_nobody_in_a_presenter_cell_reading(cell):
    record = parse_agenda(f"Topic\tPresenter\nOpen Discussion\t{cell}\n")

    assert (record.topics[0].facilitator, record.topics[0].facilitators) == (cell, ())


def test_parse_agenda_nests_bullets_and_finds_linked_document():
    record = parse_fixture("mppf_2018-11-13.txt")

    topic = record.topics[1]

    assert topic.body_markdown == (
        "- Real-time price divergence decreased in October.\n"
        "- Bid cost recovery by resource type:\n"
        "    - Gas-fired resources\n"
        "    - Storage resources\n"
        "- The monthly report is posted at "
        "https://www.wgo.example.com/market/MonthlyMarketPerformanceReport-Oct2018.pdf"
    )
    assert topic.documents == (
        Document(
            "The monthly report is posted",
            "https://www.wgo.example.com/market/MonthlyMarketPerformanceReport-Oct2018.pdf",
            None,
        ),
    )
    assert record.disclaimer.heading == "Recording Notice"


def test_parse_agenda_reads_single_start_times_in_time_column():
    record = parse_fixture("rif_2019-03-05.txt")

    assert [(t.start_time, t.end_time) for t in record.topics] == [
        (dt.time(13, 0), None),
        (dt.time(13, 10), None),
        (dt.time(13, 45), None),
        (dt.time(14, 30), None),
        (dt.time(14, 55), None),
    ]
    assert record.program_acronym == "RIF"


def test_parse_agenda_warns_when_no_time_zone_is_printed():
    record = parse_fixture("rsc_2019-07-16.txt")

    assert record.warnings == ("no time zone found",)
    assert record.program_name == "Reliability Subcommittee Meeting"
    assert record.program_acronym is None


def test_parse_agenda_joins_pdf_table_cells_wrapped_onto_next_line():
    record = parse_fixture("cpg_2019-02-12.txt")

    topic = record.topics[1]

    assert topic.facilitators == ("Trang Deluca", "Sarah Warren")
    assert (topic.start_time, topic.end_time) == (dt.time(9, 10), dt.time(10, 0))
    assert topic.body_markdown == (
        "- Spring 2019 release scope: Commitment Cost Enhancements Phase 3, Intertie Deviation "
        "Settlement\n- Market simulation starts February 25"
    )


def test_parse_agenda_reads_each_line_of_a_wrapped_pdf_presenter_cell_as_a_person():
    record = parse_agenda(
        "Time              Topic                                     Presenter\n"
        "10:00 – 10:05     Agenda and Roll Call                      Indu Nambiar\n"
        "10:05 – 10:30     Market Results Interface – Settlements    Jennifer Chen\n"
        "                  (MRI-S) API changes                       Jason Lee\n"
    )

    topic = record.topics[1]

    assert (topic.title, topic.facilitator, topic.facilitators) == (
        "Market Results Interface – Settlements (MRI-S) API changes",
        "Jennifer Chen; Jason Lee",
        ("Jennifer Chen", "Jason Lee"),
    )


def test_parse_agenda_dates_related_meeting_without_year_after_the_agenda():
    record = parse_fixture("eim_2018-12-04.txt")

    (announcement,) = record.announcements

    assert announcement.title == "Announcements"
    assert announcement.topic_title is None
    assert announcement.related_meeting == RelatedMeeting(
        date=dt.date(2019, 1, 8),
        start_time=dt.time(13, 0),
        timezone=None,
        topics=(
            Topic(
                "Straw proposal walkthrough",
                None,
                body_markdown="- Delegation of authority options\n"
                "- Timeline for stakeholder comments",
            ),
            Topic("Comment period", None, body_markdown="- Comments due January 22"),
        ),
    )


# ------------------------------------------------------------------------ variants, one rule


def heading(date_line: str, time_line: str = "10:00 - 11:00 AM Pacific") -> str:
    return f"Technology User Group (TUG)\n\n{date_line}\n\n{time_line}\n"


@pytest.mark.parametrize(
    "date_line",
    [
        "October 16, 2018",
        "October 16 2018",
        "Tuesday, October 16, 2018",
        "10/16/2018",
        "10/16/18",
        "16 Oct 2018",
        "Oct. 16, 2018",
        "October 16th, 2018",
        "2018-10-16",
        "Date: Tuesday, Oct 16, 2018",
    ],
)
def test_parse_agenda_reads_date_written_as(date_line):
    record = parse_agenda(heading(date_line))

    assert record.date == dt.date(2018, 10, 16)
    assert record.warnings == ("topic table not found", "no web conference or dial-in found")


def test_parse_agenda_takes_year_from_title_when_date_has_none():
    record = parse_agenda("Technology User Group 2018\n\nTuesday, October 16\n\n10:00 AM PT\n")

    assert record.date == dt.date(2018, 10, 16)


@pytest.mark.parametrize("date_line", ["9999-12-31", "10/16/1018", "1850-10-16"])
def test_parse_agenda_takes_no_date_a_meeting_cannot_have(date_line):
    """A meeting is dated 1970-2099 (meetings/timeutil.py → MEETING_YEARS): a crafted
    agenda's year 1 made a meeting that stopped its program's feeds."""
    record = parse_agenda(heading(date_line))

    assert record.date is None


def test_parse_agenda_leaves_date_empty_when_no_year_is_printed():
    record = parse_agenda(heading("Tuesday, October 16"))

    assert record.date is None
    assert "the date 'Tuesday, October 16' has no year" in record.warnings


def test_parse_agenda_warns_when_weekday_contradicts_date():
    record = parse_agenda(heading("Monday, October 16, 2018"))

    assert record.date == dt.date(2018, 10, 16)
    assert "the weekday printed does not match 2018-10-16" in record.warnings


def test_parse_agenda_finds_date_on_the_title_line():
    record = parse_agenda("Technology User Group (TUG) - October 16, 2018\n10:00 AM PT\n")

    assert (record.title, record.date) == ("Technology User Group (TUG)", dt.date(2018, 10, 16))


@pytest.mark.parametrize(
    ("time_line", "start", "end", "timezone"),
    [
        ("10:00 - 11:00 AM Pacific", "10:00", "11:00", "America/Los_Angeles"),
        ("10:00 a.m. – 12:00 p.m. (PT)", "10:00", "12:00", "America/Los_Angeles"),
        ("1:00 – 3:00 PM Eastern", "13:00", "15:00", "America/New_York"),
        ("9 AM", "09:00", None, None),
        ("11:00 - 1:00 PM MT", "11:00", "13:00", "America/Denver"),
        ("9:30 a.m. to noon CDT", "09:30", "12:00", "America/Chicago"),
        ("2:00pm - 4:00pm EST", "14:00", "16:00", "America/New_York"),
        ("10:00 AM – 11:30 AM MST (Arizona)", "10:00", "11:30", "America/Phoenix"),
        ("1:00 p.m. – 2:30 p.m. Pacific Prevailing Time", "13:00", "14:30", "America/Los_Angeles"),
        ("13:00 – 15:00 Mountain Time", "13:00", "15:00", "America/Denver"),
        ("9 – 11 a.m. PT", "09:00", "11:00", "America/Los_Angeles"),
        ("10:00 a.m. PT – 11:00 a.m. PT", "10:00", "11:00", "America/Los_Angeles"),
        ("Tuesday, October 16, 2018 | 10 am - 12 pm ET", "10:00", "12:00", "America/New_York"),
    ],
)
def test_parse_agenda_reads_meeting_time_written_as(time_line, start, end, timezone):
    data = parse_agenda(heading("October 16, 2018", time_line)).to_json_dict()

    assert (data["start_time"], data["end_time"], data["timezone"]) == (start, end, timezone)


def test_parse_agenda_leaves_a_time_without_meridiem_blank_when_nothing_settles_it():
    """Issue 13: never assume the morning; "10:00 - 11:00" alone could be either."""
    record = parse_agenda(heading("October 16, 2018", "10:00 - 11:00"))

    assert (record.start_time, record.end_time) == (None, None)
    assert any(w.startswith("start time not found") for w in record.warnings)
    assert "no time zone found" in record.warnings


def test_parse_agenda_reads_afternoon_slots_printed_without_meridiem():
    text = heading("October 16, 2018", "1:00 – 3:00 PM Eastern") + (
        "\nTime\tTopic\tPresenter\n1:00 - 1:30\tWelcome\tAnn Lee\n2:30 - 3:00\tQ&A\tBo Chan\n"
    )

    record = parse_agenda(text)

    assert [(t.start_time, t.end_time) for t in record.topics] == [
        (dt.time(13, 0), dt.time(13, 30)),
        (dt.time(14, 30), dt.time(15, 0)),
    ]


def test_parse_agenda_reads_slot_printed_before_topic_title():
    text = heading("October 16, 2018") + "\nTopic\tFacilitator\n10:00 - 10:05 Welcome\tAnn Lee\n"

    (topic,) = parse_agenda(text).topics

    assert (topic.title, topic.start_time, topic.end_time) == (
        "Welcome",
        dt.time(10, 0),
        dt.time(10, 5),
    )


@pytest.mark.parametrize(
    "header", ["Facilitator", "Presenter", "Presenters", "Speaker(s)", "Lead", "Presenter / Lead"]
)
def test_parse_agenda_reads_presenter_column_named(header):
    text = heading("October 16, 2018") + f"\nTopic\t{header}\nWelcome\tAnn Lee & Bo Chan\n"

    (topic,) = parse_agenda(text).topics

    assert (topic.facilitator, topic.facilitators) == ("Ann Lee & Bo Chan", ("Ann Lee", "Bo Chan"))


def test_parse_agenda_reads_topic_column_beside_numbered_item_column():
    text = heading("October 16, 2018") + (
        "\nItem\tTime\tTopic\tPresenter\n1.\t10:00\tAdministrative Items\tChair\n"
        "2.\t10:05\tMarket Roadmap Update\tJ. Smith (MISO)\n3.\t10:45\tBreak\t\n"
    )

    record = parse_agenda(text)

    assert [(t.title, t.facilitator, t.start_time) for t in record.topics] == [
        ("Administrative Items", "Chair", dt.time(10, 0)),
        ("Market Roadmap Update", "J. Smith (MISO)", dt.time(10, 5)),
        ("Break", None, dt.time(10, 45)),
    ]


def test_parse_agenda_ends_pdf_table_before_heading_with_spread_words():
    text = heading("October 16, 2018") + (
        "\n     Time                  Topic                         Presenter\n"
        "10:00 - 10:05      Agenda and Roll Call          Indu Nambiar\n"
        "10:05 - 10:30      DRRS – Acceptable Use         Nalini Chari\n"
        "                   Policy Changes\n\n"
        "10:30 - 11:00      OMS – CPG Announcement        Justin Wong\n\n"
        "DRRS  Acceptable  Use  Policy\n"
        "- The ISO is planning to implement AUP.\n"
    )

    record = parse_agenda(text)

    assert [(t.title, t.facilitator) for t in record.topics] == [
        ("Agenda and Roll Call", "Indu Nambiar"),
        ("DRRS – Acceptable Use Policy Changes", "Nalini Chari"),
        ("OMS – CPG Announcement", "Justin Wong"),
    ]
    assert record.topics[1].body_markdown == "- The ISO is planning to implement AUP."


@pytest.mark.parametrize(
    "label", ["Access Code", "Participant Code", "Passcode", "Conference ID", "Attendee PIN"]
)
def test_parse_agenda_reads_dial_in_access_code_labelled(label):
    text = heading("October 16, 2018") + f"\nDial-in Number: (866) 528-2256\n{label}: 389 588 9\n"

    record = parse_agenda(text)

    assert record.dial_in == (DialIn("Dial-in Number", "(866) 528-2256", "389 588 9"),)


@pytest.mark.parametrize("label", ["URL", "Web Address", "Webinar link", "Meeting link", "Link"])
def test_parse_agenda_reads_web_conference_link_labelled(label):
    text = heading("October 16, 2018") + f"\n{label}: https://caiso.webex.com/meet/X\n"

    record = parse_agenda(text)

    assert record.web_conference == WebConference("https://caiso.webex.com/meet/X", None, None)


def test_parse_agenda_reads_dial_ins_printed_number_first():
    record = parse_agenda(
        "Join WebEx meeting: https://caiso.webex.com/caiso/j.php?MTID=m1234\n"
        "Meeting number (access code): 926 123 456\n\n"
        "Join by phone\n1-844-517-1271 US Toll Free\n+1-682-268-9314 US Toll\n"
    )

    assert record.web_conference == WebConference(
        "https://caiso.webex.com/caiso/j.php?MTID=m1234", "926 123 456", None
    )
    assert record.dial_in == (
        DialIn("US Toll Free", "1-844-517-1271", None),
        DialIn("US Toll", "+1-682-268-9314", None),
    )


def test_parse_agenda_reads_phone_conference_id_as_access_code():
    record = parse_agenda(
        "Call in (audio only): +1 916-538-7066\nPhone Conference ID: 123 456 789#\n"
    )

    assert record.dial_in == (DialIn("Call in (audio only)", "+1 916-538-7066", "123 456 789#"),)


def test_parse_agenda_reads_several_labels_on_one_line():
    text = heading("October 16, 2018") + (
        "\nTo join the meeting: https://caiso.webex.com/meet/X\n"
        "Meeting ID: 966 010 353 | Password: Tug2018!\n"
        "Call-in: 1-866-528-2256, Access code: 389 588 9\n"
    )

    record = parse_agenda(text)

    assert record.web_conference == WebConference(
        "https://caiso.webex.com/meet/X", "966 010 353", "Tug2018!"
    )
    assert record.dial_in == (DialIn("Call-in", "1-866-528-2256", "389 588 9"),)


def test_parse_agenda_reads_label_whose_value_is_on_the_next_line():
    text = heading("October 16, 2018") + "\nWebinar link:\nhttps://caiso.webex.com/meet/X\n"

    assert parse_agenda(text).web_conference.url == "https://caiso.webex.com/meet/X"


def test_parse_agenda_shares_access_code_printed_before_any_link_or_number():
    text = heading("October 16, 2018") + (
        "\nAccess Code: 389 588 9\nURL: https://caiso.webex.com/meet/X\nPhone: (866) 528-2256\n"
    )

    record = parse_agenda(text)

    assert record.web_conference == WebConference(
        "https://caiso.webex.com/meet/X", None, "389 588 9"
    )
    assert record.dial_in == (DialIn("Phone", "(866) 528-2256", "389 588 9"),)


def test_parse_agenda_finds_unlabelled_link_to_conferencing_service():
    text = heading("October 16, 2018") + "\nJoin us at https://wgo.zoom.us/j/123456.\n"

    assert parse_agenda(text).web_conference == WebConference(
        "https://wgo.zoom.us/j/123456", None, None
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Next TUG: Oct 30, 2018", dt.date(2018, 10, 30)),
        ("Next Meeting: November 13, 2018", dt.date(2018, 11, 13)),
        ("The next meeting is scheduled for Tuesday, November 13, 2018.", dt.date(2018, 11, 13)),
        ("Next TUG: Oct 30", dt.date(2018, 10, 30)),
        ("Next TUG: January 8", dt.date(2019, 1, 8)),
    ],
)
def test_parse_agenda_reads_next_meeting_line(line, expected):
    record = parse_agenda(heading("October 16, 2018") + f"\n{line}\n")

    assert record.next_meeting_date == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Questions: Jane Doe, jdoe@wgo.example.com", Contact("Jane Doe", "jdoe@wgo.example.com")),
        ("Contact: Jane Doe (jdoe@wgo.example.com)", Contact("Jane Doe", "jdoe@wgo.example.com")),
        (
            "Questions? Contact Jane Doe at jdoe@wgo.example.com",
            Contact("Jane Doe", "jdoe@wgo.example.com"),
        ),
        ("Contact: jdoe@wgo.example.com (Jane Doe)", Contact("Jane Doe", "jdoe@wgo.example.com")),
        ("Questions: stakeholders@wgo.example.com", Contact(None, "stakeholders@wgo.example.com")),
    ],
)
def test_parse_agenda_reads_contact_line(line, expected):
    record = parse_agenda(heading("October 16, 2018") + f"\n{line}\n")

    assert record.contact == expected


def test_parse_agenda_reads_contact_printed_under_its_label():
    text = heading("October 16, 2018") + (
        "\nTopic\tFacilitator\nMarket Update\tAnn Lee\n\nMarket Update\n- Prices fell.\n\n"
        "Questions? Contact:\nIndu Nambiar\ninambiar@caiso.com\n"
    )

    record = parse_agenda(text)

    assert record.contact == Contact("Indu Nambiar", "inambiar@caiso.com")
    assert record.topics[0].body_markdown == "- Prices fell."


def test_parse_agenda_reads_inline_recording_notice():
    record = parse_agenda(
        heading("October 16, 2018") + "\nRecording Notice: This call is recorded.\n"
    )

    assert record.disclaimer == Disclaimer("Recording Notice", "This call is recorded.")


def test_parse_agenda_joins_pdf_wrapped_lines_of_a_paragraph():
    text = heading("October 16, 2018") + (
        "\nTopic\tFacilitator\nMarket Update\tAnn Lee\n\nMarket Update\n"
        "Prices fell in October as hydro\nconditions improved.\nNew section follows\n"
    )

    (topic,) = parse_agenda(text).topics

    assert topic.body_markdown == (
        "Prices fell in October as hydro conditions improved.\n\nNew section follows"
    )


def test_parse_agenda_warns_what_it_could_not_find_in_empty_text():
    record = parse_agenda("")

    assert record.to_json_dict() == {
        "file": None,
        "title": None,
        "date": None,
        "start_time": None,
        "end_time": None,
        "timezone": None,
        "web_conference": None,
        "dial_in": [],
        "topics": [],
        "next_meeting_date": None,
        "contact": None,
    }
    assert record.warnings == (
        "no date found",
        "no meeting time found",
        "no time zone found",
        "topic table not found",
        "no web conference or dial-in found",
    )


# --------------------------------------------------------------------------------- property

AGENDA_LIKE_LINES = st.sampled_from(
    [
        "",
        "Technology User Group (TUG)",
        "October 16 2018",
        "Tuesday, Oct. 16",
        "10:00 - 11:00 AM Pacific",
        "11:00 - 1:00 PM",
        "Topic\tFacilitator",
        "Time\tTopic\tPresenter(s)",
        "10:00 - 10:05\tAgenda and Roll Call\tIndu Nambiar, Jo & Al",
        "Time             Topic                Presenter",
        "9:00 - 9:10      Welcome  Review      Jane Doe,",
        "                 continued            Sam Roe",
        "Web Conference Information\t\tConference Call Information\t",
        "URL\thttps://caiso.webex.com/meet/X\tDomestic Call-In\t(866) 528-2256",
        "Access Code\t389 588 9\tAccess Code\t389 588 9",
        "Webinar link:",
        "- a bullet ending with a link http://x.org/Docs/Spec",
        " Part2 v2 Clean.pdf",
        "  - nested",
        ' "quoted message."',
        "OMS – CPG Announcement",
        "Agenda for meeting on November 1st 2:00pm",
        "Next TUG: Oct 30",
        "Contact: Jane Doe (jdoe@x.org)",
        "Legal Disclaimer",
        "Stay connected",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_parse_agenda_never_raises_on_arbitrary_text(text):
    record = parse_agenda(text)

    assert list(record.to_json_dict()) == JSON_KEYS
    json.dumps(record.to_full_dict())


@settings(max_examples=300, deadline=None)
@given(st.lists(AGENDA_LIKE_LINES | st.text(max_size=40), max_size=60))
def test_parse_agenda_never_raises_on_shuffled_agenda_lines(lines):
    record = parse_agenda("\n".join(lines))

    assert list(record.to_json_dict()) == JSON_KEYS
    json.dumps(record.to_full_dict())


def test_parse_agenda_strips_the_documents_numbering_from_topic_titles():
    text = heading("October 16, 2018") + (
        "\nTopic\tPresenter\n1. Welcome and Agenda Review\tAnn Lee\n2) DRRS Update\tBo Chan\n"
        "3. Q&A\tAll\n2030 Road Map\tAnn Lee\n"
    )

    record = parse_agenda(text)

    assert [t.title for t in record.topics] == [
        "Welcome and Agenda Review",
        "DRRS Update",
        "Q&A",
        "2030 Road Map",
    ]
