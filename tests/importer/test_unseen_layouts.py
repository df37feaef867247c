"""Layouts met on real agendas the importer had never seen (each snippet is invented, in the
shape the real one had): each fact is right or blank, never wrong."""

import datetime as dt

import pytest

from tug_portal.importer.parsing import parse_agenda

# Numbered rows whose cells are separated by slashes, a cell's text wrapped over lines.
SLASHED_ROWS = (
    "Harbor Users Committee Meeting\n"
    "May 4, 2010; 9:00 a.m. – 3:00 p.m.\n"
    "1. /\n\nApproval of the April 2, 2010 Minutes *\n\n/ J. Doe / 9:00 a.m.\n"
    "2. / Dredging Report\n  • Channel depths (Vote) *\n/ K. Roe / 9:15 a.m.\n"
    "3. / Budget Plan / M. Poe / 11:15 a.m.\n"
    "Lunch / 12:00 p.m.\n"
    "4. / Other Business / J. Doe / 1:00 p.m.\n"
    "5. / Adjourn / J. Doe / 3:00 p.m.\n"
    "* Background material enclosed.\n"
)


def parse(text: str):
    return parse_agenda(text, file="unseen.txt")


def test_parse_agenda_reads_a_year_with_a_footnote_digit_glued_to_it():
    record = parse(
        "Tide Data Group Meeting Agenda March 4, 20211\n"
        "1.Welcome...... 9:00 – 9:05\n"
        "Review of Previous Action Items\n"
        "- Assigned to: Pat Lee\n"
        "- Due date: January 15, 2021\n"
        "- Due date: January 15, 2021\n"
    )

    assert record.date == dt.date(2021, 3, 4)


def test_parse_agenda_never_takes_an_action_items_due_date_for_the_meeting():
    record = parse(
        "Tide Data Group Meeting Agenda\n"
        "Action items\n"
        "- Due date: January 15, 2021\n"
        "- Due date: January 15, 2021\n"
    )

    assert record.date != dt.date(2021, 1, 15)


def test_parse_agenda_reads_noon_as_the_end_after_a_dash_following_the_date():
    record = parse(
        "River Forum Meeting #2\n"
        "June 3, 2009 - 9:45 – noon\n"
        "Harbor Office, Room 4\n"
        "9:45 Coffee\n"
        "10:00 Welcome – Ann Roe\n"
        "12:00 Adjourn\n"
    )

    assert (record.start_time, record.end_time) == (dt.time(9, 45), dt.time(12, 0))


def test_parse_agenda_leaves_the_title_blank_when_the_top_lines_are_an_address():
    record = parse(
        "Gulf Coast Office\n"
        "1200 Harbor View Drive\n"
        "Mobile, Alabama\n"
        "May 4, 2010; 9:00 a.m. – 3:00 p.m.\n"
        "1. / Opening remarks / J. Doe / 9:00 a.m.\n"
        "2. / Budget review / K. Roe / 9:30 a.m.\n"
    )

    assert record.title is None
    assert record.start_time == dt.time(9, 0)


def test_parse_agenda_keeps_a_meeting_name_above_an_address():
    record = parse(
        "Coastal Advisory Committee Meeting\n"
        "1200 Harbor View Drive\n"
        "May 4, 2010; 9:00 a.m. – 3:00 p.m.\n"
    )

    assert record.title == "Coastal Advisory Committee Meeting"


