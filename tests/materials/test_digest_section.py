"""The weekly digest's "Materials posted" section: what was made public in the reader's week,
for the meetings they follow, one item per meeting."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from tests.factories import make_meeting, make_program
from tug_portal.digest.sections import DigestScope, build_sections
from tug_portal.materials.services import material_create

pytestmark = pytest.mark.django_db

SEND_AT = datetime(2030, 1, 7, 16, 0, tzinfo=UTC)  # Monday 08:00 Pacific


def scope(*programs) -> DigestScope:
    return DigestScope(
        program_ids=tuple(p.pk for p in programs),
        system_ids=(),
        time_zone="America/Los_Angeles",
        until=SEND_AT,
    )


def posted(meeting, title, *, at, publish=True, kind="presentation"):
    with time_machine.travel(at, tick=False):
        return material_create(
            meeting=meeting,
            title=title,
            kind=kind,
            external_url="https://example.org/x",
            publish=publish,
        )


def materials_section(scope):
    sections = {section.key: section for section in build_sections(scope)}
    return sections.get("materials")


def test_materials_posted_in_the_week_are_listed_once_per_meeting():
    tug = make_program()
    meeting = make_meeting(tug, date(2030, 1, 8))
    posted(meeting, "DRRS slides", at=SEND_AT - timedelta(days=2))
    posted(meeting, "Minutes of December", at=SEND_AT - timedelta(days=1), kind="minutes")

    section = materials_section(scope(tug))

    assert section.title == "Materials posted"
    [item] = section.items
    assert item.title == f"TUG: {meeting.title}"
    assert item.lines[1:] == ("Presentation: DRRS slides", "Minutes: Minutes of December")
    assert item.url.endswith(meeting.get_absolute_url())


def test_drafts_older_postings_and_programs_not_followed_are_left_out():
    tug, cpg = make_program(), make_program("cpg")
    meeting = make_meeting(tug, date(2030, 1, 8))
    posted(meeting, "A draft", at=SEND_AT - timedelta(days=1), publish=False)
    posted(meeting, "Last month's slides", at=SEND_AT - timedelta(days=30))
    posted(make_meeting(cpg, date(2030, 1, 9)), "CPG slides", at=SEND_AT - timedelta(days=1))

    assert materials_section(scope(tug)) is None
