"""Django's Redis cache backend, with one redis-py client per connection pool; and, for the
kept rows and fragments, the same with a copy of what each process read kept in its memory
(`RedisCacheKeptLocally`).

Django's `RedisCacheClient` builds a new `redis.Redis` for every cache call, and building one
fills its table of some 170 response callbacks: about 0.2 ms, more than the round trip to the
Redis server itself, on every page served from the page cache. A `redis.Redis` may be shared by
threads (each command takes a connection from the pool and gives it back), so one is kept per
pool and reused. And Django opens a cache backend per thread, each with pools of its own: under
the development server (`make run`), which serves each request in a new thread, every request
left a connection to Redis open, until Redis refused every client. The pools are kept per
process instead, one per server and options (redis-py's pools are thread-safe, and start anew
in a forked child). Set `CACHE_URL` to use it (settings.py).
"""

import threading

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_MISSING = object()


# This process's pools, by server and options, and a client for each (by the pool's id).
_process_pools: dict[tuple[str, str], object] = {}
_process_clients: dict[int, object] = {}
_process_lock = threading.Lock()


class ReusedClientRedisCacheClient(RedisCacheClient):
    def _get_connection_pool(self, write):
        server = self._servers[self._get_connection_pool_index(write)]
        key = (server, repr(sorted(self._pool_options.items(), key=lambda item: item[0])))
        pool = _process_pools.get(key)
        if pool is None:
            with _process_lock:
                pool = _process_pools.get(key)
                if pool is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    _process_pools[key] = pool
        return pool

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = _process_clients.get(id(pool))
        if client is None:
            # Two threads may both build one here; either serves, the other is dropped.
            client = _process_clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class RedisCacheKeptLocally(RedisCache):
    """Redis, with what this process read or wrote last also kept in its own memory (a bounded
    LocMemCache, least recently used out first): for `CACHES["rows"]`, whose every key names
    what its entry shows (a meeting's state, a content version) or whose entry says when it is
    valid, so a copy a process keeps is never stale: the embedded default keeps them in each
    process's memory alone (settings.py). A page rendered afresh read some seven entries from
    Redis, a round trip each; now it reads those it read before from memory, and the others,
    once, from Redis, where every process finds what one of them rendered.

    `OPTIONS["LOCAL_MAX_ENTRIES"]`: how many this process keeps. A copy read from Redis is kept
    `LOCAL_TIMEOUT` seconds at most (its time left in Redis is not read: a round trip more)."""

    LOCAL_TIMEOUT = 300

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        local_entries = options.pop("LOCAL_MAX_ENTRIES", 5000)
        super().__init__(server, {**params, "OPTIONS": options})
        # Named by the server and prefix: every thread's backend (Django opens one per thread)
        # shares the process's one copy, and its bound.
        self._local = LocMemCache(
            f"kept-locally:{server}:{self.key_prefix}",
            {"TIMEOUT": self.LOCAL_TIMEOUT, "OPTIONS": {"MAX_ENTRIES": local_entries}},
        )

    def get(self, key, default=None, version=None):
        found = self._local.get(key, _MISSING, version=version)
        if found is not _MISSING:
            return found
        found = super().get(key, _MISSING, version=version)
        if found is _MISSING:
            return default
        self._local.set(key, found, version=version)
        return found

    def get_many(self, keys, version=None):
        keys = list(keys)
        found = self._local.get_many(keys, version=version)
        if missing := [key for key in keys if key not in found]:
            shared = super().get_many(missing, version=version)
            self._local.set_many(shared, version=version)
            found |= shared
        return found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        super().set(key, value, timeout, version=version)
        self._local.set(key, value, self._local_timeout(timeout), version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        failed = super().set_many(data, timeout, version=version)
        self._local.set_many(data, self._local_timeout(timeout), version=version)
        return failed

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        added = super().add(key, value, timeout, version=version)
        if added:
            self._local.set(key, value, self._local_timeout(timeout), version=version)
        return added

    def delete(self, key, version=None):
        self._local.delete(key, version=version)
        return super().delete(key, version=version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._local.delete_many(keys, version=version)
        return super().delete_many(keys, version=version)

    def clear(self):
        """Clears Redis and this process's copies (another process's copies stay: they are
        never stale, the class says why)."""
        self._local.clear()
        return super().clear()

    def _local_timeout(self, timeout):
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        return self.LOCAL_TIMEOUT if timeout is None else min(timeout, self.LOCAL_TIMEOUT)
