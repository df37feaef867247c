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
