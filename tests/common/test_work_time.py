"""The work a request is charged for (common/work_time.py): its CPU and database time, not the
wall time a loaded machine stretches."""

import time

import pytest
from django.db import connection

from tug_portal.common.work_time import counting_database_time, work_seconds


def test_waiting_is_not_work():
    started = work_seconds()
    time.sleep(0.3)  # what a descheduled thread on a loaded machine looks like
    assert work_seconds() - started < 0.1


def test_computing_is_work():
    # Spin for 0.1 s of this thread's CPU (not of the wall clock: on a loaded machine the
    # thread would get less of it than the wall clock shows).
    started = work_seconds()
    cpu_started = time.thread_time()
    while time.thread_time() - cpu_started < 0.1:
        pass
    assert work_seconds() - started >= 0.1


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL works in its own process")
def test_waiting_on_the_database_is_work():
    with counting_database_time(), connection.cursor() as cursor:
        started = work_seconds()
        cursor.execute("SELECT pg_sleep(0.3)")
        assert work_seconds() - started >= 0.3
    started = work_seconds()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.1)")  # outside a request: not counted
    assert work_seconds() - started < 0.1
