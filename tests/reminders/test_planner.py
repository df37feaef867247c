from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from tests.factories import make_meeting, make_program, make_subscription
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.services import meetings_sync_calendar_state
from tug_portal.reminders import dispatcher, planner, services
from tug_portal.reminders.dispatcher import deliveries_expire
from tug_portal.reminders.models import Delivery, ReminderOffset, Subscription

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
Kind, State = Delivery.Kind, Delivery.State


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def rows(meeting, **filters):
    """{(email, kind, offset, state)} of a meeting's deliveries."""
    return {
        (d.subscription.subscriber.email, d.kind, d.offset, d.state)
        for d in Delivery.objects.filter(meeting=meeting, **filters).select_related(
            "subscription__subscriber"
        )
    }


def reschedule(meeting, starts_at):
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=starts_at, ends_at=starts_at + HOUR)
    meeting.refresh_from_db()


def sync(meeting):
    """What the core does on commit: record what calendars show, and what changed."""
    meetings_sync_calendar_state(meetings=Meeting.objects.filter(pk=meeting.pk))
    meeting.refresh_from_db()


def mark_sent(meeting, email, *, kind=Kind.REMINDER, offset=DAY, at=NOW):
    Delivery.objects.filter(
        meeting=meeting, kind=kind, offset=offset, subscription__subscriber__email=email
    ).update(state=State.SENT, sent_at=at)


def test_plan_makes_one_row_per_confirmed_subscriber_and_offset():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 3 * DAY)
    make_subscription("ann@example.com", program)
    make_subscription("bob@example.com", program)
    make_subscription("unconfirmed@example.com", program, status=Subscription.Status.UNCONFIRMED)
    make_subscription("gone@example.com", program, status=Subscription.Status.UNSUBSCRIBED)

    due_now = planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert due_now is False
    assert rows(meeting) == {
        ("ann@example.com", Kind.REMINDER, DAY, State.PENDING),
        ("ann@example.com", Kind.REMINDER, HOUR, State.PENDING),
        ("bob@example.com", Kind.REMINDER, DAY, State.PENDING),
        ("bob@example.com", Kind.REMINDER, HOUR, State.PENDING),
    }
    one_hour = Delivery.objects.get(
        meeting=meeting, offset=HOUR, subscription__subscriber__email="ann@example.com"
    )
    assert one_hour.due_at == NOW + 3 * DAY - HOUR
    assert one_hour.next_attempt_at == NOW + 3 * DAY - HOUR
    assert one_hour.expires_at == NOW + 3 * DAY - timedelta(minutes=30)


def test_plan_twice_changes_nothing():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 3 * DAY)
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    before = list(Delivery.objects.order_by("pk").values())

    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert list(Delivery.objects.order_by("pk").values()) == before


def test_plan_leaves_out_reminders_whose_moment_has_passed():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 2 * HOUR)
    make_subscription("ann@example.com", program)

    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert rows(meeting) == {("ann@example.com", Kind.REMINDER, HOUR, State.PENDING)}


def test_plan_reports_rows_due_now():
    program = make_program(offsets=[HOUR])
    meeting = make_meeting(program, starts_at=NOW + HOUR - timedelta(minutes=1))
    make_subscription("ann@example.com", program)

    assert planner.meeting_plan_deliveries(meeting_id=meeting.pk) is True


def test_plan_of_narrowed_subscription_only_for_meetings_about_its_systems():
    program = make_program(offsets=[HOUR])
    about_drrs = make_meeting(program, starts_at=NOW + DAY, systems=("DRRS",))
    about_oms = make_meeting(program, starts_at=NOW + 2 * DAY, systems=("OMS",))
    make_subscription("drrs-only@example.com", program, systems=("DRRS",))
    make_subscription("all@example.com", program)

    planner.meetings_plan_deliveries(meeting_ids=[about_drrs.pk, about_oms.pk])

    assert rows(about_drrs) == {
        ("drrs-only@example.com", Kind.REMINDER, HOUR, State.PENDING),
        ("all@example.com", Kind.REMINDER, HOUR, State.PENDING),
    }
    assert rows(about_oms) == {("all@example.com", Kind.REMINDER, HOUR, State.PENDING)}


