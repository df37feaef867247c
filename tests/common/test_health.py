import socket
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery import beat
from celery.signals import beat_init
from django.apps import apps

from tests.support.celery_worker import wait_for
from tug_portal.celery import app as celery_app
from tug_portal.common.health import Check
from tug_portal.common.models import Heartbeat

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)
CORE = ("database", "cache", "broker", "beat")


def readyz_at(client, moment):
    with time_machine.travel(moment, tick=False):
        return client.get("/readyz")


def core_checks(response) -> dict:
    checks = response.json()["checks"]
    return {name: checks[name] for name in CORE}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def beat_ran_at():
    def record(moment):
        Heartbeat.objects.update_or_create(name="beat", defaults={"beat_at": moment})

    return record


@pytest.fixture
def unreachable_broker(monkeypatch):
    """Point this process's Celery app at a port nobody listens on (Celery reads the variable
    before its configuration), then back."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    # In this order: the attribute's old value is read through the variable.
    monkeypatch.setattr(celery_app.conf, "broker_url", url)
    monkeypatch.setenv("CELERY_BROKER_URL", url)


def test_readyz_answers_200_when_every_check_passes(client, beat_ran_at):
    beat_ran_at(T0)

    response = readyz_at(client, T0 + timedelta(seconds=30))

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert core_checks(response) == {
        "database": {"ok": True, "detail": "answers"},
        "cache": {"ok": True, "detail": "round-trips"},
        "broker": {"ok": True, "detail": "accepts connections"},
        "beat": {"ok": True, "detail": "last ran 30 s ago"},
    }
    assert "no-store" in response["Cache-Control"]


def test_readyz_fails_when_beat_never_ran(client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert core_checks(response)["beat"] == {"ok": False, "detail": "beat has never run"}


def test_readyz_fails_when_beat_is_silent_for_five_minutes(client, beat_ran_at):
    beat_ran_at(T0)

    fresh = readyz_at(client, T0 + timedelta(seconds=300))
    stale = readyz_at(client, T0 + timedelta(seconds=301))

    assert fresh.status_code == 200
    assert stale.status_code == 503
    assert core_checks(stale)["beat"] == {"ok": False, "detail": "last ran 301 s ago"}


def test_readyz_fails_when_the_broker_is_unreachable(client, beat_ran_at, unreachable_broker):
    beat_ran_at(T0)

    response = readyz_at(client, T0)

    assert response.status_code == 503
    assert core_checks(response)["broker"] == {"ok": False, "detail": "failing (OperationalError)"}
    assert core_checks(response)["database"]["ok"] is True


def check_widgets():
    return Check("widgets", False, "3 widgets stuck")


def check_exploding():
    raise RuntimeError("bug in a check")


def test_readyz_runs_the_checks_apps_declare(client, beat_ran_at, monkeypatch):
    beat_ran_at(T0)
    checks = ("tests.common.test_health.check_widgets", "tests.common.test_health.check_exploding")
    monkeypatch.setattr(apps.get_app_config("common"), "readiness_checks", checks, raising=False)

    response = readyz_at(client, T0)

    assert response.status_code == 503
    assert response.json()["checks"]["widgets"] == {"ok": False, "detail": "3 widgets stuck"}
    assert response.json()["checks"]["exploding"] == {
        "ok": False,
        "detail": "failing (RuntimeError)",
    }


def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.worker
def test_beat_starting_is_a_heartbeat_at_once_not_a_minute_later(celery_worker):
    # Until beat's first interval (a minute) the admin said "background jobs have never run"
    # on a fresh `make run`: starting beat queues a heartbeat that a worker records at once.
    celery_worker()
    assert not Heartbeat.objects.filter(name="beat").exists()

    beat_init.send(sender=beat.Service(app=celery_app))  # as `celery beat` does when it starts

    wait_for(lambda: Heartbeat.objects.filter(name="beat").exists(), timeout=30)
