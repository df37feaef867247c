from datetime import timedelta

from tests.support.demo import DEMO_NOW
from tug_portal.api.selectors import (
    MeetingFilters,
    meeting_updated_at,
    meetings_list,
    with_updated_at,
)
from tug_portal.meetings.models import AgendaTopic, Meeting, Program, System

LATER = DEMO_NOW + timedelta(days=2)


def updated_at_by_slug() -> dict:
    return dict(with_updated_at(Meeting.objects.all()).values_list("slug", "api_updated_at"))


def test_updated_at_of_untouched_meetings_is_when_they_were_saved(demo):
    assert set(updated_at_by_slug().values()) == {DEMO_NOW}


def test_updated_at_follows_a_topic_edit(demo, time_machine):
    time_machine.move_to(LATER, tick=False)
    AgendaTopic.objects.get(meeting__slug="tug-2018-11-27").save()

    assert updated_at_by_slug()["tug-2018-11-27"] == LATER
    assert updated_at_by_slug()["tug-2018-11-13"] == DEMO_NOW


def test_updated_at_follows_the_calendar_state(demo):
    # The core stamps calendar_changed_at when dial-ins, people or the agenda change.
    Meeting.objects.filter(slug="cpg-2018-12-06").update(calendar_changed_at=LATER)

    assert updated_at_by_slug()["cpg-2018-12-06"] == LATER


def test_updated_at_follows_a_program_edit(demo, time_machine):
    time_machine.move_to(LATER, tick=False)
    Program.objects.get(slug="cpg").save()

    changed = {slug for slug, at in updated_at_by_slug().items() if at == LATER}
    assert changed == {"cpg-2018-11-01", "cpg-2018-12-06", "cpg-2019-01-03", "cpg-2019-02-07"}


def test_meeting_updated_at_agrees_with_the_list(demo):
    meeting = Meeting.objects.get(slug="tug-2018-10-16")
    Meeting.objects.filter(pk=meeting.pk).update(calendar_changed_at=LATER)

    assert meeting_updated_at(meeting=meeting) == LATER


def test_meetings_list_combines_filters(demo):
    filters = MeetingFilters(
        program=Program.objects.get(slug="tug"),
        system=System.objects.get(code="OMS"),
        status=Meeting.Status.HELD,
    )

    assert [meeting.slug for meeting in meetings_list(filters=filters)] == ["tug-2018-10-16"]
