"""The admin banner that tells editors when background jobs have stopped."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tug_portal.common.models import Heartbeat

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)
BANNER = 'id="beat-banner"'


def admin_page_at(client, user, moment, path="/admin/"):
    with time_machine.travel(moment, tick=False):
        client.force_login(user)
        return client.get(path).content.decode()


def test_banner_when_beat_never_ran(client, editor):
    page = admin_page_at(client, editor, T0)

    assert BANNER in page
    assert "Background jobs have never run on this deployment" in page


def test_banner_when_beat_silent_for_more_than_five_minutes(client, editor):
    Heartbeat.objects.create(name="beat", beat_at=T0)

    page = admin_page_at(client, editor, T0 + timedelta(minutes=6))

    assert BANNER in page
    assert "Celery beat last ran 6 minutes ago" in page


def test_no_banner_while_beat_runs(client, editor):
    Heartbeat.objects.create(name="beat", beat_at=T0)

    page = admin_page_at(client, editor, T0 + timedelta(minutes=5))

    assert BANNER not in page


def test_no_banner_on_the_login_page(client):
    page = client.get("/admin/login/").content.decode()

    assert BANNER not in page


def heartbeat_reads(client, user, moment) -> int:
    """How many times one admin page read the heartbeat table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        admin_page_at(client, user, moment)
    return sum("common_heartbeat" in query["sql"] for query in queries.captured_queries)


def test_the_banner_reads_the_heartbeat_once_per_interval_not_per_page(client, editor, monkeypatch):
    from tug_portal.common import health

    clock = [1000.0]
    monkeypatch.setattr(health, "_monotonic", lambda: clock[0])
    Heartbeat.objects.create(name="beat", beat_at=T0)

    assert heartbeat_reads(client, editor, T0 + timedelta(minutes=1)) == 1
    assert heartbeat_reads(client, editor, T0 + timedelta(minutes=1)) == 0

    clock[0] += health.BANNER_HEARTBEAT_READ_EVERY + 1
    assert heartbeat_reads(client, editor, T0 + timedelta(minutes=1)) == 1


def test_the_kept_heartbeat_still_ages_until_the_banner_shows(client, editor, monkeypatch):
    # Kept is the moment beat ran, not its age: beat silent for six minutes shows the banner
    # even if the moment was read five minutes ago.
    from tug_portal.common import health

    monkeypatch.setattr(health, "_monotonic", lambda: 1000.0)
    Heartbeat.objects.create(name="beat", beat_at=T0)

    assert BANNER not in admin_page_at(client, editor, T0 + timedelta(minutes=1))
    page = admin_page_at(client, editor, T0 + timedelta(minutes=6))
    assert "Celery beat last ran 6 minutes ago" in page


def test_a_heartbeat_recorded_in_this_process_is_seen_on_the_next_page(client, editor, monkeypatch):
    from tug_portal.common import health, services

    monkeypatch.setattr(health, "_monotonic", lambda: 1000.0)
    assert "never run" in admin_page_at(client, editor, T0)

    with time_machine.travel(T0, tick=False):
        services.heartbeat_record(name="beat")

    assert BANNER not in admin_page_at(client, editor, T0 + timedelta(minutes=1))


def test_the_banner_links_to_the_readiness_page(client, editor):
    page = admin_page_at(client, editor, T0)

    assert 'Please tell the operator (see <a href="/readyz">/readyz</a>).' in page
