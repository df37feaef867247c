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


def signed_in(queries_with_session_and_user_from_the_database: int, *, first=False) -> int:
    """A signed-in request's query count, given as it would be with its session and its user
    read from the database. The session comes from the cache (`cached_db`: signing in wrote it
    there) and so does the user, once a first request has read it (`first`: this request is
    that first one; `common.auth.CachedUserBackend`), on every stack."""
    return queries_with_session_and_user_from_the_database - (1 if first else 2)
