"""The acceptable use policy on the real public endpoints: feeds, .ics downloads, the forms,
the API (the mechanism itself: tests/common/test_aup.py)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

from tug_portal.common.aup import refusal_message
from tug_portal.meetings.demo import load_demo

pytestmark = pytest.mark.django_db

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
SEED = "/meetings/tug-2018-10-16/"
AGENDA_REQUEST = "/programs/tug/agenda-request/?meeting=tug-2018-10-16"
T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)


@pytest.fixture
def demo():
    load_demo()


def agenda_request(topic="DRRS API rate limits"):
    return {"name": "Ada Lovelace", "email": "ada@example.com", "topic": topic}


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/all.ics",
        "/calendar/tug.ics",
        "/calendar/all.ics?system=DRRS",
        "/meetings/tug-2018-10-16.ics",
        "/announcements/feed/",
    ],
)
def test_feed_twice_within_window_is_refused_in_the_policys_words(client, demo, path):
    first = client.get(path)

    second = client.get(path)

    window = settings.TUG_AUP_FEED_WINDOW
    assert first.status_code == 200
    assert second.status_code == 429
    assert second["Retry-After"] == str(window)
    assert second.content.decode() == refusal_message(window) + "\n"


def test_other_feeds_stay_available_within_a_window(client, demo):
    client.get("/calendar/tug.ics")

    answers = [
        client.get(path).status_code
        for path in ("/calendar/cpg.ics", "/calendar/all.ics", "/calendar/tug.ics?alarm=30")
    ]

    assert answers == [200, 200, 200]


def test_calendar_client_polling_with_its_etag_is_never_refused(client, demo):
    etag = client.get("/calendar/tug.ics")["ETag"]

    polls = [
        client.get("/calendar/tug.ics", headers={"If-None-Match": etag}).status_code
        for _ in range(3)
    ]

    assert polls == [304, 304, 304]


def test_early_repeat_of_a_feed_restarts_its_window(client, demo):
    window = timedelta(seconds=settings.TUG_AUP_FEED_WINDOW)
    answers = []
    for moment in (T0, T0 + window / 2, T0 + window * 1.4, T0 + window * 2.5):
        with time_machine.travel(moment, tick=False):
            answers.append(client.get("/calendar/tug.ics").status_code)

    assert answers == [200, 429, 429, 200]


def test_agenda_request_sent_twice_within_window_is_refused(client, demo):
    first = client.post(AGENDA_REQUEST, agenda_request())

    second = client.post(AGENDA_REQUEST, agenda_request("Another topic"), headers=BROWSER)

    window = settings.TUG_AUP_FORM_WINDOW
    assert first.status_code == 302
    assert second.status_code == 429
    assert second["Retry-After"] == str(window)
    assert refusal_message(window) in second.content.decode()


def test_agenda_request_with_a_mistake_can_be_corrected_at_once(client, demo):
    mistake = client.post(AGENDA_REQUEST, {**agenda_request(), "email": "not-an-address"})

    corrected = client.post(AGENDA_REQUEST, agenda_request())

    assert mistake.status_code == 422
    assert corrected.status_code == 302


def test_pages_stay_available_while_a_form_window_runs(client, demo):
    client.post(AGENDA_REQUEST, agenda_request())

    answers = [
        client.get(path).status_code
        for path in (AGENDA_REQUEST, SEED, "/", "/calendar/tug.ics", "/api/v1/programs")
    ]

    assert answers == [200, 200, 200, 200, 200]


def test_subscribing_twice_within_window_is_refused(client, demo):
    form = {"email": "ada@example.com", "program": "tug"}
    first = client.post("/subscriptions/new/?program=tug", form)

    second = client.post("/subscriptions/new/?program=cpg", {**form, "program": "cpg"})

    assert first.status_code == 302
    assert second.status_code == 429


def test_api_resource_twice_within_window_is_refused_in_json(client, demo):
    client.get("/api/v1/programs")

    refused = client.get("/api/v1/programs")
    other = client.get("/api/v1/meetings")

    assert refused.status_code == 429
    assert refused.json() == {"detail": refusal_message(settings.TUG_AUP_API_WINDOW)}
    assert other.status_code == 200


def test_api_schema_is_not_limited(client, demo):
    answers = [client.get("/api/v1/openapi.json").status_code for _ in range(3)]

    assert answers == [200, 200, 200]


def test_staff_are_never_refused(client, demo, admin_user):
    client.force_login(admin_user)

    answers = [client.get("/calendar/tug.ics").status_code for _ in range(3)]

    assert answers == [200, 200, 200]
