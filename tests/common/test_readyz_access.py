"""/readyz's details are for operators (staff, a token, the local network); anyone else gets the
bare status code, cheaply. /healthz stays public."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tug_portal.common import health
from tug_portal.common.models import Heartbeat

pytestmark = pytest.mark.django_db

OUTSIDER = {"REMOTE_ADDR": "198.51.100.7"}
TOKEN = "s3cret-probe-token"


@pytest.fixture(autouse=True)
def fresh_public_result(monkeypatch):
    monkeypatch.setattr(health, "_recent", (0.0, False))


@pytest.fixture
def beat_ran():
    Heartbeat.objects.update_or_create(name="beat", defaults={"beat_at": timezone.now()})


def test_healthz_is_public(client):
    assert client.get("/healthz", **OUTSIDER).status_code == 200


def test_an_outsider_gets_the_status_without_details(client, beat_ran):
    response = client.get("/readyz", **OUTSIDER)

    assert response.status_code == 200
    assert response.content == b""


def test_an_outsider_sees_a_failure_as_503_only(client):  # beat never ran
    response = client.get("/readyz", **OUTSIDER)

    assert response.status_code == 503
    assert b"beat" not in response.content


def test_outsiders_calling_in_a_loop_run_the_checks_once(client, beat_ran, monkeypatch):
    runs = []
    real = health.readiness
    monkeypatch.setattr(health, "readiness", lambda: runs.append(1) or real())
    client.get("/readyz", **OUTSIDER)

    with CaptureQueriesContext(connection) as queries:
        answers = {client.get("/readyz", **OUTSIDER).status_code for _ in range(50)}

    assert answers == {200}
    assert runs == [1]
    assert len(queries) == 0


def test_the_local_network_sees_the_details(client, beat_ran):
    response = client.get("/readyz", REMOTE_ADDR="127.0.0.1")

    assert response.json()["status"] == "ok"
    assert "database" in response.json()["checks"]


def test_networks_are_a_setting(client, beat_ran, settings):
    settings.TUG_READYZ_ALLOW_NETWORKS = ["198.51.100.0/24"]

    assert "checks" in client.get("/readyz", **OUTSIDER).json()
    assert client.get("/readyz", REMOTE_ADDR="127.0.0.1").content == b""


def test_a_forwarded_for_header_does_not_make_an_outsider_local(client, beat_ran):
    response = client.get("/readyz", HTTP_X_FORWARDED_FOR="127.0.0.1", **OUTSIDER)

    assert response.content == b""


def test_the_token_opens_the_details(client, beat_ran, settings):
    settings.TUG_READYZ_TOKEN = TOKEN

    right = client.get("/readyz", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **OUTSIDER)
    wrong = client.get("/readyz", HTTP_AUTHORIZATION="Bearer nope", **OUTSIDER)

    assert "checks" in right.json()
    assert wrong.content == b""


def test_no_token_configured_means_no_token_works(client, beat_ran, settings):
    settings.TUG_READYZ_TOKEN = ""

    assert client.get("/readyz", HTTP_AUTHORIZATION="Bearer ", **OUTSIDER).content == b""


def test_staff_see_the_details_from_anywhere(client, beat_ran):
    client.force_login(get_user_model().objects.create_user("editor", is_staff=True))

    assert "checks" in client.get("/readyz", **OUTSIDER).json()


def test_a_signed_in_non_staff_user_does_not(client, beat_ran):
    client.force_login(get_user_model().objects.create_user("member"))

    assert client.get("/readyz", **OUTSIDER).content == b""
