"""The Redis cache backend reuses its redis-py client (tug_portal/common/cache.py)."""

import threading

import pytest
from django.conf import settings
from django.core.cache import cache

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
