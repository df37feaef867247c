"""A global cap on expensive anonymous work at the same time (fair_use.py): searches and pages
rendered afresh for anonymous visitors. However the work is spread over addresses, no more than
`TUG_FAIR_USE_SLOTS[pool]` of it runs at once across all web processes; the rest is refused
(503 with Retry-After) at once instead of queueing behind it, and the cached pages everyone
else gets stay fast.

A slot is a lease: a member of a sorted set scored by the moment it was taken. Releasing removes
it; a process that dies holding one loses it after `TUG_FAIR_USE_SLOT_LEASE_SECONDS`, so a crash
cannot shrink the pool for good. On Redis a Lua script counts and takes in one atomic step.
Elsewhere the set is a dict read and written back: approximate across processes (two may take
the last slot), exact enough within one.
"""

import time
import uuid
import weakref
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches

from .budgets import is_atomic

KEY_PREFIX = "fair-use:slots:"

# KEYS[1]: the pool. ARGV: now, lease seconds, capacity, member. 1 when taken, else 0.
TAKE_SCRIPT = """
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - lease)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(lease) + 1)
return 1
"""


class PoolFull(Exception):
    """Every slot of the pool is taken; `retry_after` says when to try again."""

    def __init__(self, pool: str):
        super().__init__(f"every slot of {pool} is taken")
        self.pool = pool
        self.retry_after = settings.TUG_FAIR_USE_SLOT_RETRY_AFTER


class RedisSlots:
    def __init__(self, redis_cache):
        self.cache = redis_cache
        self.client = redis_cache._cache.get_client(write=True)
        self.script = self.client.register_script(TAKE_SCRIPT)

    def take(self, pool: str, member: str, capacity: int, lease: float) -> bool:
        key = self.cache.make_and_validate_key(KEY_PREFIX + pool)
        args = [repr(time.time()), repr(float(lease)), str(capacity), member]
        return bool(self.script(keys=[key], args=args, client=self.client))

    def give_back(self, pool: str, member: str) -> None:
        self.client.zrem(self.cache.make_and_validate_key(KEY_PREFIX + pool), member)


class ApproximateSlots:
    def __init__(self, any_cache):
        self.cache = any_cache

    def take(self, pool: str, member: str, capacity: int, lease: float) -> bool:
        now = time.time()
        stored = self.cache.get(KEY_PREFIX + pool, {})
        held = {member: at for member, at in stored.items() if at > now - lease}
        if len(held) >= capacity:
            return False
        held[member] = now
        self.cache.set(KEY_PREFIX + pool, held, timeout=int(lease) + 1)
        return True

    def give_back(self, pool: str, member: str) -> None:
        held = self.cache.get(KEY_PREFIX + pool, {})
        if held.pop(member, None) is not None:
            lease = settings.TUG_FAIR_USE_SLOT_LEASE_SECONDS
            self.cache.set(KEY_PREFIX + pool, held, timeout=lease + 1)


_stores: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _store():
    backend = caches["default"]
    store = _stores.get(backend)
    if store is None:
        store = RedisSlots(backend) if is_atomic(backend) else ApproximateSlots(backend)
        _stores[backend] = store
    return store


@contextmanager
def slot(pool: str):
    """Hold one slot of `pool` for the duration of the block; PoolFull when none is free."""
    capacity = settings.TUG_FAIR_USE_SLOTS[pool]
    lease = settings.TUG_FAIR_USE_SLOT_LEASE_SECONDS
    member = uuid.uuid4().hex
    store = _store()
    if not store.take(pool, member, capacity, lease):
        raise PoolFull(pool)
    try:
        yield
    finally:
        store.give_back(pool, member)
