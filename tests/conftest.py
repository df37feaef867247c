import pytest
from django.core.cache import cache

from tests.support.celery_worker import WorkerProcess
from tug_portal.celery import app as celery_app


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with an empty cache (acceptable-use counters, stored feeds' keys)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """Start real Celery worker processes: `celery_worker()` or `celery_worker(env={...})`.
    Every worker started is stopped at the end of the test."""
    celery_app.control.purge()
    workers: list[WorkerProcess] = []

    def start(env: dict[str, str] | None = None, concurrency: int = 1) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, env=env, concurrency=concurrency).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
