"""Bad input gets a 4xx with a message that says what is wrong, and writes nothing."""

import pytest

from tests.support.demo import SEED_SLUG as SEED
from tug_portal.meetings.models import AgendaRequest, AgendaTopic, Meeting
from tug_portal.reminders.models import Subscriber

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


def test_over_long_agenda_request_is_refused_with_a_message(client, demo):
    form = {"name": "Ada", "email": "ada@example.com", "topic": "x" * 301}

    response = client.post(f"/programs/tug/agenda-request/?meeting={SEED}", form)

    assert response.status_code == 422
    assert "Ensure this value has at most 300 characters (it has 301)." in text_of(response)
    assert AgendaRequest.objects.count() == 0


def test_over_long_subscription_address_is_refused_with_a_message(client, demo):
    form = {"email": f"{'a' * 250}@example.com", "program": "tug"}

    response = client.post("/subscriptions/new/?program=tug", form)

    assert response.status_code == 400
    assert "Ensure this value has at most 254 characters" in text_of(response)
    assert Subscriber.objects.count() == 0


def test_unreadable_feed_options_are_refused_with_a_message(client, demo):
    response = client.get("/calendar/all.ics", {"history": "forever"})

    assert response.status_code == 400
    assert "history can only be 'all'" in response.content.decode()


def test_unreadable_api_parameters_are_refused_in_json(client, demo):
    response = client.get("/api/v1/meetings", {"from": "next tuesday"})

    assert response.status_code == 422
    assert response.json()["detail"].startswith("from: ")


def admin_edit(meeting, *, title, topic_title) -> dict:
    local_start, local_end = meeting.local_start, meeting.local_end
    topic = meeting.topics.first()
    return {
        "program": meeting.program_id,
        "title": title,
        "slug": meeting.slug,
        "status": meeting.status,
        "is_published": "on",
        "date": local_start.date().isoformat(),
        "start_time": local_start.strftime("%H:%M"),
        "end_time": local_end.strftime("%H:%M"),
        "time_zone": meeting.time_zone,
        "is_recorded": "on",
        "topics-TOTAL_FORMS": "1",
        "topics-INITIAL_FORMS": "1",
        "topics-0-id": topic.pk,
        "topics-0-meeting": meeting.pk,
        "topics-0-order": topic.order,
        "topics-0-title": topic_title,
        "dial_ins-TOTAL_FORMS": "0",
        "dial_ins-INITIAL_FORMS": "0",
        "materials-TOTAL_FORMS": "0",
        "materials-INITIAL_FORMS": "0",
    }


def test_admin_edit_with_one_bad_field_saves_nothing_and_says_why(admin_client, demo):
    meeting = Meeting.objects.get(slug=SEED)
    form = admin_edit(meeting, title="TUG (renamed)", topic_title="x" * 301)

    response = admin_client.post(f"/admin/meetings/meeting/{meeting.pk}/change/", form)

    assert response.status_code == 200
    assert "Ensure this value has at most 300 characters (it has 301)." in text_of(response)
    meeting.refresh_from_db()
    assert meeting.title == "Technology User Group"
    assert AgendaTopic.objects.filter(meeting=meeting, title="x" * 301).count() == 0


NUL_QUERIES = [
    "/subscriptions/new/?program=%00",
    "/subscriptions/new/?meeting=%00",
    "/subscriptions/new/?system=%00",
    "/programs/tug/agenda-request/?meeting=%00",
    "/meetings/?q=tug%00",
    "/api/v1/meetings?program=%00",
    "/calendar/all.ics?program=%00",
]


@pytest.mark.parametrize("url", NUL_QUERIES)
def test_a_nul_character_in_a_query_is_refused_with_a_message(client, demo, url):
    response = client.get(url)

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_character_in_a_form_is_refused_and_writes_nothing(client, demo):
    form = {"email": "ada@example.com", "program": "tug\0"}

    response = client.post("/subscriptions/new/?program=tug", form)

    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert Subscriber.objects.count() == 0
