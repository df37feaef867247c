"""The acceptable use policy, on stand-in views named like the real ones (tests/common/aup_urls.py).
The real feeds, forms and API are covered in tests/hardening/test_aup_endpoints.py."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

from tug_portal.common.aup import refusal_message, window_key

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.aup_urls")]

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)
FEED = "/calendar/tug.ics"
FORM = "/programs/tug/request/"


@pytest.fixture
def feed_window():
    return settings.TUG_AUP_FEED_WINDOW


@pytest.fixture
def form_window():
    return settings.TUG_AUP_FORM_WINDOW


def get_at(client, moment, path=FEED, **headers):
    with time_machine.travel(moment, tick=False):
        return client.get(path, **headers)


def test_second_call_within_window_is_refused_with_message_and_retry_after(client, feed_window):
    first = client.get(FEED)

    second = client.get(FEED)

    assert first.status_code == 200
    assert second.status_code == 429
    assert second["Retry-After"] == str(feed_window)
    assert second["Content-Type"] == "text/plain; charset=utf-8"
    assert second.content.decode() == (
        f"Acceptable Use Policy Violation. Please retry your request again in {feed_window} "
        "seconds from now. Note: Time resets each time you request before expiration.\n"
    )


def test_other_service_within_window_is_served(client):
    client.get(FEED)

    other_feed = client.get("/calendar/cpg.ics")
    form = client.post(FORM, {"topic": "DRRS"})

    assert other_feed.status_code == 200
    assert form.status_code == 200


def test_feed_variants_are_separate_services(client):
    client.get(FEED)

    variant = client.get(FEED, {"alarm": "30"})

    assert variant.status_code == 200


def test_window_expires_without_a_repeat(client, feed_window):
    get_at(client, T0)

    later = get_at(client, T0 + timedelta(seconds=feed_window + 1))

    assert later.status_code == 200


def test_early_repeat_restarts_the_window(client, feed_window):
    get_at(client, T0)
    half = timedelta(seconds=feed_window / 2)

    early = get_at(client, T0 + half)
    after_first_window = get_at(client, T0 + half + timedelta(seconds=feed_window - 1))
    after_quiet_window = get_at(
        client, T0 + half + timedelta(seconds=feed_window - 1 + feed_window + 1)
    )

    assert early.status_code == 429
    assert after_first_window.status_code == 429
    assert after_quiet_window.status_code == 200


def test_conditional_poll_with_current_etag_is_answered_within_window(client):
    client.get(FEED)

    poll = client.get(FEED, headers={"If-None-Match": '"v1"'})

    assert poll.status_code == 304


def test_conditional_poll_with_stale_etag_within_window_is_refused(client):
    client.get(FEED)

    poll = client.get(FEED, headers={"If-None-Match": '"v0"'})

    assert poll.status_code == 429


def test_poll_answered_304_does_not_start_a_window(client):
    client.get(FEED, headers={"If-None-Match": '"v1"'})

    download = client.get(FEED)

    assert download.status_code == 200


def test_refused_form_does_not_start_a_window(client):
    invalid = client.post(FORM, {"topic": ""})

    corrected = client.post(FORM, {"topic": "DRRS"})
    repeated = client.post(FORM, {"topic": "DRRS"})

    assert invalid.status_code == 400
    assert corrected.status_code == 200
    assert repeated.status_code == 429
    assert repeated["Retry-After"] == str(settings.TUG_AUP_FORM_WINDOW)


def test_form_window_ignores_the_query_string(client):
    client.post(f"{FORM}?a=1", {"topic": "DRRS"})

    dodge = client.post(f"{FORM}?a=2", {"topic": "DRRS"})

    assert dodge.status_code == 429


def test_form_page_itself_is_not_limited(client):
    client.get(FORM)

    again = client.get(FORM)

    assert again.status_code == 200


def test_clients_have_their_own_windows(client):
    client.get(FEED, REMOTE_ADDR="192.0.2.1")

    other_client = client.get(FEED, REMOTE_ADDR="192.0.2.2")

    assert other_client.status_code == 200


def test_clients_behind_a_trusted_proxy_are_told_apart(client, settings):
    settings.TUG_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    client.get(FEED, HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy)

    other_client = client.get(FEED, HTTP_X_FORWARDED_FOR="192.0.2.2", **proxy)
    same_client = client.get(FEED, HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.1", **proxy)

    assert other_client.status_code == 200
    assert same_client.status_code == 429


def test_staff_are_exempt(client, django_user_model):
    staff = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)

    answers = [client.get(FEED).status_code for _ in range(3)]

    assert answers == [200, 200, 200]


def test_logged_in_non_staff_are_limited(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("someone", password="x"))
    client.get(FEED)

    again = client.get(FEED)

    assert again.status_code == 429


def test_health_checks_are_exempt_even_from_a_catch_all_rule(client, settings):
    settings.TUG_AUP_RULES = [{"urls": ["*"], "methods": ["GET"], "window": 30}]

    answers = [client.get("/healthz").status_code for _ in range(3)]

    assert answers == [200, 200, 200]


def test_admin_login_is_exempt(client):
    answers = [
        client.post("/admin/login/", {"username": "nobody", "password": "wrong"}).status_code
        for _ in range(2)
    ]

    assert answers == [200, 200]


def test_refusal_speaks_json_to_api_clients(client):
    client.get("/api/v1/programs")

    refused = client.get("/api/v1/programs")

    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert json.loads(refused.content) == {"detail": refusal_message(settings.TUG_AUP_API_WINDOW)}


def test_refusal_shows_browsers_a_page(client, feed_window):
    client.get(FEED)

    refused = client.get(FEED, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})

    assert refused.status_code == 429
    assert refused["Content-Type"] == "text/html; charset=utf-8"
    assert refusal_message(feed_window) in refused.content.decode()


def test_refusal_gives_htmx_a_fragment_to_swap_in(client):
    client.post(FORM, {"topic": "DRRS"})

    refused = client.post(FORM, {"topic": "DRRS"}, headers={"HX-Request": "true"})

    assert refused.status_code == 429
    assert refused.content.decode().strip() == (
        f'<p class="error-message" role="alert">{refusal_message(settings.TUG_AUP_FORM_WINDOW)}</p>'
    )


def test_anonymous_poll_costs_no_database_query(client, django_assert_num_queries):
    client.get(FEED)

    with django_assert_num_queries(0):
        poll = client.get(FEED, headers={"If-None-Match": '"v1"'})

    assert poll.status_code == 304


def test_windows_are_shared_between_processes(client, feed_window):
    client.get(FEED)
    key = window_key("127.0.0.1", f"calendars:feed_program {FEED}")
    program = (
        "import django; django.setup();"
        "from tug_portal.common.aup import window_claim;"
        f"print(window_claim({key!r}, {feed_window}))"
    )

    other_process = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tug_portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert other_process.stdout.strip() == "False"