def test_plan_skips_rows_of_a_subscriber_whose_systems_no_longer_match():
    program = make_program(offsets=[HOUR])
    meeting = make_meeting(program, starts_at=NOW + DAY, systems=("DRRS",))
    subscription = make_subscription("ann@example.com", program, systems=("DRRS",))
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    subscription.systems.set([])
    subscription.systems.create(code="OMS", name="Outage Management System")

    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert rows(meeting) == {("ann@example.com", Kind.REMINDER, HOUR, State.SKIPPED)}
    assert Delivery.objects.get().note == "not subscribed to this meeting"


def test_reschedule_moves_waiting_reminders_and_leaves_sent_ones():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 3 * DAY)
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    mark_sent(meeting, "ann@example.com", offset=DAY, at=NOW - HOUR)

    reschedule(meeting, NOW + 5 * DAY)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    sent, again = Delivery.objects.filter(meeting=meeting, offset=DAY).order_by("revision")
    assert (sent.revision, sent.state, sent.due_at) == (0, State.SENT, NOW + 2 * DAY)
    assert (again.revision, again.state, again.due_at) == (1, State.PENDING, NOW + 4 * DAY)
    hour_row = Delivery.objects.get(meeting=meeting, offset=HOUR)
    assert (hour_row.state, hour_row.due_at) == (State.PENDING, NOW + 5 * DAY - HOUR)
    assert hour_row.next_attempt_at == NOW + 5 * DAY - HOUR


def test_reschedule_too_soon_for_a_reminder_skips_it_and_back_revives_it():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 3 * DAY)
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    reschedule(meeting, NOW + 2 * HOUR)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    deliveries_expire()
    assert rows(meeting, offset=DAY) == {("ann@example.com", Kind.REMINDER, DAY, State.SKIPPED)}

    reschedule(meeting, NOW + 3 * DAY)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert rows(meeting) == {
        ("ann@example.com", Kind.REMINDER, DAY, State.PENDING),
        ("ann@example.com", Kind.REMINDER, HOUR, State.PENDING),
    }


def test_cancel_skips_reminders_and_notifies_those_reminded_or_due_soon():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 30 * HOUR)  # 1-day reminders due in 6 h
    make_subscription("reminded@example.com", program)
    make_subscription("due-soon@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    mark_sent(meeting, "reminded@example.com", offset=DAY, at=NOW - HOUR)

    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert rows(meeting) == {
        ("reminded@example.com", Kind.REMINDER, DAY, State.SENT),
        ("reminded@example.com", Kind.REMINDER, HOUR, State.SKIPPED),
        ("reminded@example.com", Kind.CANCELLATION, timedelta(0), State.PENDING),
        ("due-soon@example.com", Kind.REMINDER, DAY, State.SKIPPED),
        ("due-soon@example.com", Kind.REMINDER, HOUR, State.SKIPPED),
        ("due-soon@example.com", Kind.CANCELLATION, timedelta(0), State.PENDING),
    }
    notice = Delivery.objects.filter(kind=Kind.CANCELLATION).first()
    assert (notice.due_at, notice.expires_at) == (NOW, meeting.starts_at)
    assert set(Delivery.objects.filter(state=State.SKIPPED).values_list("note", flat=True)) == {
        "meeting cancelled"
    }


def test_cancel_notifies_only_those_reminded_when_nothing_is_due_within_the_window():
    program = make_program()
    policy = program.reminder_policy
    policy.cancellation_notice_window = HOUR
    policy.save()
    meeting = make_meeting(program, starts_at=NOW + 30 * HOUR)
    make_subscription("reminded@example.com", program)
    make_subscription("not-yet@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    mark_sent(meeting, "reminded@example.com", offset=DAY, at=NOW - HOUR)

    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert rows(meeting, kind=Kind.CANCELLATION) == {
        ("reminded@example.com", Kind.CANCELLATION, timedelta(0), State.PENDING)
    }


def test_cancel_without_notices_when_the_program_turned_them_off():
    program = make_program()
    program.reminder_policy.send_cancellation_notice = False
    program.reminder_policy.save()
    meeting = make_meeting(program, starts_at=NOW + 30 * HOUR)
    make_subscription("reminded@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    mark_sent(meeting, "reminded@example.com", offset=DAY, at=NOW - HOUR)

    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert rows(meeting, kind=Kind.CANCELLATION) == set()


def test_uncancel_revives_reminders_and_drops_the_waiting_notice():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 30 * HOUR)
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.SCHEDULED)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert rows(meeting) == {
        ("ann@example.com", Kind.REMINDER, DAY, State.PENDING),
        ("ann@example.com", Kind.REMINDER, HOUR, State.PENDING),
        ("ann@example.com", Kind.CANCELLATION, timedelta(0), State.SKIPPED),
    }


def cancel(meeting, status=Meeting.Status.CANCELLED):
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    sync(meeting)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)


