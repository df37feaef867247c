"""Staff login: Django auth behind django-axes (5 failures from one address pause it 15 min;
a username is never paused by itself, so nobody can lock its owner out)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)
LOGIN = "/admin/login/?next=/admin/"


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


def test_an_ipv6_line_is_paused_as_one_address_whichever_of_its_addresses_it_uses(client, editor):
    """Anyone on an IPv6 line holds a whole /64 and may pick any address in it."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in_at(client, T0, "wrong", address=f"2001:db8:1:2::{n + 1:x}")

    same_line = log_in_at(client, T0, "right-horse", address="2001:db8:1:2:ffff::99")
    other_line = log_in_at(client, T0, "right-horse", address="2001:db8:1:3::1")

    assert same_line.status_code == 429
    assert other_line.status_code == 302


def test_logins_without_a_request_are_not_throttled(client, editor):
    assert client.login(username="editor", password="right-horse")


# --- Forged addresses and guessing from many addresses ---------------------------------------

ATTACKER = "198.51.100.7"  # reaches the web process directly, outside the proxies' networks
VICTIM = "203.0.113.5"
PROXY = "10.0.0.1"


def log_in(client, password, *, username="editor", peer, forwarded=None, moment=T0):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    with time_machine.travel(moment, tick=False):
        return client.post(
            LOGIN, {"username": username, "password": password}, REMOTE_ADDR=peer, **headers
        )


@pytest.fixture
def behind_proxy(settings):
    settings.TUG_TRUSTED_PROXIES = ["10.0.0.0/8"]


def test_varied_forwarded_for_from_one_peer_is_stopped(client, editor, behind_proxy):
    answers = [
        log_in(client, "wrong", peer=ATTACKER, forwarded=f"192.0.2.{n}").status_code
        for n in range(40)
    ]

    # The failure that reaches the limit is answered with the pause, and so is every later try.
    assert answers.index(429) == settings.AXES_FAILURE_LIMIT - 1
    assert set(answers[settings.AXES_FAILURE_LIMIT - 1 :]) == {429}
    assert log_in(client, "right-horse", peer=ATTACKER, forwarded="192.0.2.250").status_code == 429


def test_failures_for_a_username_from_other_addresses_do_not_stop_its_owner(
    client, editor, behind_proxy
):
    # Through our proxy from many real machines (20 addresses, 2 failures each), or from 4
    # addresses up to their limit: neither pauses the username for its owner.
    for n in range(20):
        for _ in range(2):
            log_in(client, "wrong", peer=PROXY, forwarded=f"192.0.2.{n}")
    for n in range(4):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, "wrong", peer=PROXY, forwarded=f"198.51.100.{n}")

    owner = log_in(client, "right-horse", peer=PROXY, forwarded=VICTIM)

    assert owner.status_code == 302
    assert log_in(client, "right-horse", peer=PROXY, forwarded="198.51.100.0").status_code == 429


def test_an_address_is_paused_for_any_username_it_tries(client, editor, behind_proxy):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong", username=f"guess-{n}", peer=PROXY, forwarded=ATTACKER)

    assert log_in(client, "right-horse", peer=PROXY, forwarded=ATTACKER).status_code == 429


def test_failures_with_a_forged_victim_address_do_not_lock_the_victim_out(
    client, editor, behind_proxy
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong", username="someone", peer=ATTACKER, forwarded=VICTIM)

    victim = log_in(client, "right-horse", peer=PROXY, forwarded=VICTIM)

    assert victim.status_code == 302


def test_a_few_failures_on_a_username_do_not_lock_its_owner_out(client, editor, behind_proxy):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong", peer=ATTACKER, forwarded=VICTIM)

    owner = log_in(client, "right-horse", peer=PROXY, forwarded=VICTIM)

    assert owner.status_code == 302
