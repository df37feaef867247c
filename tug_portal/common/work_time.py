"""How much work a request has caused, for the fair-use budgets' time cost (fair_use.py).

Wall time measured the machine as much as the request: on a loaded server every page took
longer, and a person's second save or third page was refused for the server's slowness. What a
request costs is the CPU time of the thread serving it plus the time it waited on the database
(where a search's work is done on PostgreSQL). Neither grows because other processes share
the cores; a flood of expensive requests still spends its budget by the work it causes.
"""

import threading
import time
from contextlib import contextmanager

from django.db import connection

_waited = threading.local()  # seconds this thread has waited on the database, ever


def work_seconds() -> float:
    """A clock of this thread's work: differences between two readings are what it cost."""
    return time.thread_time() + getattr(_waited, "seconds", 0.0)


def _timed(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        _waited.seconds = getattr(_waited, "seconds", 0.0) + time.perf_counter() - started


@contextmanager
def counting_database_time():
    """Around a request: its queries' wall time counts in `work_seconds` (the default database;
    the portal uses no other). SQLite works in this thread, so its CPU time is counted already."""
    if connection.vendor == "sqlite":
        yield
        return
    with connection.execute_wrapper(_timed):
        yield
