"""Counting the queries of one request, whatever the request does to Django's own query log
(each request resets it)."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def counted_queries():
    """`with counted_queries() as queries: ...`; then `len(queries)` and the SQL of each."""
    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield queries


def signed_in(queries_with_session_from_the_database: int) -> int:
    """A signed-in request's query count, given as it is where sessions are read from the
    database (embedded): where they are read from the cache (`cached_db`, when the cache is
    Redis: settings.py), the session is no query."""
    from django.conf import settings

    read_from_cache = settings.SESSION_ENGINE.endswith("cached_db")
    return queries_with_session_from_the_database - (1 if read_from_cache else 0)
