import pytest
import time_machine

from tests.digest.activity import SEND_AT, week_of_activity
from tests.factories import make_digest_subscription, make_program
from tug_portal.digest.models import Digest
from tug_portal.meetings.models import System

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(SEND_AT.replace(day=1), tick=False):  # the Sunday before
        yield


def test_preview_shows_next_weeks_digest_for_any_programs_and_systems(staff_client):
    program = make_program()
    week_of_activity(program)
    drrs = System.objects.get(code="DRRS")

    response = staff_client.get(
        "/admin/digest/digest/preview/",
        {"programs": [program.pk], "systems": [drrs.pk], "time_zone": "America/New_York"},
    )

    assert response.status_code == 200
    result = response.context["result"]
    assert result["subject"] == "TUG weekly digest: February 23 - March 2, 2026"
    assert [section.key for section in result["sections"]] == [
        "upcoming",
        "announcements",
        "answered_requests",
    ]
    assert "(11:00 AM-12:00 PM Eastern, your time)" in result["text"]
    assert "DRRS release 4.2" in response.content.decode()
    # The send moment in the zone chosen, and in UTC (it said "UTC" of a Pacific time).
    assert "Monday, March 2, 2026, 08:00 (America/New_York)" in response.content.decode()
    assert "13:00 UTC" in response.content.decode()


def test_preview_shows_the_html_part_whole_in_its_frame_with_its_own_styles(staff_client, client):
    # Found from outside, twice: the HTML part went unescaped into the frame's srcdoc attribute,
    # which ended at its first quote; then, within srcdoc, the page's Content-Security-Policy
    # (style-src 'self') blocked the mail's inline styles and the frame's own size, and the
    # mail showed unstyled in a 300x150 box. The frame now loads the HTML part from a URL of its
    # own, whose policy lets the mail's styles apply and lets only this site frame it.
    program = make_program()
    week_of_activity(program)
    query = {"programs": [program.pk], "time_zone": "America/New_York"}

    page = staff_client.get("/admin/digest/digest/preview/", query).content.decode()
    frame = page.split("<iframe", 1)[1].split(">", 1)[0]
    assert "style=" not in frame and "srcdoc" not in frame and "sandbox" in frame
    src = frame.split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert src.startswith("/admin/digest/digest/preview/html/?")

    part = staff_client.get(src)
    assert part.status_code == 200 and part["Content-Type"] == "text/html; charset=utf-8"
    html = part.content.decode()
    assert html.startswith("<!doctype html>") and "DRRS release 4.2" in html and 'style="' in html
    policy = part["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "frame-ancestors 'self'" in policy
    assert "script-src 'self'" in policy
    assert part["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get(src).status_code == 302  # signed out: the admin's sign-in


def test_preview_refuses_a_zone_that_is_not_iana(staff_client):
    program = make_program()

    response = staff_client.get(
        "/admin/digest/digest/preview/", {"programs": [program.pk], "time_zone": "Eastern"}
    )

    assert response.status_code == 400
    assert "is not an IANA time zone" in response.content.decode()


def test_digest_list_counts_sent_skipped_and_failed_per_week(staff_client):
    program = make_program()
    states = ["sent", "sent", "skipped", "skipped", "skipped", "failed"]
    notes = [
        "",
        "",
        "nothing this week",
        "its day or hour changed",
        "digest turned off or unsubscribed",
        "421 try later",
    ]
    for n, (state, note) in enumerate(zip(states, notes, strict=True)):
        subscription = make_digest_subscription(f"s{n}@example.com", program)
        Digest.objects.create(
            subscription=subscription,
            week=SEND_AT.date(),
            due_at=SEND_AT,
            expires_at=SEND_AT,
            state=state,
            note=note,
        )

    response = staff_client.get("/admin/digest/digest/")

    assert response.status_code == 200
    (week,) = response.context["week_counts"]
    counted = ("sent", "empty", "replanned", "skipped", "failed")
    assert tuple(week[name] for name in counted) == (2, 1, 1, 1, 1)
    html = response.content.decode()
    assert 'id="digest-week-counts"' in html
    assert ">Replanned</th>" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Pacific Time", "“Pacific Time” is not an IANA time zone"),
        ("hour", "25", "Ensure this value is less than or equal to 23."),
        ("weekday", "lundi", "Select a valid choice. lundi is not one of the available choices."),
    ],
)
def test_the_admin_refuses_bad_preference_values_and_saves_nothing(
    staff_client, field, value, message
):
    subscription = make_digest_subscription("ann@example.com", make_program(), enabled=False)
    preference = subscription.digest_preference
    data = {"subscription": subscription.pk, "enabled": "on", "weekday": "4", "hour": "9"}
    data = {**data, "time_zone": "Europe/Berlin", field: value}

    response = staff_client.post(f"/admin/digest/digestpreference/{preference.pk}/change/", data)

    assert response.status_code == 200  # the admin shows its form again with the errors
    assert message in response.content.decode()
    preference.refresh_from_db()
    assert (preference.enabled, preference.weekday, preference.hour) == (False, 0, 8)
    assert preference.time_zone == "America/Los_Angeles"
