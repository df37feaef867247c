from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings

from tests.digest.activity import SEND_AT, week_of_activity
from tests.factories import make_program
from tug_portal.digest.sections import DigestItem, DigestScope, SectionProvider, build_sections
from tug_portal.meetings.models import System

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(SEND_AT, tick=False):
        yield


def scope(program, *, systems=(), zone="America/Los_Angeles", until=SEND_AT) -> DigestScope:
    ids = tuple(sorted(System.objects.filter(code__in=systems).values_list("pk", flat=True)))
    return DigestScope(program_ids=(program.pk,), system_ids=ids, time_zone=zone, until=until)


def titles(sections) -> dict[str, list[str]]:
    return {section.key: [item.title for item in section.items] for section in sections}


def test_a_week_of_activity_fills_every_section_in_order():
    program = make_program()
    week_of_activity(program)

    sections = build_sections(scope(program))

    assert titles(sections) == {
        "upcoming": ["TUG: TUG Group", "TUG: TUG Group"],
        "changed": ["TUG: TUG Group"],
        "cancelled": ["TUG: TUG Group"],
        "announcements": ["DRRS release 4.2"],
        "answered_requests": ["TUG: Outage windows"],
    }
    changed = sections[1].items[0]
    assert "What changed: Time: 10:00 AM → 1:00 PM" in changed.lines
    assert "Why: Holiday week" in sections[2].items[0].lines
    assert sections[4].items[0].lines[0].startswith("Scheduled: Wednesday, March 4, 2026")


def test_upcoming_meeting_shows_its_own_zone_the_readers_the_join_link_and_the_dial_in():
    program = make_program()
    week_of_activity(program)

    (item, _) = build_sections(scope(program, zone="America/New_York"))[0].items

    assert item.lines[0] == (
        "Wednesday, March 4, 2026, 8:00-9:00 AM Pacific (11:00 AM-12:00 PM Eastern, your time)"
    )
    assert "Dial-in: Domestic Call-In (866) 528-2256, access code 389 588 9" in item.lines
    assert item.links == (("Join", "https://caiso.webex.com/meet/CAISO-TUG"),)
    assert item.url.endswith("/meetings/tug-upcoming/")


def test_narrowed_to_a_system_only_what_is_about_it():
    program = make_program()
    week_of_activity(program)

    sections = build_sections(scope(program, systems=("DRRS",)))

    assert titles(sections) == {
        "upcoming": ["TUG: TUG Group"],
        "announcements": ["DRRS release 4.2"],
        "answered_requests": ["TUG: Outage windows"],
    }


def test_a_week_with_nothing_has_no_section():
    program = make_program()
    week_of_activity(program)

    assert build_sections(scope(program, until=SEND_AT + timedelta(days=60))) == []


def materials_posted(scope):
    return [DigestItem(title=f"Slides for {len(scope.program_ids)} program", url="https://x/s")]


MATERIALS = SectionProvider("materials", "Materials posted", materials_posted)


def test_another_app_adds_a_section_by_naming_its_provider_in_settings(settings):
    program = make_program()
    sections = [*settings.DIGEST_SECTIONS]
    sections.insert(4, "tests.digest.test_sections.MATERIALS")

    with override_settings(DIGEST_SECTIONS=sections):
        built = build_sections(scope(program, until=SEND_AT + timedelta(days=60)))

    assert [(s.key, s.title, s.items[0].title) for s in built] == [
        ("materials", "Materials posted", "Slides for 1 program")
    ]
