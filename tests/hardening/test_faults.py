"""Faults, with the real services: a database connection cut in the middle of a request, a
database that cannot be reached at all, and the broker (Redis) stopped while staff edit.

A worker SIGKILLed in the middle of a batch is proven by the reminders' own test,
tests/reminders/test_tasks.py::test_worker_killed_mid_batch_leaves_nobody_without_and_nobody_with_two_different_mails
(at three points, repeated: nobody without a reminder, nobody with two different ones).
"""

import json
import os
import zoneinfo
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.models.signals import post_save
from django.utils import timezone

from tests.factories import make_meeting, make_program, make_subscription
from tests.support.admin_forms import meeting_change_form
from tests.support.celery_worker import wait_for
from tests.support.smtp import SmtpSink
from tug_portal.calendars import tasks as calendar_tasks
from tug_portal.calendars.builders import event_uid
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.models import StoredFeed
from tug_portal.calendars.services import feed_build
from tug_portal.common.middleware import MESSAGE as UNAVAILABLE
from tug_portal.common.queue import enqueue
from tug_portal.common.services import heartbeat_record
from tug_portal.meetings.models import AgendaRequest, AgendaTopic, Meeting, Person
from tug_portal.reminders import tasks as reminder_tasks
from tug_portal.reminders.models import Delivery

from .support import (
    BROWSER,
    RedisServer,
    fetch,
    free_port,
    point_this_process_at_broker,
    web_process,
)

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")

# --- The database connection cut in the middle of a request ---------------------------------


def cut_database_connection() -> None:
    """From now on, every statement on this thread's database connection fails, as when the
    server goes away: PostgreSQL terminates the backend (asked from a second connection);
    SQLite interrupts every statement."""
    if connection.vendor == "postgresql":
        backend_pid = connection.connection.info.backend_pid
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        finally:
            other.close()
    else:
        connection.connection.set_progress_handler(lambda: 1, 1)


@contextmanager
def connection_cut_after_save_of(model):
    """The connection is cut right after the first row of `model` is written (inside the
    request's transaction); afterwards the test gets a fresh connection."""

    def cut(sender, **kwargs):
        post_save.disconnect(cut, sender=model)
        cut_database_connection()

    post_save.connect(cut, sender=model, weak=False)
    try:
        yield
    finally:
        post_save.disconnect(cut, sender=model)
        connection.close()


def assert_calm_503(response) -> None:
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert UNAVAILABLE in page
    assert "Traceback" not in page and "OperationalError" not in page


@pytest.fixture
def seed_meeting(transactional_db):
    program = make_program()
    program.contact = Person.objects.create(name="Indu Nambiar", email="inambiar@caiso.com")
    program.save()
    # 10:00 Pacific 30 days ahead: an hour-long meeting that starts late in the evening would
    # end past midnight, which the admin form refuses (the edit test would then get its 200).
    day = timezone.localdate(timezone.now() + timedelta(days=30), PACIFIC)
    starts_at = datetime.combine(day, time(10, 0), tzinfo=PACIFIC)
    return make_meeting(program, starts_at=starts_at)


@pytest.mark.django_db(transaction=True)
def test_connection_cut_during_an_agenda_request_answers_503_and_stores_nothing(
    client, seed_meeting, mailoutbox
):
    form = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "topic": "DRRS API rate limits",
        "details": "Per certificate?",
    }

    with connection_cut_after_save_of(AgendaRequest):
        response = client.post(
            f"/programs/tug/agenda-request/?meeting={seed_meeting.slug}", form, headers=BROWSER
        )

    assert_calm_503(response)
    assert AgendaRequest.objects.count() == 0
    assert AgendaRequest.history.count() == 0
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_connection_cut_during_an_admin_edit_answers_503_and_changes_nothing(
    client, seed_meeting, admin_user
):
    client.force_login(admin_user)
    local_start, local_end = seed_meeting.local_start, seed_meeting.local_end
    edit = {
        "program": seed_meeting.program_id,
        "title": "Technology User Group (moved)",
        "slug": seed_meeting.slug,
        "status": seed_meeting.status,
        "is_published": "on",
        "date": local_start.date().isoformat(),
        "start_time": local_start.strftime("%H:%M"),
        "end_time": local_end.strftime("%H:%M"),
        "time_zone": seed_meeting.time_zone,
        "is_recorded": "on",
        "topics-TOTAL_FORMS": "2",
        "topics-INITIAL_FORMS": "0",
        "topics-0-order": "2",
        "topics-0-title": "OMS – CPG Announcement",
        "topics-1-order": "3",
        "topics-1-title": "Next TUG",
        "dial_ins-TOTAL_FORMS": "0",
        "dial_ins-INITIAL_FORMS": "0",
        "materials-TOTAL_FORMS": "0",
        "materials-INITIAL_FORMS": "0",
    }
    topics_before = list(AgendaTopic.objects.values_list("title", flat=True))

    with connection_cut_after_save_of(AgendaTopic):
        response = client.post(
            f"/admin/meetings/meeting/{seed_meeting.pk}/change/", edit, headers=BROWSER
        )

    assert_calm_503(response)
    seed_meeting.refresh_from_db()
    assert seed_meeting.title == "TUG Group"
    assert list(AgendaTopic.objects.values_list("title", flat=True)) == topics_before
    assert seed_meeting.history.count() == 1  # the creation only