def sent_at(meeting, kind, *, at):
    Delivery.objects.filter(meeting=meeting, kind=kind, state=State.PENDING).update(
        state=State.SENT, sent_at=at
    )


def cancellations(meeting):
    """{(revision, state)} of a meeting's cancellation notices."""
    return set(
        Delivery.objects.filter(meeting=meeting, kind=Kind.CANCELLATION).values_list(
            "revision", "state"
        )
    )


def reminded_and_told_of_its_cancellation(program) -> Meeting:
    """ann@example.com was reminded of a meeting, then told it is cancelled."""
    meeting = make_meeting(program, starts_at=NOW + 30 * HOUR)
    sync(meeting)
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    mark_sent(meeting, "ann@example.com", offset=DAY, at=NOW - 3 * HOUR)
    cancel(meeting)
    sent_at(meeting, Kind.CANCELLATION, at=NOW - 2 * HOUR)
    return meeting


def cancelled_and_told_it_is_back_on(program) -> Meeting:
    """ann@example.com was reminded, told of the cancellation, then told it is back on."""
    meeting = reminded_and_told_of_its_cancellation(program)
    cancel(meeting, Meeting.Status.SCHEDULED)
    sent_at(meeting, Kind.UPDATE, at=NOW - HOUR)
    return meeting


def test_a_meeting_cancelled_again_after_subscribers_heard_it_was_back_on_tells_them_again():
    meeting = cancelled_and_told_it_is_back_on(make_program())

    cancel(meeting)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)  # planning again adds nothing

    assert cancellations(meeting) == {(0, State.SENT), (1, State.PENDING)}
    notice = Delivery.objects.get(kind=Kind.CANCELLATION, revision=1)
    assert (notice.due_at, notice.expires_at) == (NOW, meeting.starts_at)


def test_a_third_cancellation_after_a_second_un_cancel_is_the_third_notice():
    meeting = cancelled_and_told_it_is_back_on(make_program())
    cancel(meeting)
    sent_at(meeting, Kind.CANCELLATION, at=NOW - 50 * timedelta(minutes=1))
    cancel(meeting, Meeting.Status.SCHEDULED)
    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        sent_at(meeting, Kind.UPDATE, at=NOW + timedelta(minutes=11))
        cancel(meeting)

    assert cancellations(meeting) == {(0, State.SENT), (1, State.SENT), (2, State.PENDING)}


def test_a_meeting_cancelled_again_before_anyone_heard_it_was_back_on_sends_no_second_notice():
    meeting = reminded_and_told_of_its_cancellation(make_program())

    cancel(meeting, Meeting.Status.SCHEDULED)  # the notice that it is back on waits 10 minutes
    cancel(meeting)  # and is never sent: ann's last word is still "cancelled"

    assert cancellations(meeting) == {(0, State.SENT)}
    assert set(
        Delivery.objects.filter(meeting=meeting, kind=Kind.UPDATE).values_list("state", "note")
    ) == {(State.SKIPPED, "meeting cancelled")}


