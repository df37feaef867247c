"""Requests for feeds that name nothing: each a 404 for one small query at most, and nothing
kept by the process (the validators memo holds feeds that exist, and only so many)."""

import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tug_portal.calendars import feed_store

pytestmark = pytest.mark.usefixtures("no_aup")

RANDOM_FEEDS = 3000


def random_feed_url() -> str:
    return f"/calendar/{secrets.token_hex(8)}.ics"


def test_random_feed_urls_leave_the_validators_memo_bounded(client, built_feeds):
    client.get("/calendar/tug.ics")  # a real feed, remembered
    before = len(feed_store._recent_validators)

    statuses = {client.get(random_feed_url()).status_code for _ in range(RANDOM_FEEDS)}

    assert statuses == {404}
    assert len(feed_store._recent_validators) == before  # no miss remembered
    assert "tug" in feed_store._recent_validators


def test_validators_memo_is_a_bounded_lru(monkeypatch):
    monkeypatch.setattr(feed_store, "RECENT_VALIDATORS_MAX", 3)
    monkeypatch.setattr(feed_store, "_recent_validators", type(feed_store._recent_validators)())
    validators = feed_store.Validators(etag="0" * 32, last_modified=0.0)

    for key in ("a", "b", "c", "d"):
        feed_store._remember(key, validators)

    assert list(feed_store._recent_validators) == ["b", "c", "d"]


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/nope.ics",
        "/calendar/nope.ics?system=DRRS",
        "/calendar/tug.ics?system=NOPE",
        "/calendar/all.ics?system=NOPE",
        "/calendar/nope.ics?history=all",
    ],
)
def test_a_feed_naming_nothing_costs_one_small_query(client, built_feeds, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 404
    assert len(queries) <= 1, [query["sql"] for query in queries]
    assert all("SUM(" not in q["sql"] and "MAX(" not in q["sql"] for q in queries)


def test_a_poll_of_a_feed_naming_nothing_is_a_404_too(client, built_feeds):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(random_feed_url(), HTTP_IF_NONE_MATCH='"abc"')

    assert response.status_code == 404
    assert len(queries) <= 1