# --- A database that cannot be reached at all -----------------------------------------------


def unreachable_database_url(tmp_path) -> str:
    if connection.vendor == "postgresql":
        return f"postgres://postgres@127.0.0.1:{free_port()}/tug_portal"
    return f"sqlite:///{tmp_path}/no-such-folder/tug_portal.sqlite3"


def test_unreachable_database_answers_503_pages_and_readyz_names_it(tmp_path):
    env = {"DATABASE_URL": unreachable_database_url(tmp_path)}

    with web_process(env, tmp_path) as base:
        page = fetch(f"{base}/meetings/tug-2018-10-16/", BROWSER)
        dashboard = fetch(f"{base}/", BROWSER)
        feed = fetch(f"{base}/calendar/all.ics")
        readyz = fetch(f"{base}/readyz")
        healthz = fetch(f"{base}/healthz")

    for answer in (page, dashboard):
        assert answer.status == 503
        assert answer.headers["Retry-After"] == "60"
        assert UNAVAILABLE in answer.body
        assert "Traceback" not in answer.body
    assert (feed.status, feed.body) == (503, f"{UNAVAILABLE}\n")
    assert readyz.status == 503
    assert '"database": {"ok": false, "detail": "failing (OperationalError)"}' in readyz.body
    assert healthz.status == 200


def test_unreachable_database_answers_api_clients_503_in_json(tmp_path):
    env = {"DATABASE_URL": unreachable_database_url(tmp_path)}

    with web_process(env, tmp_path) as base:
        api = fetch(f"{base}/api/v1/programs")

    assert (api.status, json.loads(api.body)) == (503, {"detail": UNAVAILABLE})
    assert api.headers["Retry-After"] == "60"


# --- The broker stopped while staff edit ----------------------------------------------------


def tomorrow_at_ten() -> datetime:
    """10:00 Pacific tomorrow: a meeting the admin form can show whatever the hour now."""
    day = timezone.now().astimezone(PACIFIC).date() + timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=PACIFIC)


def stored_feed_holds(key: str, meeting) -> bool:
    return event_uid(meeting).encode() in feed_content(StoredFeed.objects.get(key=key))


@pytest.fixture
def throwaway_redis(tmp_path):
    """Our own Redis broker, so that stopping it stops nobody else's; this process and the
    workers the test starts publish to it."""
    redis = RedisServer(tmp_path).start()
    previous = os.environ["CELERY_BROKER_URL"]
    point_this_process_at_broker(redis.url)
    yield redis
    point_this_process_at_broker(previous)
    redis.stop()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="the broker outage is played on the PostgreSQL + Redis run",
)
def test_edit_while_redis_is_down_is_saved_and_caught_up_once_it_is_back(
    client, admin_user, celery_worker, throwaway_redis
):
    starts_at = tomorrow_at_ten()
    # One reminder, due a minute ago: sent as soon as anything plans it.
    program = make_program(offsets=[starts_at - timezone.now() + timedelta(minutes=1)])
    draft = make_meeting(program, starts_at=starts_at, is_published=False)
    make_subscription("member@example.com", program)
    feed_build(spec=FeedSpec(program=program.slug))
    heartbeat_record(name="beat")  # beat is alive: the admin has nothing to warn about
    client.force_login(admin_user)

    with SmtpSink() as sink:
        celery_worker(env={"CELERY_BROKER_URL": throwaway_redis.url, **sink.env()})
        throwaway_redis.stop()

        edit = client.post(
            f"/admin/meetings/meeting/{draft.pk}/change/",
            meeting_change_form(draft, is_published="on"),
            follow=True,
        )

        page = edit.content.decode()
        assert edit.status_code == 200
        assert "was changed successfully" in page
        assert 'class="error"' not in page and "errornote" not in page
        assert Meeting.objects.get(pk=draft.pk).is_published
        assert not stored_feed_holds(program.slug, draft)
        assert not Delivery.objects.exists()

        throwaway_redis.start()
        enqueue(calendar_tasks.sweep_feeds)
        enqueue(reminder_tasks.sweep_reminders)

        wait_for(lambda: stored_feed_holds(program.slug, draft), timeout=120)
        wait_for(lambda: len(sink.messages) == 1, timeout=120)
        reminder = sink.messages[0]
        assert reminder.rcpt_tos == ("member@example.com",)
        assert reminder.subject.startswith("Reminder: TUG meeting in ")