# Layouts whose topics the importer once misread: the titles and presenters it reads now.
@pytest.mark.parametrize(
    ("text", "topics"),
    [
        pytest.param(
            SLASHED_ROWS,
            [
                ("Approval of the April 2, 2010 Minutes", ("J. Doe",)),
                ("Dredging Report", ("K. Roe",)),
                ("Budget Plan", ("M. Poe",)),
                ("Lunch", ()),
                ("Other Business", ("J. Doe",)),
                ("Adjourn", ("J. Doe",)),
            ],
            id="reads_numbered_rows_whose_cells_are_separated_by_slashes",
        ),
        pytest.param(
            (
                "Harbor Standards Committee Meeting\n"
                "RECORDING By attending this meeting, I grant the Harbor Board: 1. Permission to "
                "record the meeting including me; and 2. The right to publish the recording. 3. I "
                "understand that I have no right to compensation.\n"
                "MEETING AGENDA May 4, 2010 9:00 a.m. to 3:00 p.m. AGENDA ITEM 1 Call to Order and "
                "Introductions Laura Vance, Harbor Committee Chair a. Determination of Quorum "
                "b. Review of Rules 2 Consent Agenda a. Approve Minutes from March 1, 2010 Meeting "
                "Laura Vance, Chair 3 Dredging Report Peter Hale, Harbor Manager 4 Sta"
            ),
            [
                ("Call to Order and Introductions", ("Laura Vance",)),
                ("Consent Agenda", ("Laura Vance",)),
                ("Dredging Report", ("Peter Hale",)),
            ],
            id="reads_agenda_item_rows_not_the_numbered_consent_text_above",
        ),
        pytest.param(
            (
                "Harbor Board Meeting\n"
                "May 4, 2010 • 1:00 p.m. – 3:00 p.m. 1. Call to Order……………………Mr. Peter Hale "
                "2. Consent Agenda………….Mr. Peter Hale a. Approve Minutes\n"
            ),
            [
                ("Call to Order", ("Mr. Peter Hale",)),
                ("Consent Agenda", ("Mr. Peter Hale",)),
            ],
            id="drops_mixed_dot_leaders_before_a_presenter",
        ),
        pytest.param(
            (
                "Wednesday, May 4\n"
                "Harbor Council Meeting – 9am (PST)\n"
                "1. 9:15 – 10am\n"
                "(► Video)\n"
                "Update on Project #2010-001, Channel Survey: Laura Vance, Peter Hale and Mary "
                "Stone, Harbor Survey Office.\n"
                "2. 10 – 10:45am\n"
                "(► Video)\n"
                "Phase 1: Dredging Plan\n"
                "3. 11 – 11:45am\n"
                "(► Video)\n"
                "Budget Needs: Ruth Carter, Executive Director, Harbor Fund.\n"
            ),
            [
                (
                    "Update on Project #2010-001, Channel Survey",
                    ("Laura Vance", "Peter Hale", "Mary Stone"),
                ),
                ("Phase 1: Dredging Plan", ()),
                ("Budget Needs", ("Ruth Carter",)),
            ],
            id="drops_video_marks_and_reads_people_after_the_titles_colon",
        ),
        pytest.param(
            (
                "Tide Data Group Meeting Agenda March 4, 2021\n"
                "1.Welcome...... 9:00 – 9:05\n"
                "Laura Vance, Group Chair, will call the meeting to order and take the roll call.\n"
                "2.Approve Agenda...... 9:05 – 9:10\n"
                "Laura Vance will introduce the proposed agenda. We will hear any changes to it.\n"
                "3.Review February Minutes...... 9:10 – 9:15\n"
                "Laura Vance will introduce the minutes from the last meeting. "
                "We will hear any changes.\n"
            ),
            [
                ("Welcome", ()),
                ("Approve Agenda", ()),
                ("Review February Minutes", ()),
            ],
            id="reads_titles_before_their_times_not_the_paragraphs_under_them",
        ),
        pytest.param(
            (
                "River Forum Meeting #2\n"
                "June 3, 2009 - 9:45 – noon\n"
                "9:45 Coffee\n"
                "10:00 Welcome – Ann Roe, facilitator; Peter Hale, Harbor Office\n"
                "• Opening remarks – Peter Hale\n"
                "10:20 Survey results\n"
                "Goal: Share what the survey found.\n"
                "▪ Depths\n"
                "11:40 Questions: Time for all of you to ask what you want to know\n"
                "12:00 Adjourn\n"
            ),
            [
                ("Coffee", ()),
                ("Welcome", ("Ann Roe", "Peter Hale")),
                ("Survey results", ()),
                ("Questions", ()),
                ("Adjourn", ()),
            ],
            id="reads_time_led_lines_with_notes_under_them_and_dash_presenters",
        ),
    ],
)
def test_parse_agenda_reads_each_topics_title_and_presenters(text, topics):
    assert [(t.title, t.facilitators) for t in parse(text).topics] == topics


