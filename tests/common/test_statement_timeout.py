"""tug_portal.common.statement_timeout: on PostgreSQL an anonymous request's queries run under a
`statement_timeout`, and one that runs out of time is a 503 that tells the visitor what to do.

A slow search is made real, not mocked: an execute wrapper installed by the test runs
`pg_sleep` through the portal's own wrappers (so under the request's limit) before the search's
query, and the server cancels it. These run in autocommit (`transactional_db`), as requests do.
"""

import contextlib

import pytest
from django.db import connection

from tug_portal.meetings.demo import load_demo

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's"
)

TIMEOUT_MS = 200


@pytest.fixture
def demo_committed(transactional_db, settings):
    settings.TUG_PUBLIC_STATEMENT_TIMEOUT_MS = TIMEOUT_MS
    load_demo()


@contextlib.contextmanager
def slow_search(seconds: float):
    """Every query on the search documents is preceded by a `pg_sleep` of `seconds`."""

    def wrapper(execute, sql, params, many, context):
        if "meetings_searchdocument" in sql:
            execute("SELECT pg_sleep(%s)", [seconds], False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def session_statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def test_anonymous_search_that_runs_out_of_time_is_a_clear_503(client, demo_committed):
    with slow_search(1.0):
        response = client.get("/", {"q": "nalini", "when": "all"}, headers={"Accept": "text/html"})

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Try a narrower search" in response.text


def test_htmx_search_that_runs_out_of_time_gets_the_message_in_place(client, demo_committed):
    with slow_search(1.0):
        response = client.get("/", {"q": "nalini"}, headers={"HX-Request": "true"})

    assert response.status_code == 503
    assert 'role="alert"' in response.text
    assert "narrower search" in response.text


def test_anonymous_search_within_the_limit_is_served(client, demo_committed):
    with slow_search(0.01):
        response = client.get("/", {"q": "nalini", "when": "all"})

    assert response.status_code == 200
    assert "tug-2018-10-16" in response.text


def test_staff_are_not_limited(client, demo_committed, django_user_model):
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    staff_client = client
    with slow_search(0.5):
        response = staff_client.get("/", {"q": "nalini", "when": "all"})

    assert response.status_code == 200


def test_connection_is_unlimited_again_after_an_anonymous_request(client, demo_committed):
    before = session_statement_timeout()

    client.get("/", {"q": "nalini", "when": "all"})

    assert session_statement_timeout() == before == "0"


def test_limit_is_set_only_when_the_request_queries(client, demo_committed):
    # A page from the page cache runs no query, so no SET either (and opens no connection).
    client.get("/")
    executed = []

    def spy(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    connection.close()
    with connection.execute_wrapper(spy):
        response = client.get("/")

    assert response.status_code == 200
    assert executed == []
    assert connection.connection is None
