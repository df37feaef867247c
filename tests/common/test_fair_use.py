"""What a request costs the fair-use budgets: its time, and whose budget it is (fair_use.py).
The endpoints' scenarios: tests/hardening/test_fair_use_endpoints.py."""

import logging
import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.utils.log import log_response

from tests.common import fair_use_urls
from tug_portal.common import budgets, fair_use
from tug_portal.common.clients import client_ip

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.fair_use_urls")]

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """Simulated time for the buckets and for timing the views alike."""
    budgets.forget_all()
    monkeypatch.setattr(fair_use, "work_clock", time.time)
    with time_machine.travel(T0, tick=False) as traveller:
        fair_use_urls.work["traveller"] = traveller
        yield traveller
    budgets.forget_all()


def one_a_second(client, path: str, seconds: int, **headers) -> list[int]:
    answers = []
    for _ in range(seconds):
        answers.append(client.get(path, **headers).status_code)
        fair_use_urls.work["traveller"].shift(1)
    return answers


def test_client_whose_every_request_is_expensive_is_refused_after_a_bounded_cost(client, clock):
    fair_use_urls.work["seconds"] = 0.5  # each request keeps a worker busy for half a second
    answers = one_a_second(client, "/slow/", 60)
    admitted = answers.count(200)
    # The pages' service bucket: 60 tokens held, 120 a minute, a debt of at most 60; a token is
    # 25 ms of work. A minute of these requests may not take more than about 6 s of work.
    bound = (60 + 120 + 60) * 0.025
    assert 429 in answers
    assert admitted * 0.5 <= bound + 0.5


def test_cheap_requests_at_the_same_rate_are_never_refused(client, clock):
    assert set(one_a_second(client, "/cheap/", 300)) == {200}


def test_quick_requests_cost_no_more_than_before(client, clock):
    fair_use_urls.work["seconds"] = 0.02  # under the free time
    assert set(one_a_second(client, "/slow/", 300)) == {200}


def test_signed_in_requests_are_not_charged_for_their_time(client, clock, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x")
    client.force_login(user)
    fair_use_urls.work["seconds"] = 0.5
    assert set(one_a_second(client, "/slow/", 60)) == {200}


def test_slow_form_posts_are_counted_by_number_not_by_time(client, clock):
    # A person saving a form on a busy server: each POST keeps the worker for a second. The
    # forms' budget (20 a minute, bursts of 20 per URL) counts them; their time must not spend
    # it, or the second save is refused (CI caught a 422 followed by a 429 this way).
    fair_use_urls.work["seconds"] = 1.0
    answers = []
    for _ in range(10):
        answers.append(client.post("/slow/").status_code)
        fair_use_urls.work["traveller"].shift(5)
    assert set(answers) == {200}


def test_ipv6_addresses_of_one_slash_64_share_one_budget(client, clock):
    for host in range(1, 200):
        answer = client.get("/cheap/", REMOTE_ADDR=f"2001:db8:1:2::{host:x}")
        if answer.status_code == 429:
            break
    assert answer.status_code == 429
    assert client.get("/cheap/", REMOTE_ADDR="2001:db8:1:3::1").status_code == 200
    assert client.get("/cheap/", REMOTE_ADDR="192.0.2.1").status_code == 200


def test_budget_address_cuts_ipv6_to_its_slash_64_and_keeps_ipv4():
    assert fair_use.budget_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert fair_use.budget_address("192.0.2.7") == "192.0.2.7"
    assert fair_use.budget_address("::ffff:192.0.2.7") == "192.0.2.7"
    assert fair_use.budget_address("not an address") == "not an address"


def test_client_ip_keeps_the_real_ipv6_address_for_the_logs(rf):
    request = rf.get("/", REMOTE_ADDR="2001:db8:1:2::5")
    assert client_ip(request) == "2001:db8:1:2::5"


def test_busy_refusals_are_one_warning_line_not_an_error_each(rf, caplog):
    # Every throttle on the logger let through afresh: a test that configures logging again
    # (a Celery worker's start) adds one more filter, which may have passed a line just now.
    for throttle in logging.getLogger("tug_portal.common.fair_use.busy").filters:
        throttle.passed_at = None
    with caplog.at_level(logging.INFO):
        for _ in range(50):
            response = fair_use.busy_response(rf.get("/?q=drrs"), retry_after=2)
            log_response("Service Unavailable: %s", "/", response=response, request=rf.get("/"))

    assert response.status_code == 503
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "refused an anonymous search" in caplog.records[0].getMessage()