def test_parse_agenda_reads_the_times_of_numbered_rows_whose_cells_are_separated_by_slashes():
    record = parse(SLASHED_ROWS)

    assert [t.start_time for t in record.topics][:4] == [
        dt.time(9, 0),
        dt.time(9, 15),
        dt.time(11, 15),
        dt.time(12, 0),
    ]


def test_parse_agenda_cuts_a_page_footer_run_into_the_last_item():
    record = parse(
        "Harbor Users Committee Meeting\n"
        "May 4, 2010 1:00 to 1:45 p.m. 1. Welcome—Jane Doe 2. Approve Agenda 3. Public "
        "Comment 4. Adjourn Harbor Users Committee Meeting Material - Agenda 1\n"
        "Harbor Users Committee Meeting Material - Agenda\n"
    )

    assert [t.title for t in record.topics][-1] == "Adjourn"


def test_parse_agenda_joins_a_title_wrapped_around_its_presenters_in_a_flattened_table():
    record = parse(
        "Harbor Design Stakeholder Meeting\n"
        "May 4, 2010\n"
        "Time Topic Presenter 10:00 – 10:10 Welcome Laura Vance 10:10 – 12:00 Part 1: Channel "
        "Depths Peter Hale 12:00 – 1:00 Lunch 1:00 – 3:20 Part 2: Dredging Schedule Mary "
        "Stone & and Budget Outline Peter Hale 3:20 – 3:30 Next Steps Laura Vance\n"
    )

    assert ("Part 2: Dredging Schedule and Budget Outline", ("Mary Stone", "Peter Hale")) in [
        (t.title, t.facilitators) for t in record.topics
    ]


@pytest.mark.parametrize(
    ("text", "next_meeting"),
    [
        pytest.param(
            (
                "Harbor Users Committee Meeting\n"
                "May 4, 2010 | 3:00 – 4:00 p.m. Eastern\n"
                "1. Review Agenda ― Approve 2. Budget Report* Discuss 3. Future Meetings "
                "a. Meetings with the Board: i. January 12, 2010: Mobile, AL "
                "ii. June 16, 2010: Biloxi, MS "
                "iii. September 8, 2010: Mobile, AL 4. Adjourn\n"
            ),
            dt.date(2010, 6, 16),
            id="takes_the_next_meeting_from_a_future_meetings_list",
        ),
        pytest.param(
            (
                "Harbor Office\n"
                "May 4, 2010; 9:30 a.m. – 4:00 p.m.\n"
                "1. / Budget Report / J. Doe / 9:30 a.m.\n"
                "2. / Future Harbor Meetings\n  • June 3, 2010\n  • July 1, 2010\n/ J. Doe\n"
                "3. / Adjourn / J. Doe / 4:00 p.m.\n"
            ),
            dt.date(2010, 6, 3),
            id="takes_the_next_meeting_from_a_future_meetings_row",
        ),
    ],
)
def test_parse_agenda_takes_the_next_meeting_from_a_future_meetings_list_or_row(text, next_meeting):
    assert parse(text).next_meeting_date == next_meeting


def test_parse_agenda_reads_rows_that_cross_noon_on_the_afternoon_clock():
    record = parse(
        "Market Design Stakeholder Meeting\n"
        "May 5, 2021\n"
        "10:00 a.m. – 3:30 p.m. (Pacific Time)\n"
        "Time Topic Presenter\n"
        "10:00 – 10:10 Welcome and introductions Ann Roe\n"
        "10:10 – 12:00 Phase one design Bob Lane\n"
        "12:00 – 1:00 Lunch\n"
        "1:00 – 3:20 Phase two design Cal Moss\n"
        "3:20 – 3:30 Next steps Ann Roe\n"
    )

    times = [(t.start_time, t.end_time) for t in record.topics if t.start_time]
    assert times, "the rows' times were read"
    assert all(start >= dt.time(10) for start, _ in times)
    assert (dt.time(13), dt.time(15, 20)) in times  # never 01:00 - 03:20
    assert all(end is None or end >= start for start, end in times)
