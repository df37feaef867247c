import os
from pathlib import Path

import pytest
from django.core.cache import cache

from tests.support.celery_worker import WorkerProcess
from tug_portal.celery import app as celery_app
from tug_portal.common import budgets, slots

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with an empty cache (stored feeds' keys, fair-use budgets and slots)."""
    cache.clear()
    budgets.forget_all()
    slots.forget_all()
    yield
    cache.clear()
    budgets.forget_all()
    slots.forget_all()


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


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser). Missing, the browser
    tests skip, unless TUG_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("TUG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"TUG_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django would otherwise refuse
    # the test's own database calls (fixtures, flush) as made "from an async context".
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
