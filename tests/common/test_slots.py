"""The cap on expensive anonymous work (slots.py): atomic across processes on Redis, exact within
the process without it (the embedded default). Run on Redis too (CACHE_URL=redis://...)."""

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.support.processes import run_python
from tug_portal.common import slots

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)


@pytest.fixture
def two_search_slots(settings):
    settings.TUG_FAIR_USE_SLOTS = {"search": 2, "render": 4}


def test_pool_refuses_beyond_its_capacity_and_frees_a_released_slot(two_search_slots):
    with slots.slot("search"), slots.slot("search"):
        with pytest.raises(slots.PoolFull) as full, slots.slot("search"):
            pass
        with slots.slot("render"):  # another pool is not affected
            pass

    with slots.slot("search"):
        pass
    assert full.value.retry_after >= 1


def test_slot_given_back_when_the_work_fails(two_search_slots):
    for _ in range(3):
        with pytest.raises(RuntimeError), slots.slot("search"):
            raise RuntimeError("the search failed")

    with slots.slot("search"), slots.slot("search"):
        pass


def test_slot_of_a_process_that_died_is_freed_after_its_lease(two_search_slots, settings):
    store = slots._store()
    with time_machine.travel(T0, tick=False) as clock:
        store.take("search", "dead-1", 2, settings.TUG_FAIR_USE_SLOT_LEASE_SECONDS)
        store.take("search", "dead-2", 2, settings.TUG_FAIR_USE_SLOT_LEASE_SECONDS)
        with pytest.raises(slots.PoolFull), slots.slot("search"):
            pass

        clock.shift(timedelta(seconds=settings.TUG_FAIR_USE_SLOT_LEASE_SECONDS + 1))
        with slots.slot("search"):
            pass


def hold_slots_from_threads(count: int, rounds: int = 20) -> tuple[int, int]:
    """`count` threads take and hold search slots `rounds` times each, at the same moments: the
    most held at once and how many times a thread was refused."""
    holding, most, refused = [0], [0], [0]
    lock = threading.Lock()
    start = threading.Barrier(count)

    def work():
        start.wait()
        for _ in range(rounds):
            try:
                with slots.slot("search"):
                    with lock:
                        holding[0] += 1
                        most[0] = max(most[0], holding[0])
                    time.sleep(0.001)
                    with lock:
                        holding[0] -= 1
            except slots.PoolFull:
                with lock:
                    refused[0] += 1

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return most[0], refused[0]


def test_threads_never_hold_more_slots_than_the_cap(two_search_slots):
    most, refused = hold_slots_from_threads(12)

    assert most == 2
    assert refused > 0


def test_as_many_searchers_as_the_cap_are_never_refused(two_search_slots):
    most, refused = hold_slots_from_threads(2, rounds=50)

    assert most <= 2
    assert refused == 0


@pytest.mark.parametrize(
    ("workers", "renders", "searches"), [("1", 1, 1), ("2", 1, 1), ("4", 2, 1), ("9", 4, 2)]
)
def test_caps_are_half_and_a_quarter_of_the_web_processes_at_least_one(workers, renders, searches):
    environment = {**os.environ, "WEB_CONCURRENCY": workers, "TUG_EMBEDDED": "1"}
    for unset in ("TUG_FAIR_USE_SEARCH_SLOTS", "TUG_FAIR_USE_RENDER_SLOTS"):
        environment.pop(unset, None)
    environment.pop("TUG_IMPORT_READ_SLOTS", None)
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    read = "from tug_portal import settings; print(settings.TUG_FAIR_USE_SLOTS)"
    caps = run_python(read, env=environment).stdout

    # Agenda readings (staff's uploads, importer/bounded.py) do not scale with the web workers.
    assert caps.strip() == str({"render": renders, "search": searches, "import": 2})