def reminded_then_moved(program, *others: str) -> Meeting:
    """A meeting 30 hours ahead whose one-day reminder reached reminded@example.com (`others`
    subscribed too), then moved an hour later and planned again."""
    meeting = make_meeting(program, starts_at=NOW + 30 * HOUR)
    sync(meeting)
    for email in ("reminded@example.com", *others):
        make_subscription(email, program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    mark_sent(meeting, "reminded@example.com", offset=DAY, at=NOW - HOUR)
    reschedule(meeting, NOW + 31 * HOUR)
    sync(meeting)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    return meeting


def test_change_after_first_reminder_plans_an_update_notice_saying_what_changed():
    meeting = reminded_then_moved(make_program(), "not-yet@example.com")

    notice = Delivery.objects.get(kind=Kind.UPDATE)
    assert notice.subscription.subscriber.email == "reminded@example.com"
    assert notice.detail == "time moved from Tue Mar 3 3:00 PM PT to Tue Mar 3 4:00 PM PT"
    assert (notice.revision, notice.state) == (meeting.calendar_sequence, State.PENDING)
    assert notice.due_at == NOW + timedelta(minutes=10)
    assert notice.expires_at == meeting.starts_at


def test_edits_in_a_row_fold_into_the_update_notice_still_waiting():
    meeting = reminded_then_moved(make_program())

    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        meeting.topics.create(order=2, title="OMS Road Map")
        sync(meeting)
        planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    notice = Delivery.objects.get(kind=Kind.UPDATE)
    assert notice.detail == (
        "time moved from Tue Mar 3 3:00 PM PT to Tue Mar 3 4:00 PM PT; topic added: OMS Road Map"
    )
    assert notice.revision == meeting.calendar_sequence
    assert notice.due_at == NOW + timedelta(minutes=13)


def test_no_update_notice_when_the_program_turned_them_off():
    program = make_program()
    program.reminder_policy.send_update_notice = False
    program.reminder_policy.save()

    reminded_then_moved(program)

    assert not Delivery.objects.filter(kind=Kind.UPDATE).exists()


def test_removing_an_offset_skips_its_waiting_rows():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 3 * DAY)
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    ReminderOffset.objects.filter(before=DAY).delete()
    planner.program_plan_deliveries(program_id=program.pk)

    assert rows(meeting) == {
        ("ann@example.com", Kind.REMINDER, DAY, State.SKIPPED),
        ("ann@example.com", Kind.REMINDER, HOUR, State.PENDING),
    }


@pytest.mark.parametrize(
    ("change", "note"),
    [
        ({"is_published": False}, "meeting not published"),
        ({"status": Meeting.Status.CANCELLED}, "meeting cancelled"),
    ],
)
def test_meeting_that_may_not_be_mailed_skips_its_waiting_reminders(change, note):
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 3 * DAY)
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    Meeting.objects.filter(pk=meeting.pk).update(**change)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert set(Delivery.objects.values_list("state", "note")) == {(State.SKIPPED, note)}


def test_bouncing_address_gets_no_rows_until_staff_clear_it():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + 3 * DAY)
    subscription = make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    services.subscriber_mark_bouncing(
        subscriber_id=subscription.subscriber_id, reason="550 5.1.1 No such user"
    )
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    assert set(Delivery.objects.values_list("state", "note")) == {
        (State.SKIPPED, "address bouncing")
    }

    services.subscriber_clear_bouncing(subscriber=subscription.subscriber)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert set(Delivery.objects.values_list("state", "note")) == {(State.PENDING, "")}


def test_meeting_under_way_is_left_alone():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW - timedelta(minutes=5))
    make_subscription("ann@example.com", program)

    assert planner.meeting_plan_deliveries(meeting_id=meeting.pk) is False
    assert not Delivery.objects.exists()


def test_plan_of_a_deleted_meeting_does_nothing():
    assert planner.meetings_plan_deliveries(meeting_ids=[123456]) is False


def pacific(hour: int, minute: int) -> datetime:
    """A moment of the evening of 2 March 2026 (NOW's day), Pacific time."""
    return datetime(2026, 3, 2, hour, minute, tzinfo=ZoneInfo("America/Los_Angeles"))


