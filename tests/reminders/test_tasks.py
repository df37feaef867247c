"""The whole path with a real Celery worker (its own process, the configured broker) and a real
SMTP server on loopback. A worker process does not share a test's time travel, so these tests
use meetings whose reminder moment is just past, in real time."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_meeting, make_program, make_subscription
from tests.support.celery_worker import wait_for
from tests.support.mail_workers import assert_each_got_one_mail, beat_driver, kill_workers_mid_batch
from tug_portal.celery import app as celery_app
from tug_portal.common.queue import enqueue
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.timeutil import format_meeting_when as meeting_when
from tug_portal.reminders import planner, tasks
from tug_portal.reminders.models import Delivery, Subscriber, Subscription, SubscriptionRequest

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
State = Delivery.State


def worker_env(sink, **overrides) -> dict[str, str]:
    return {
        **sink.env(),
        "REMINDER_BATCH_SIZE": "4",
        # Short, so that claims of a killed worker come back within the test.
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "2",
        "REMINDER_UPDATE_NOTICE_DELAY_SECONDS": "0",
        **overrides,
    }


def sent_count() -> int:
    return Delivery.objects.filter(state=State.SENT).count()


def start_worker(celery_worker, sink):
    """Start a worker once the test's arrangement is in place. Writing the rows queued a task
    per change (the core's change signal); one plan of the test's own replaces them, so that
    the worker (on the file broker, one task a second) gets to the point at once."""
    celery_app.control.purge()
    return celery_worker(env=worker_env(sink))


# Kicks the dispatcher as beat does every minute (claims of a killed worker come back only
# through it).
drive = beat_driver(tasks.dispatch_due)


def received_pairs(sink) -> Counter:
    return Counter((m.rcpt_tos[0], m.subject) for m in sink.messages)


def test_each_confirmed_subscriber_gets_exactly_one_reminder_per_offset(celery_worker, smtp_sink):
    program = make_program(offsets=[HOUR + 5 * MINUTE, HOUR])
    meeting = make_meeting(program, starts_at=timezone.now() + HOUR - MINUTE)
    members = [f"member{n}@example.com" for n in range(5)]
    for email in members:
        make_subscription(email, program)
    make_subscription("unconfirmed@example.com", program, status=Subscription.Status.UNCONFIRMED)
    make_subscription("left@example.com", program, status=Subscription.Status.UNSUBSCRIBED)
    start_worker(celery_worker, smtp_sink)

    enqueue(tasks.plan_meetings, [meeting.pk])
    drive(lambda: sent_count() == 10)
    tasks.dispatch_due.apply()  # one more pass finds nothing left to send

    when = meeting_when(meeting)
    assert received_pairs(smtp_sink) == Counter(
        {
            (email, f"Reminder: TUG meeting in {before}, {when}"): 1
            for email in members
            for before in ("1 hour 5 minutes", "1 hour")
        }
    )
    assert len({m.message_id for m in smtp_sink.messages}) == 10


def test_worker_killed_mid_batch_leaves_nobody_without_and_nobody_with_two_different_mails(
    celery_worker, smtp_sink
):
    program = make_program(offsets=[HOUR])
    meeting = make_meeting(program, starts_at=timezone.now() + HOUR - MINUTE)
    members = [f"member{n:02}@example.com" for n in range(20)]
    for email in members:
        make_subscription(email, program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    celery_app.control.purge()
    env = worker_env(smtp_sink)

    # A worker dies (SIGKILL) while the server holds the 1st, the 6th, then the 12th message
    # received: each time with a mail in flight, the rest of its batch claimed and unsent.
    kill_points = (1, 6, 12)
    kill_workers_mid_batch(celery_worker, smtp_sink, env=env, kill_points=kill_points, drive=drive)
    drive(lambda: sent_count() == len(members))

    # Nobody without a reminder, nor with two different ones; what repeats is exactly the one
    # mail in flight at each death, with its Message-ID.
    assert_each_got_one_mail(smtp_sink, members, kill_points)
    assert len(smtp_sink.messages) == len(members) + len(kill_points)


def test_reschedule_moves_the_reminders(celery_worker, smtp_sink):
    program = make_program(offsets=[HOUR])
    starts_at = timezone.now() + 3 * HOUR
    meeting = make_meeting(program, starts_at=starts_at)
    make_subscription("ann@example.com", program)
    make_subscription("bob@example.com", program)
    start_worker(celery_worker, smtp_sink)
    enqueue(tasks.plan_meetings, [meeting.pk])
    wait_for(lambda: Delivery.objects.filter(due_at=starts_at - HOUR).count() == 2)

    # Staff move the meeting: the core's change signal re-plans it in the worker.
    meeting.starts_at = timezone.now() + HOUR - MINUTE
    meeting.ends_at = meeting.starts_at + HOUR
    meeting.save()
    drive(lambda: sent_count() == 2)

    assert set(Delivery.objects.values_list("due_at", flat=True)) == {meeting.starts_at - HOUR}
    subject = f"Reminder: TUG meeting in 1 hour, {meeting_when(meeting)}"
    assert received_pairs(smtp_sink) == Counter(
        {("ann@example.com", subject): 1, ("bob@example.com", subject): 1}
    )


def test_cancel_sends_the_notice_instead_of_further_reminders(celery_worker, smtp_sink):
    program = make_program(offsets=[HOUR, 30 * MINUTE])
    meeting = make_meeting(program, starts_at=timezone.now() + HOUR - MINUTE)
    make_subscription("ann@example.com", program)
    make_subscription("bob@example.com", program)
    start_worker(celery_worker, smtp_sink)
    enqueue(tasks.plan_meetings, [meeting.pk])
    drive(lambda: sent_count() == 2)  # the 1-hour reminders

    meeting.status = Meeting.Status.CANCELLED
    meeting.save()
    drive(lambda: sent_count() == 4)

    when = meeting_when(meeting)
    assert received_pairs(smtp_sink) == Counter(
        {
            (email, subject): 1
            for email in ("ann@example.com", "bob@example.com")
            for subject in (
                f"Reminder: TUG meeting in 1 hour, {when}",
                f"Cancelled: TUG meeting, {when}",
            )
        }
    )
    half_hour = Delivery.objects.filter(offset=30 * MINUTE)
    assert set(half_hour.values_list("state", "note")) == {(State.SKIPPED, "meeting cancelled")}


def test_permanently_refused_address_bounces_and_the_others_still_get_theirs(
    celery_worker, smtp_sink
):
    smtp_sink.reject("gone@example.com", "550 5.1.1 <gone@example.com>: Recipient unknown")
    program = make_program(offsets=[HOUR + 5 * MINUTE, HOUR])
    meeting = make_meeting(program, starts_at=timezone.now() + HOUR - MINUTE)
    for email in ("ann@example.com", "gone@example.com", "zoe@example.com"):
        make_subscription(email, program)
    start_worker(celery_worker, smtp_sink)

    enqueue(tasks.plan_meetings, [meeting.pk])
    drive(lambda: sent_count() == 4 and Subscriber.objects.filter(is_bouncing=True).exists())

    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == [
        "ann@example.com",
        "ann@example.com",
        "zoe@example.com",
        "zoe@example.com",
    ]
    gone = Subscriber.objects.get(email="gone@example.com")
    assert gone.bounce_reason == "550 5.1.1 <gone@example.com>: Recipient unknown"
    assert set(
        Delivery.objects.filter(subscription__subscriber=gone).values_list("state", flat=True)
    ) == {State.BOUNCED, State.SKIPPED}


def test_sweep_sends_the_confirmation_mail_whose_task_was_lost(celery_worker, smtp_sink):
    program = make_program()
    subscription = make_subscription("ann@example.com", program, status="unconfirmed")
    # Requested while the broker was down: the row is there, its task never was.
    Subscription.objects.filter(pk=subscription.pk).update(confirmation_requested_at=timezone.now())
    start_worker(celery_worker, smtp_sink)

    enqueue(tasks.sweep_reminders)
    (received,) = smtp_sink.wait_for_count(1)

    assert (received.rcpt_tos, received.subject) == (
        ("ann@example.com",),
        "Confirm your TUG meeting reminders",
    )
    wait_for(lambda: Subscription.objects.get().confirmation_sent_at is not None)


def test_subscribe_form_answers_at_once_and_the_worker_subscribes_and_mails(
    celery_worker, smtp_sink, client
):
    make_program()
    start_worker(celery_worker, smtp_sink)

    response = client.post("/subscriptions/new/", {"email": "Ann@Example.com", "program": "tug"})

    assert response.status_code == 302
    (received,) = smtp_sink.wait_for_count(1)
    assert (received.rcpt_tos, received.subject) == (
        ("ann@example.com",),
        "Confirm your TUG meeting reminders",
    )
    subscription = Subscription.objects.select_related("subscriber").get()
    assert (subscription.subscriber.email, subscription.status) == (
        "ann@example.com",
        Subscription.Status.UNCONFIRMED,
    )
    assert not SubscriptionRequest.objects.exists()


def test_sweep_handles_a_form_request_whose_task_was_lost(celery_worker, smtp_sink):
    program = make_program()
    # Stored while the broker was down: the row is there, its task never was.
    request = SubscriptionRequest.objects.create(email="ann@example.com", program=program)
    SubscriptionRequest.objects.filter(pk=request.pk).update(created_at=timezone.now() - 2 * MINUTE)
    start_worker(celery_worker, smtp_sink)

    enqueue(tasks.sweep_reminders)
    (received,) = smtp_sink.wait_for_count(1)

    assert received.rcpt_tos == ("ann@example.com",)
    wait_for(lambda: not SubscriptionRequest.objects.exists())
