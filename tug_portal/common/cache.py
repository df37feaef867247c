"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's `RedisCacheClient` builds a new `redis.Redis` for every cache call, and building one
fills its table of some 170 response callbacks: about 0.2 ms, more than the round trip to the
Redis server itself, on every page served from the page cache. A `redis.Redis` may be shared by
threads (each command takes a connection from the pool and gives it back), so one is kept per
pool and reused. Set `CACHE_URL` to use it (settings.py).
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # id of a pool in self._pools -> its client

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if id(pool) not in self._clients:
            # Two threads may both build one here; either serves, the other is dropped.
            self._clients[id(pool)] = self._client(connection_pool=pool)
        return self._clients[id(pool)]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
