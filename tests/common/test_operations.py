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