def reminded_at_1835_for_1935(*emails: str) -> Meeting:
    """A 19:35 meeting whose one-hour reminder went out at 18:35 (to every address given)."""
    program = make_program(offsets=[HOUR])
    with time_machine.travel(pacific(18, 35), tick=False):
        meeting = make_meeting(program, starts_at=pacific(19, 35))
        sync(meeting)
        for email in emails:
            make_subscription(email, program)
        planner.meeting_plan_deliveries(meeting_id=meeting.pk)
        dispatcher.deliveries_send_batch()
    return meeting


def move(meeting, starts_at, *, at: datetime) -> None:
    """Staff move the meeting at `at`; the core syncs and the planner runs, as on commit."""
    with time_machine.travel(at, tick=False):
        reschedule(meeting, starts_at)
        sync(meeting)
        planner.meeting_plan_deliveries(meeting_id=meeting.pk)


def reminder_rows(meeting) -> list[tuple]:
    """(offset, revision, state, due in Pacific) of the meeting's reminders, oldest first."""
    return [
        (d.offset, d.revision, d.state, d.due_at.astimezone(ZoneInfo("America/Los_Angeles")))
        for d in Delivery.objects.filter(meeting=meeting, kind=Kind.REMINDER).order_by("revision")
    ]


def reminder_mails() -> list:
    return [message for message in mail.outbox if message.subject.startswith("Reminder:")]


def test_meeting_moved_after_its_reminder_is_reminded_again_before_the_new_time():
    meeting = reminded_at_1835_for_1935("ann@example.com")

    move(meeting, pacific(20, 35), at=pacific(18, 40))

    assert reminder_rows(meeting) == [
        (HOUR, 0, State.SENT, pacific(18, 35)),
        (HOUR, 1, State.PENDING, pacific(19, 35)),
    ]
    with time_machine.travel(pacific(19, 35), tick=False):
        dispatcher.deliveries_send_batch()
    first, second = reminder_mails()
    assert "7:35-8:35 PM Pacific" in first.subject
    assert "8:35-9:35 PM Pacific" in second.subject
    assert first.extra_headers["Message-ID"] != second.extra_headers["Message-ID"]
    assert meeting.change_summary == (
        "time moved from Mon Mar 2 7:35 PM PT to Mon Mar 2 8:35 PM PT"
    )


def test_meeting_moved_when_the_new_reminder_moment_has_passed_is_not_reminded_again():
    meeting = reminded_at_1835_for_1935("ann@example.com")

    move(meeting, pacific(19, 40), at=pacific(18, 50))  # its one-hour moment, 18:40, is past
    with time_machine.travel(pacific(19, 0), tick=False):
        dispatcher.deliveries_send_batch()

    assert reminder_rows(meeting) == [(HOUR, 0, State.SENT, pacific(18, 35))]
    assert len(reminder_mails()) == 1


def test_meeting_moved_away_and_back_is_not_reminded_of_the_same_time_twice():
    meeting = reminded_at_1835_for_1935("ann@example.com")
    move(meeting, pacific(20, 35), at=pacific(18, 40))

    move(meeting, pacific(19, 35), at=pacific(18, 45))
    with time_machine.travel(pacific(18, 50), tick=False):
        dispatcher.deliveries_send_batch()

    assert [row[:3] for row in reminder_rows(meeting)] == [
        (HOUR, 0, State.SENT),
        (HOUR, 1, State.SKIPPED),
    ]
    assert len(reminder_mails()) == 1


def test_reminder_planned_again_after_a_move_is_planned_once():
    meeting = reminded_at_1835_for_1935("ann@example.com", "bob@example.com")
    move(meeting, pacific(20, 35), at=pacific(18, 40))
    before = list(Delivery.objects.order_by("pk").values())

    with time_machine.travel(pacific(18, 41), tick=False):
        planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert list(Delivery.objects.order_by("pk").values()) == before
    assert Delivery.objects.filter(kind=Kind.REMINDER, revision=1).count() == 2
