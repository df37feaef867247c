"""The global cap on expensive anonymous work (slots.py), in the real cache. The thread test
proves the cap atomic on Redis; on the file cache it is approximate by design."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tug_portal.common import budgets, slots

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


@pytest.mark.skipif(not budgets.is_atomic(), reason="atomicity needs Redis (CACHE_URL=...)")
def test_threads_never_hold_more_slots_than_the_cap(two_search_slots):
    holding, most, refused = [0], [0], [0]
    lock = threading.Lock()
    start = threading.Barrier(12)

    def work():
        start.wait()
        for _ in range(20):
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

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most[0] == 2
    assert refused[0] > 0
