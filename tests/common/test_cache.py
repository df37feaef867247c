"""The Redis cache backend reuses its redis-py client, and the rows' cache keeps a copy of what
each process read in its memory (tug_portal/common/cache.py)."""

import threading

import pytest
from django.conf import settings
from django.core.cache import cache, caches

from tug_portal.common.cache import RedisCacheKeptLocally

pytestmark = pytest.mark.skipif(
    not settings.CACHE_URL, reason="the Redis cache is played on the PostgreSQL + Redis run"
)


def test_every_cache_call_uses_the_same_client():
    client = cache._cache.get_client()

    cache.set("common:test-cache", {"answer": 42}, 30)

    assert cache.get("common:test-cache") == {"answer": 42}
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client("any-key") is client


def test_threads_share_the_client_and_each_get_their_own_answers():
    answers, errors = {}, []

    def read_and_write(n: int):
        try:
            for round_ in range(50):
                cache.set(f"common:test-thread-{n}", (n, round_), 30)
                answers[n] = cache.get(f"common:test-thread-{n}")
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=read_and_write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert answers == {n: (n, 49) for n in range(8)}


def kept_locally(**options) -> RedisCacheKeptLocally:
    """Another backend of the rows' cache, as another thread opens it: the same Redis, and
    the same copies in the process's memory."""
    params = settings.CACHES["rows"]
    return RedisCacheKeptLocally(
        params["LOCATION"],
        {**params, "OPTIONS": {**params.get("OPTIONS", {}), **options}},
    )


def redis_reads(monkeypatch, kept: RedisCacheKeptLocally) -> list:
    """Records the reads that reach Redis."""
    reads = []
    client = kept._cache

    for name in ("get", "get_many"):
        original = getattr(client, name)

        def recorded(*args, _original=original, _name=name, **kwargs):
            reads.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(client, name, recorded)
    return reads


def test_the_rows_cache_is_redis_with_a_copy_in_each_process():
    assert isinstance(caches["rows"], RedisCacheKeptLocally)


def test_what_a_process_wrote_it_reads_again_from_its_memory(monkeypatch):
    kept = kept_locally()
    reads = redis_reads(monkeypatch, kept)

    kept.set("rows:test-1", {"row": 1}, 30)
    kept.set_many({"rows:test-2": 2, "rows:test-3": 3}, 30)

    assert kept.get("rows:test-1") == {"row": 1}
    assert kept.get_many(["rows:test-2", "rows:test-3"]) == {"rows:test-2": 2, "rows:test-3": 3}
    assert reads == []


def test_what_another_process_wrote_is_read_from_redis_once(monkeypatch):
    writer = kept_locally()
    writer.set("rows:test-a", "a", 30)
    writer.set("rows:test-b", "b", 30)
    writer._local.clear()  # as if another process had written them: this one has no copy
    reader = kept_locally()
    reads = redis_reads(monkeypatch, reader)

    assert reader.get("rows:test-a") == "a"
    assert reader.get_many(["rows:test-a", "rows:test-b", "rows:test-none"]) == {
        "rows:test-a": "a",
        "rows:test-b": "b",
    }
    assert reader.get_many(["rows:test-a", "rows:test-b"]) == {
        "rows:test-a": "a",
        "rows:test-b": "b",
    }
    assert reader.get("rows:test-none", "default") == "default"

    # One read of a, one of b (the absent key is asked each time: nobody wrote it yet).
    assert reads == ["get", "get_many", "get"]


def test_a_value_read_from_memory_is_a_copy_the_caller_may_change():
    kept = kept_locally()
    kept.set("rows:test-list", [1, 2], 30)

    kept.get("rows:test-list").append(3)

    assert kept.get("rows:test-list") == [1, 2]


def test_each_process_keeps_a_bounded_number_of_copies(monkeypatch):
    kept = kept_locally(LOCAL_MAX_ENTRIES=10)
    kept.set_many({f"rows:test-bound-{n}": n for n in range(50)}, 30)

    assert len(kept._local._cache) <= 10
    assert kept.get("rows:test-bound-0") == 0  # still in Redis


def test_clear_and_delete_reach_both():
    kept = kept_locally()
    kept.set("rows:test-x", "x", 30)
    kept.set("rows:test-y", "y", 30)

    kept.delete("rows:test-x")
    assert kept.get("rows:test-x") is None
    kept.clear()
    assert kept.get("rows:test-y") is None
    assert kept_locally().get("rows:test-y") is None


def test_threads_that_each_open_the_cache_share_one_pool_of_connections():
    # The development server (`make run`) serves each request in a new thread, and Django opens
    # a cache backend per thread: each had its own pool, so every request left a connection to
    # Redis open, until Redis refused every client (10,000).
    pools, errors = set(), []

    def open_and_read():
        try:
            from django.core.cache import caches as per_thread

            for alias in ("default", "rows"):
                per_thread[alias].get("common:test-pool")
                pools.add(id(per_thread[alias]._cache._get_connection_pool(False)))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=open_and_read) for _ in range(20)]
    for thread in threads:
        thread.start()
        thread.join()

    assert errors == []
    assert len(pools) <= 2  # one per server the aliases name, not one per thread


def test_threads_share_one_copy_in_memory():
    # One per process, bounded: a copy per thread grew `make run` by ~30 MB per 1,000 requests.
    writer = kept_locally()
    writer.set("rows:test-shared", "shared", 30)
    seen = []

    def read_in_memory():
        seen.append(kept_locally()._local.get("rows:test-shared"))

    thread = threading.Thread(target=read_in_memory)
    thread.start()
    thread.join()

    assert seen == ["shared"]


def test_threads_share_the_fair_use_stores_of_one_cache():
    # Each thread's cache backend got a budget, slot and target store of its own, kept in a
    # WeakKeyDictionary whose values held their key: never freed. Under `make run` (a thread
    # per request) the process grew ~1.5 KB per request for good, and each kept a Redis pool.
    from tug_portal.common import budgets, distinct_targets, slots

    def spend():
        budgets._store()
        slots._store()
        distinct_targets.admit("test", "client", "target", limit=5, period=60)

    threads = [threading.Thread(target=spend) for _ in range(10)]
    for thread in threads:
        thread.start()
        thread.join()

    assert len(budgets._stores) == len(slots._stores) == len(distinct_targets._stores) == 1
