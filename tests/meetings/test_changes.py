"""tug_portal.meetings.changes: model signals note which meetings a transaction touched; once it
commits, their calendar state is synced and `meetings_changed` is sent, once."""

import logging
from datetime import date

import pytest
from django.db import transaction

from tests.factories import make_meeting, make_program
from tug_portal.meetings.changes import PendingSync
from tug_portal.meetings.models import AgendaTopic, Meeting, MeetingDialIn, Person, System
from tug_portal.meetings.signals import meetings_changed

pytestmark = pytest.mark.django_db


def test_a_transaction_of_many_rows_sends_the_signal_once(
    django_capture_on_commit_callbacks, changes
):
    with django_capture_on_commit_callbacks(execute=True):
        program = make_program()
        meeting = make_meeting(program, date(2030, 1, 8))
    changes.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for order in range(1, 4):
            AgendaTopic.objects.create(meeting=meeting, order=order, title=f"Topic {order}")
        MeetingDialIn.objects.create(meeting=meeting, label="Domestic", number="(866) 528-2256")
        meeting.title = "Renamed"
        meeting.save()

    # (The other callbacks are the consumers' own, queued by the signal.)
    assert sum(isinstance(callback, PendingSync) for callback in callbacks) == 1
    assert changes == [({meeting.pk}, {program.pk})]


def test_the_signal_waits_for_the_commit(django_capture_on_commit_callbacks, changes):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program())
        assert changes == []  # saved, not yet committed: nobody is told

    assert changes == [({meeting.pk}, {meeting.program_id})]


def test_a_deleted_meeting_is_named_with_its_program(django_capture_on_commit_callbacks, changes):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program())
    changes.clear()
    meeting_id, program_id = meeting.pk, meeting.program_id

    with django_capture_on_commit_callbacks(execute=True):
        meeting.delete()

    assert changes == [({meeting_id}, {program_id})]


@pytest.mark.parametrize("active_after", [False, True], ids=["deactivated", "reactivated"])
def test_a_program_switched_off_or_on_names_its_meetings(
    django_capture_on_commit_callbacks, changes, active_after
):
    """Its meetings leave (or come back to) the public's feeds, pages and reminders: their
    calendars change nothing, yet every consumer must hear of them at once (the feeds waited
    for their 5-minute sweep)."""
    with django_capture_on_commit_callbacks(execute=True):
        program = make_program(is_active=not active_after)
        first = make_meeting(program, date(2030, 1, 8))
        second = make_meeting(program, date(2030, 1, 22))
    changes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        program.is_active = active_after
        program.save()

    assert changes == [({first.pk, second.pk}, {program.pk})]


def test_a_program_edit_that_keeps_it_active_names_the_program_and_no_meeting(
    django_capture_on_commit_callbacks, changes
):
    """Its meetings' calendars are the same: none is named. The program is (its calendar
    feeds describe it: they kept the old text until the sweep when it was not)."""
    with django_capture_on_commit_callbacks(execute=True):
        program = make_program()
        make_meeting(program, date(2030, 1, 8))
    changes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        program.description = "A new description"
        program.save()

    assert changes == [(set(), {program.pk})]


def _meeting_with_a_topic_about(code: str, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program(), date(2030, 1, 8))
        topic = AgendaTopic.objects.create(meeting=meeting, order=1, title="Road map")
        system = System.objects.create(code=code, name=code)
        topic.systems.add(system)
    return Meeting.objects.get(pk=meeting.pk), topic, system


@pytest.mark.parametrize(
    "unlink",
    [
        lambda topic, system: system.delete(),
        lambda topic, system: system.topics.remove(topic),
        lambda topic, system: system.topics.clear(),
    ],
    ids=["system deleted", "removed from the system's side", "cleared from the system's side"],
)
def test_a_topic_losing_its_system_from_the_systems_side_bumps_sequence(
    django_capture_on_commit_callbacks, changes, unlink
):
    # Found with the lists' row cache (web/row_cache.py): these left the snapshot, the feeds and
    # the pages showing the system's code until the next edit of the meeting.
    meeting, topic, system = _meeting_with_a_topic_about("DRRS", django_capture_on_commit_callbacks)
    changes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        unlink(topic, system)

    assert Meeting.objects.get(pk=meeting.pk).calendar_sequence == meeting.calendar_sequence + 1
    assert changes == [({meeting.pk}, {meeting.program_id})]


def test_a_deleted_facilitator_bumps_sequence_of_the_meetings_they_led(
    django_capture_on_commit_callbacks, changes
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program(), date(2030, 1, 8))
        topic = AgendaTopic.objects.create(meeting=meeting, order=1, title="Road map")
        person = Person.objects.create(name="Nalini Kumar")
        topic.facilitators.add(person)
    sequence = Meeting.objects.get(pk=meeting.pk).calendar_sequence
    changes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        person.delete()

    assert Meeting.objects.get(pk=meeting.pk).calendar_sequence == sequence + 1
    assert changes == [({meeting.pk}, {meeting.program_id})]


@pytest.mark.django_db(transaction=True)
def test_a_failing_listener_cannot_break_a_saved_edit(caplog):
    meeting = make_meeting(make_program(), date(2030, 1, 8))

    def broken_listener(**kwargs):
        raise RuntimeError("listener down")

    meetings_changed.connect(broken_listener, dispatch_uid="test-broken")
    try:
        with caplog.at_level(logging.ERROR), transaction.atomic():
            AgendaTopic.objects.create(meeting=meeting, order=1, title="OMS Road Map")
            meeting.title = "Edited"
            meeting.save()
    finally:
        meetings_changed.disconnect(dispatch_uid="test-broken")

    meeting.refresh_from_db()
    assert meeting.title == "Edited"
    assert list(meeting.topics.values_list("title", flat=True)) == ["OMS Road Map"]
    assert "listener down" in caplog.text


def test_the_summary_line_names_each_change_of_a_published_meeting(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program(), date(2030, 1, 8))
        AgendaTopic.objects.create(meeting=meeting, order=1, title="Roll call")

    with django_capture_on_commit_callbacks(execute=True):
        meeting.topics.all().delete()
        AgendaTopic.objects.create(meeting=meeting, order=1, title="OMS Road Map")
        meeting.status = Meeting.Status.CANCELLED
        meeting.save()

    meeting.refresh_from_db()
    assert meeting.change_summary == (
        "now cancelled; topic added: OMS Road Map; topic removed: Roll call"
    )


def test_a_drafts_edits_leave_no_summary(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_meeting(make_program(), date(2030, 1, 8), is_published=False)

    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Meeting.Status.CANCELLED
        draft.save()

    draft.refresh_from_db()
    assert (draft.calendar_sequence, draft.change_summary) == (1, "")
