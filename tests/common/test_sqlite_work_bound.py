"""tug_portal.common.statement_timeout on SQLite: the embedded database runs in the web thread
itself and has no `statement_timeout`, so an anonymous request's statements are bounded by the
CPU time they take (a progress handler), and one that runs out is the same clear 503 as on
PostgreSQL.

The slow statement is real, not mocked: an execute wrapper runs a recursive count to a hundred
million before the search's query, through the portal's own wrappers (so under the request's
bound).
"""

import contextlib
import time

import pytest
from django.db import connection

from tug_portal.meetings.demo import load_demo

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own bound")

TIMEOUT_MS = 200
COUNT_TO = 30_000_000  # seconds of SQLite's work, whatever the machine
SLOW_COUNT = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %s) "
    "SELECT count(*) FROM c"
)


@pytest.fixture
def demo_committed(transactional_db, settings):
    settings.TUG_PUBLIC_STATEMENT_TIMEOUT_MS = TIMEOUT_MS
    load_demo()


@contextlib.contextmanager
def slow_search(count_to: int = COUNT_TO):
    """Every query on the search documents is preceded by a count to `count_to`."""

    def wrapper(execute, sql, params, many, context):
        if "meetings_searchdocument" in sql:
            execute(SLOW_COUNT, [count_to], False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def test_anonymous_search_that_runs_out_of_work_is_a_clear_503(client, demo_committed):
    started = time.thread_time()
    with slow_search():
        response = client.get("/", {"q": "nalini", "when": "all"}, headers={"Accept": "text/html"})

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Try a narrower search" in response.text
    # The count was interrupted long before its end (it takes many seconds of CPU).
    assert time.thread_time() - started < 3


def test_htmx_search_that_runs_out_of_work_gets_the_message_in_place(client, demo_committed):
    with slow_search():
        response = client.get("/", {"q": "nalini"}, headers={"HX-Request": "true"})

    assert response.status_code == 503
    assert 'role="alert"' in response.text


def test_anonymous_search_within_the_bound_is_served(client, demo_committed):
    with slow_search(count_to=1_000):
        response = client.get("/", {"q": "nalini", "when": "all"})

    assert response.status_code == 200
    assert "tug-2018-10-16" in response.text


def test_staff_are_not_bounded(client, demo_committed, django_user_model, settings):
    settings.TUG_PUBLIC_STATEMENT_TIMEOUT_MS = 1
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    with slow_search(count_to=300_000):
        response = client.get("/", {"q": "nalini", "when": "all"})

    assert response.status_code == 200


def test_connection_is_unbounded_again_after_an_anonymous_request(client, demo_committed, settings):
    settings.TUG_PUBLIC_STATEMENT_TIMEOUT_MS = 1
    client.get("/", {"q": "nalini", "when": "all"})

    # The same thread's connection, after the request: a statement of more than a millisecond's
    # work runs to its end.
    with connection.cursor() as cursor:
        cursor.execute(SLOW_COUNT, [300_000])
        assert cursor.fetchone() == (300_000,)
