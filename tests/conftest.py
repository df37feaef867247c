import os
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache, caches
from django.test import Client

from tests.support.bulk import bulk_meetings
from tests.support.celery_worker import WorkerProcess
from tests.support.demo import DAY_AFTER_SEED
from tug_portal.calendars import event_store, feed_store, layout_store
from tug_portal.celery import app as celery_app
from tug_portal.common import budgets, distinct_targets, fair_use_gate, health, slots
from tug_portal.common.staff import ensure_iso_staff_group, ensure_iso_viewer_group
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Program
from tug_portal.web import reference

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def forget_held_calendars():
    """What this process holds of feeds between requests: the same archive at the same moment
    builds the same ETags, so one test's bytes or layouts must not answer the next's."""
    feed_store.forget_held()
    layout_store.forget_held_layouts()
    event_store.forget_held()


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with an empty cache (stored feeds' keys, fair-use budgets and slots)
    and nothing of a feed held by this process."""
    cache.clear()
    caches["rows"].clear()
    caches["searched_pages"].clear()
    reference.forget()
    budgets.forget_all()
    health.forget_banner_heartbeat()
    slots.forget_all()
    fair_use_gate.forget_all()
    distinct_targets.forget_all()
    forget_held_calendars()
    yield
    cache.clear()
    caches["rows"].clear()
    caches["searched_pages"].clear()
    reference.forget()
    budgets.forget_all()
    slots.forget_all()
    fair_use_gate.forget_all()
    distinct_targets.forget_all()
    forget_held_calendars()


@pytest.fixture
def demo_now():
    """When the `demo` fixture is seen. A package or module that needs another moment says so
    by overriding this fixture (tests/api does)."""
    return DAY_AFTER_SEED


@pytest.fixture
def demo(db, time_machine, demo_now, django_capture_on_commit_callbacks):
    """The seed agenda and its upcoming meetings (tests/support/demo.py lists them), with the
    clock frozen at `demo_now` for the whole test, loaded as one committed transaction would
    leave them: its on-commit work has run (each meeting's calendar state synced, consumers
    told). Returns load_demo's counts."""
    time_machine.move_to(demo_now, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        return load_demo()


@pytest.fixture
def make_meetings(db):
    """`make_meetings(count, program=..., start=...)`: published meetings a week apart, each with
    a topic about a system, led by a facilitator; bulk-created, as a large history would be."""

    def make(count: int, *, program: Program | None = None, start: date = date(2018, 1, 2)):
        return bulk_meetings(program or Program.objects.get(slug="tug"), count, first_day=start)

    return make


def _signed_in_client(users, username: str, group) -> Client:
    user = users.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(group)
    browser = Client()
    browser.force_login(user)
    browser.user = user
    return browser


@pytest.fixture
def staff_client(db, django_user_model):
    """A second browser, signed in as ISO staff (a staff user in the ISO staff group, who edits
    program content); the `client` fixture stays anonymous. The user is `staff_client.user`."""
    return _signed_in_client(django_user_model.objects, "editor", ensure_iso_staff_group())


@pytest.fixture
def editor(db, django_user_model):
    """A staff user who signs in through the login form: "editor", password "right-horse" (in
    no group: for what logging in does; `staff_client` is for what staff may edit)."""
    return django_user_model.objects.create_user("editor", password="right-horse", is_staff=True)


@pytest.fixture
def viewer_client(db, django_user_model):
    """A browser signed in as an ISO viewer (a staff user in the view-only "ISO viewer" group:
    sees what ISO staff see, changes nothing). The user is `viewer_client.user`."""
    return _signed_in_client(django_user_model.objects, "viewer", ensure_iso_viewer_group())


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
