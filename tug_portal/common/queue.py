"""Queueing Celery tasks from web requests without ever failing the request.

A broker outage must not break an edit that is already committed: the task is not queued, a
warning is logged, and the beat sweeps (which compare stored state with the data) catch up once
the broker is back.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> bool:
    """Queue `task` now; False (and a warning) when the broker cannot be reached."""
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (OperationalError, ConnectionError, OSError) as error:
        logger.warning(
            "Broker unreachable, %s not queued (the sweep will catch up): %s", task.name, error
        )
        return False
    return True


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs), robust=True)
