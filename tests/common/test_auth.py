"""Staff login: Django auth behind django-axes (5 failures from one address pause it 15 min)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password="right-horse", is_staff=True)


def log_in_at(client, moment, password, address="192.0.2.1"):
    with time_machine.travel(moment, tick=False):
        return client.post(LOGIN, {"username": "editor", "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, moment):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in_at(client, moment, "wrong")


def test_staff_log_in_with_their_password(client, editor):
    response = log_in_at(client, T0, "right-horse")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_logins_pause_after_repeated_failures(client, editor):
    fail_until_locked(client, T0)

    response = log_in_at(client, T0 + timedelta(seconds=1), "right-horse")

    page = " ".join(response.content.decode().split())
    assert response.status_code == 429
    assert "Too many failed logins" in page
    assert "logins from it are paused for 15 minutes" in page
    assert "TUG Portal administration" in page  # in the admin's own frame
    assert "_auth_user_id" not in client.session


def test_logins_resume_after_the_pause(client, editor):
    fail_until_locked(client, T0)

    response = log_in_at(client, T0 + timedelta(minutes=16), "right-horse")

    assert response.status_code == 302


def test_other_addresses_are_not_paused(client, editor):
    fail_until_locked(client, T0)

    response = log_in_at(client, T0, "right-horse", address="192.0.2.99")

    assert response.status_code == 302


def test_logins_without_a_request_are_not_throttled(client, editor):
    assert client.login(username="editor", password="right-horse")
