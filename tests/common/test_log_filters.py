"""Lines a flood would repeat are logged once every few seconds (common/log_filters.py)."""

import logging
import sys

import pytest
import time_machine

from tug_portal.common.log_filters import OncePerInterval


def test_one_record_passes_per_interval_with_the_count_held_back():
    once = OncePerInterval(seconds=10)
    records = [logging.makeLogRecord({"msg": "Invalid HTTP_HOST header"}) for _ in range(6)]

    with time_machine.travel(0, tick=False) as clock:
        passed = [once.filter(record) for record in records[:5]]
        clock.shift(11)
        passed.append(once.filter(records[5]))

    assert passed == [True, False, False, False, False, True]
    assert records[5].getMessage() == "Invalid HTTP_HOST header (and 4 more like it, not logged)"


@pytest.mark.django_db
def test_a_flood_of_wrong_host_headers_writes_one_line_without_a_traceback(client, caplog):
    logging.getLogger("django.security.DisallowedHost").filters[0].passed_at = None
    with caplog.at_level(logging.INFO):
        answers = {client.get("/", HTTP_HOST="evil.example").status_code for _ in range(20)}

    assert answers == {400}
    lines = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert len(lines) == 1
    assert lines[0].exc_info is None


@pytest.mark.django_db
def test_a_refused_page_writes_one_line_without_a_traceback(staff_client, caplog):
    """Found from outside: every 403 wrote Django's WARNING with a 45-line traceback, so a
    signed-in user repeating a refused request filled the log."""
    with caplog.at_level(logging.INFO):
        answers = {staff_client.get("/admin/auth/user/").status_code for _ in range(3)}

    assert answers == {403}
    lines = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in lines] == [
        "Forbidden (Permission denied): /admin/auth/user/"
    ] * 3
    assert all(r.exc_info is None and r.exc_text is None for r in lines)


def test_a_server_error_keeps_its_traceback():
    from tug_portal.common.log_filters import NoClientErrorTracebacks

    try:
        raise RuntimeError("broken")
    except RuntimeError:
        failure = sys.exc_info()
    refused = logging.makeLogRecord({"msg": "Forbidden", "status_code": 403, "exc_info": failure})
    failed = logging.makeLogRecord({"msg": "Server Error", "status_code": 500, "exc_info": failure})

    for record in (refused, failed):
        assert NoClientErrorTracebacks().filter(record)
    assert (refused.exc_info, failed.exc_info) == (None, failure)


@pytest.mark.django_db
def test_a_flood_of_too_many_fields_writes_one_line_without_a_traceback(client, caplog):
    """Found from outside: each request with 1,000 fields wrote Django's ERROR with a 30-line
    traceback (2.8 KB of log a request, anonymous, never refused)."""
    logging.getLogger("django.security.TooManyFieldsSent").filters[0].passed_at = None
    with caplog.at_level(logging.INFO):
        answers = {client.get("/?" + "a=1&" * 1001).status_code for _ in range(20)}

    assert answers == {400}
    lines = [r for r in caplog.records if r.name.startswith("django.security.")]
    assert len(lines) == 1
    assert lines[0].exc_info is None


@pytest.mark.django_db
def test_a_long_missing_address_is_logged_cut_short(client, caplog):
    """Found from outside: a 60,000-letter path wrote 120 KB of log per 404."""
    with caplog.at_level(logging.INFO):
        answer = client.get("/x" + "a" * 60_000)

    assert answer.status_code == 404
    (line,) = [r for r in caplog.records if r.name == "django.request"]
    assert len(line.getMessage()) < 400
    assert line.getMessage().startswith("Not Found: /xaaa")
    assert "(60002 characters)" in line.getMessage()


@pytest.mark.django_db
def test_a_flood_of_forged_posts_writes_one_short_line(caplog):
    """Found from outside: each CSRF refusal logged its whole path and Origin header (120 KB
    for a 60 KB path), anonymous, every time."""
    from django.test import Client

    forger = Client(enforce_csrf_checks=True)
    logging.getLogger("django.security.csrf").filters[0].passed_at = None
    with caplog.at_level(logging.INFO):
        answers = {
            forger.post(
                "/meetings/" + "x" * 60_000 + "/", HTTP_ORIGIN="https://" + "o" * 8000
            ).status_code
            for _ in range(5)
        }

    assert answers == {403}
    lines = [r for r in caplog.records if r.name == "django.security.csrf"]
    assert len(lines) <= 1
    assert all(len(r.getMessage()) < 1000 for r in lines)


def test_a_text_is_cut_once_however_many_times_the_filter_runs():
    from tug_portal.common.log_filters import NoClientErrorTracebacks

    record = logging.makeLogRecord(
        {"msg": "Not Found: %s", "args": ("/" + "a" * 999,), "status_code": 404}
    )
    for _ in range(3):
        NoClientErrorTracebacks().filter(record)

    assert record.getMessage().endswith("… (1000 characters)")
