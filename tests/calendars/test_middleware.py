"""FeedNotModifiedMiddleware: a subscribed calendar's poll is answered before the stack."""

import pytest
from django.core.cache import cache

from tug_portal.calendars import feed_store, serving

pytestmark = pytest.mark.usefixtures("no_aup")


def _feed_views_unreachable(monkeypatch):
    """From now on, any request that reaches a feed view fails the test."""

    def unreachable(request, **kwargs):
        raise AssertionError("the poll reached the view")

    monkeypatch.setattr(serving, "feed_response", unreachable)


def test_poll_with_the_current_etag_is_answered_before_the_view(built_feeds, client, monkeypatch):
    gzip = {"Accept-Encoding": "gzip"}
    etag = client.get("/calendar/tug.ics?alarm=30", headers=gzip)["ETag"]
    _feed_views_unreachable(monkeypatch)

    response = client.get("/calendar/tug.ics?alarm=30", headers={"If-None-Match": etag, **gzip})

    assert response.status_code == 304
    assert response["ETag"] == etag
    assert response["Vary"] == "Accept-Encoding"
    assert response["Cache-Control"] == "public, max-age=300"
    # The middlewares before it still put their headers on the answer.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_poll_of_all_programs_by_date_is_answered_before_the_view(built_feeds, client, monkeypatch):
    last_modified = client.get("/calendar/all.ics")["Last-Modified"]
    _feed_views_unreachable(monkeypatch)

    response = client.get("/calendar/all.ics", headers={"If-Modified-Since": last_modified})

    assert response.status_code == 304


def test_poll_with_an_old_etag_goes_on_to_the_view(built_feeds, client):
    client.get("/calendar/tug.ics")

    response = client.get("/calendar/tug.ics", headers={"If-None-Match": '"an-old-copy"'})

    assert response.status_code == 200


def test_poll_with_a_bad_query_gets_the_views_message(built_feeds, client):
    client.get("/calendar/tug.ics")

    response = client.get("/calendar/tug.ics?history=some", headers={"If-None-Match": "*"})

    assert response.status_code == 400
    assert "history can only be 'all'" in response.content.decode()


def test_one_meeting_calendar_is_left_to_its_view(built_feeds, client):
    response = client.get("/meetings/no-such-meeting.ics", headers={"If-None-Match": "*"})

    assert response.status_code == 404


def test_download_right_after_serving_needs_no_cache_read(built_feeds, client):
    first = client.get("/calendar/tug.ics")
    cache.clear()

    again = client.get("/calendar/tug.ics")

    assert again.status_code == 200
    assert again["ETag"] == first["ETag"]
    assert cache.get(feed_store._feed_cache_key("tug")) is None


def test_poll_with_a_copy_newer_than_this_process_knows_asks_the_cache(built_feeds, client):
    client.get("/calendar/tug.ics")  # this process now knows the current validators
    newer = feed_store.Validators(etag="built-by-another-worker", last_modified=2e9)
    # Another worker's build: published to the cache, not to this process's memory.
    cache.set(feed_store._feed_cache_key("tug"), newer)

    response = client.get(
        "/calendar/tug.ics", headers={"If-None-Match": '"built-by-another-worker"'}
    )

    assert response.status_code == 304


@pytest.mark.parametrize(
    "forged",
    [
        {"If-None-Match": "*"},  # matches any copy: no calendar client sends it
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},  # a date still to come
    ],
    ids=["any-etag", "future-date"],
)
def test_a_poll_no_calendar_client_sends_gets_the_full_answer_which_budgets_count(
    built_feeds, client, forged
):
    """A 304 is never refused (a poll costs a shared address almost nothing), so an attacker
    sent `If-None-Match: *` or a date in 2100 on every request: 800 answers a second from one
    address, none counted (found from outside). Neither is a copy the client holds: the full
    feed (RFC 7232 §3.3: a date later than the server's clock is invalid; a 304 to `*` is a
    SHOULD)."""
    client.get("/calendar/tug.ics")

    response = client.get("/calendar/tug.ics", headers=forged)

    assert response.status_code == 200
    assert b"BEGIN:VCALENDAR" in b"".join(response.streaming_content)
