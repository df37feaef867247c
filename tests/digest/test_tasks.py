"""The whole path with a real Celery worker (its own process, the configured broker) and a real
SMTP server on loopback. A worker does not share a test's time travel, so these tests make each
subscriber's send moment the current hour in their own zone, in real time."""

import zoneinfo
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import make_digest_subscription, make_meeting, make_program, make_subscription
from tests.support.mail_workers import assert_each_got_one_mail, beat_driver, kill_workers_mid_batch
from tug_portal.celery import app as celery_app
from tug_portal.common.queue import enqueue
from tug_portal.digest import mail as digest_mail
from tug_portal.digest import planner, tasks, tokens
from tug_portal.digest.models import Digest
from tug_portal.digest.selectors import NOTHING_THIS_WEEK
from tug_portal.reminders import tasks as reminder_tasks
from tug_portal.reminders.models import Delivery

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
State = Digest.State


def worker_env(sink) -> dict[str, str]:
    return {
        **sink.env(),
        "REMINDER_BATCH_SIZE": "4",
        # Short, so that claims of a killed worker come back within the test.
        "REMINDER_CLAIM_TIMEOUT_SECONDS": "2",
    }


def now_in(time_zone: str) -> datetime:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(time_zone))


def due_this_hour(email, program, *, time_zone="America/Los_Angeles", **fields):
    """A digest subscriber whose local send moment is the start of the current hour."""
    local = now_in(time_zone)
    return make_digest_subscription(
        email, program, weekday=local.weekday(), hour=local.hour, time_zone=time_zone, **fields
    )


def sent_count() -> int:
    return Digest.objects.filter(state=State.SENT).count()


# Kicks the planner and the dispatcher as beat does (claims of a killed worker come back only
# through the dispatcher).
drive = beat_driver(tasks.plan_digests, tasks.dispatch_digests)


def received(sink) -> Counter:
    return Counter((m.rcpt_tos[0], m.subject) for m in sink.messages)


def a_meeting_next_week(program):
    return make_meeting(program, starts_at=timezone.now() + 3 * 24 * HOUR, slug="tug-next")


def test_a_week_with_activity_sends_one_digest_per_opted_in_subscriber_at_their_local_hour(
    celery_worker, smtp_sink
):
    program = make_program()
    a_meeting_next_week(program)
    members = {
        "ann@example.com": "America/Los_Angeles",
        "ber@example.com": "Europe/Berlin",
        "tok@example.com": "Asia/Tokyo",
    }
    for email, zone in members.items():
        due_this_hour(email, program, time_zone=zone)
    later = now_in("America/Los_Angeles") + 3 * HOUR
    make_digest_subscription("later@example.com", program, weekday=later.weekday(), hour=later.hour)
    make_digest_subscription("off@example.com", program, enabled=False)
    make_subscription("reminders-only@example.com", program)
    celery_app.control.purge()
    celery_worker(env=worker_env(smtp_sink))

    drive(lambda: sent_count() == 3)
    tasks.plan_digests.apply()  # one more pass plans nothing new
    tasks.dispatch_digests.apply()

    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == sorted(members)
    assert len({m.message_id for m in smtp_sink.messages}) == 3
    for digest in Digest.objects.select_related("subscription__digest_preference"):
        preference = digest.subscription.digest_preference
        local = digest.due_at.astimezone(zoneinfo.ZoneInfo(preference.time_zone))
        assert (local.weekday(), local.hour, local.minute) == (
            preference.weekday,
            preference.hour,
            0,
        )
        assert digest.sent_at >= digest.due_at
    message = smtp_sink.messages[0].message
    assert message.get_body(("plain",)).get_content().count("COMING UP IN THE NEXT 14 DAYS") == 1
    assert message.get_body(("html",)) is not None
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_week_with_nothing_sends_nothing(celery_worker, smtp_sink):
    program = make_program()
    for n in range(3):
        due_this_hour(f"member{n}@example.com", program)
    celery_app.control.purge()
    celery_worker(env=worker_env(smtp_sink))

    drive(lambda: Digest.objects.filter(state=State.SKIPPED).count() == 3)

    assert smtp_sink.messages == []
    assert set(Digest.objects.values_list("note", flat=True)) == {NOTHING_THIS_WEEK}


def test_worker_killed_mid_batch_leaves_nobody_without_and_nobody_with_two_different_digests(
    celery_worker, smtp_sink
):
    program = make_program()
    a_meeting_next_week(program)
    members = [f"member{n:02}@example.com" for n in range(20)]
    for email in members:
        due_this_hour(email, program)
    planner.digests_plan()
    celery_app.control.purge()
    env = worker_env(smtp_sink)

    # A worker dies (SIGKILL) while the server holds the 1st, the 6th, then the 12th message
    # received: each time with a digest in flight, the rest of its batch claimed and unsent.
    kill_points = (1, 6, 12)
    kill_workers_mid_batch(celery_worker, smtp_sink, env=env, kill_points=kill_points, drive=drive)
    drive(lambda: sent_count() == len(members))

    # Nobody without a digest, nor with two different ones: a repeat is the same digest, with
    # the same Message-ID and text.
    by_recipient = assert_each_got_one_mail(smtp_sink, members, kill_points)
    for messages in by_recipient.values():
        assert len({m.message.get_body(("plain",)).get_content() for m in messages}) == 1
    assert Digest.objects.filter(state=State.SENT).count() == len(members)


def test_unsubscribing_from_the_digest_keeps_the_reminders(celery_worker, smtp_sink, client):
    program = make_program(offsets=[HOUR])
    meeting = make_meeting(program, starts_at=timezone.now() + HOUR - MINUTE)
    ann = due_this_hour("ann@example.com", program)
    due_this_hour("bob@example.com", program)
    unsubscribe = f"/subscriptions/digest/unsubscribe/{tokens.unsubscribe_token(ann.pk)}/"
    assert client.post(unsubscribe, {"List-Unsubscribe": "One-Click"}).status_code == 200
    celery_app.control.purge()
    celery_worker(env=worker_env(smtp_sink))

    enqueue(reminder_tasks.plan_meetings, [meeting.pk])
    drive(
        lambda: (
            sent_count() == 1 and Delivery.objects.filter(state=Delivery.State.SENT).count() == 2
        )
    )

    subjects = received(smtp_sink)
    bobs = Digest.objects.get(subscription__subscriber__email="bob@example.com")
    days = digest_mail.covered_days(digest_mail.digest_scope(bobs))
    digest_subject = f"TUG weekly digest: {days}"
    assert subjects[("bob@example.com", digest_subject)] == 1, subjects
    assert subjects[("ann@example.com", digest_subject)] == 0
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages if "Reminder" in m.subject) == [
        "ann@example.com",
        "bob@example.com",
    ]
