"""The rebuild and the sweep on a real Celery worker process, over the real broker (kombu's
file-system transport embedded; Redis in CI's PostgreSQL run)."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from kombu.exceptions import OperationalError

from tests.calendars.parsers import parse_events
from tests.support.celery_worker import wait_for
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.models import StoredFeed
from tug_portal.calendars.services import feeds_sweep
from tug_portal.calendars.tasks import refresh_feeds, sweep_feeds
from tug_portal.common.queue import enqueue
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import AgendaTopic, Meeting

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_TIMEOUT_S = 90


@pytest.fixture
def feeds_built():
    load_demo()
    feeds_sweep()
    return {feed.key: feed.etag for feed in StoredFeed.objects.all()}


def _next_tug_meeting() -> Meeting:
    return Meeting.objects.filter(program__slug="tug", starts_at__gt=datetime.now(UTC)).first()


def _etag_moved(key: str, old: str):
    return lambda: StoredFeed.objects.filter(key=key).exclude(etag=old).first()


def test_adding_a_topic_rebuilds_the_program_feeds_on_the_worker(celery_worker, feeds_built):
    celery_worker()
    meeting = _next_tug_meeting()

    AgendaTopic.objects.create(meeting=meeting, order=2, title="OMS Road Map")

    def synced():
        # A refresh left in the queue by an earlier test may build the feed between the
        # topic's commit and the sync that bumps SEQUENCE (the sync's own refresh follows):
        # wait for the feed the sync leads to.
        feed = _etag_moved("tug", feeds_built["tug"])()
        event = feed and parse_events(feed_content(feed))[f"{meeting.uid}@tug-portal"]
        return feed if event and event.sequence == 1 else None

    feed = wait_for(synced, timeout=WORKER_TIMEOUT_S)
    assert b"- OMS Road Map" in feed_content(feed)
    wait_for(_etag_moved("all", feeds_built["all"]), timeout=WORKER_TIMEOUT_S)
    assert StoredFeed.objects.get(key="cpg").etag == feeds_built["cpg"]


def test_sweep_on_the_worker_rebuilds_a_feed_whose_change_event_was_lost(
    celery_worker, feeds_built
):
    meeting = _next_tug_meeting()
    # Saved without any signal, as if the process died before its on-commit hook ran.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(hours=1),
        ends_at=meeting.ends_at + timedelta(hours=1),
    )
    celery_worker()

    assert enqueue(sweep_feeds)

    def synced():
        # Waits past any build before the sweep's sync (a refresh left in the queue by an
        # earlier test may rebuild the feed first: without the sync, the event is unchanged).
        feed = _etag_moved("tug", feeds_built["tug"])()
        event = feed and parse_events(feed_content(feed))[f"{meeting.uid}@tug-portal"]
        return event if event and event.sequence == 1 else None

    event = wait_for(synced, timeout=WORKER_TIMEOUT_S)
    assert event.start == meeting.starts_at + timedelta(hours=1)


def test_edit_while_the_broker_is_down_succeeds_and_the_sweep_catches_up(
    feeds_built, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    # The one thing that cannot be produced here on demand: a broker outage.
    monkeypatch.setattr(refresh_feeds, "apply_async", broker_down)
    meeting = _next_tug_meeting()

    with caplog.at_level(logging.WARNING, logger="tug_portal.common.queue"):
        AgendaTopic.objects.create(meeting=meeting, order=2, title="Added while down")

    assert AgendaTopic.objects.filter(title="Added while down").exists()
    assert "refresh_feeds not queued" in caplog.text
    assert StoredFeed.objects.get(key="tug").etag == feeds_built["tug"]
    assert "tug" in feeds_sweep()
    assert b"- Added while down" in feed_content(StoredFeed.objects.get(key="tug"))
