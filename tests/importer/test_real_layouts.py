"""Layouts met in published ISO/RTO agendas (issue 13), each in our own words: the importer
reads them right or leaves the field blank."""

from tug_portal.importer.parsing import parse_agenda


def test_a_date_label_is_never_taken_for_the_title():
    record = parse_agenda("Date: Tuesday, May 12, 2026\nTime: 1:30 - 4:30 pm\n")

    assert record.title is None
    assert record.date.isoformat() == "2026-05-12"


def test_a_press_headline_is_never_taken_for_the_title():
    record = parse_agenda(
        "Commission Holds Workshop on Storage\n\nThe workshop will be held on May 12, 2026.\n"
    )

    assert record.title is None


def test_a_morning_range_ending_twelve_thirty_am_ends_after_noon():
    record = parse_agenda("Cost Group Meeting\nMay 5, 2026 | 11:00 – 12:30 a.m. Eastern\n")

    assert (record.start_time.isoformat(), record.end_time.isoformat()) == ("11:00:00", "12:30:00")


def test_a_year_run_into_the_time_is_read_as_both():
    record = parse_agenda("Drafting Team\n\nApril 1, 20269:00 a.m. to 5:00 p.m. CDT\n")

    assert record.date.isoformat() == "2026-04-01"
    assert (record.start_time.hour, record.end_time.hour) == (9, 17)


def test_the_meeting_name_before_its_date_titles_a_page_without_a_heading():
    record = parse_agenda(
        "Antitrust: avoid any talk of prices. Harbor Council, Inc. PLANNING COMMITTEE MEETING "
        "March 3, 2026 AGENDA • 9:00 a.m. – 11:00 a.m. 1. Welcome 2. Adjourn"
    )

    assert record.title == "PLANNING COMMITTEE MEETING"
