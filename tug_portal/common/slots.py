"""A cap on expensive anonymous work at the same time (fair_use.py): searches and pages rendered
afresh for anonymous visitors. However the work is spread over addresses, no more than
`TUG_FAIR_USE_SLOTS[pool]` of it runs at once; the rest is refused (503 with Retry-After) at
once instead of queueing behind it, and the cached pages everyone else gets stay fast. The caps
are sized from the web processes of the deployment (`WEB_CONCURRENCY`, settings.py): expensive
work can only ever take half of them, whatever comes in.

A slot is a lease: a member of a set stamped with the moment it was taken. Releasing removes
it; a holder that dies loses it after `TUG_FAIR_USE_SLOT_LEASE_SECONDS`, so a crash cannot
shrink the pool for good. On Redis a Lua script counts and takes in one atomic step, across
every web process. Without Redis (the embedded default: one `runserver` process) the slots are
this process's, under a lock: exact within it; several processes without Redis each have the
whole cap, as the budgets do (budgets.py). Never in the file cache: it has no atomic update,
and its entry limit evicts keys during a flood.
"""

import threading
import time
import uuid
from contextlib import ExitStack, contextmanager

from django.conf import settings

from .budgets import store_for_default_cache

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


class ProcessSlots:
    """Without Redis: the slots of this process, in its memory, under a lock (see above)."""

    def __init__(self):
        self.held: dict[str, dict[str, float]] = {}
        self.lock = threading.Lock()

    def take(self, pool: str, member: str, capacity: int, lease: float) -> bool:
        now = time.time()
        with self.lock:
            held = {m: at for m, at in self.held.get(pool, {}).items() if at > now - lease}
            if len(held) >= capacity:
                self.held[pool] = held
                return False
            held[member] = now
            self.held[pool] = held
            return True

    def give_back(self, pool: str, member: str) -> None:
        with self.lock:
            self.held.get(pool, {}).pop(member, None)

    def forget(self) -> None:
        with self.lock:
            self.held.clear()


_process_slots = ProcessSlots()

_stores: dict = {}  # per cache configuration (budgets.store_for_default_cache)


def _store():
    return store_for_default_cache(_stores, RedisSlots, _process_slots)


def forget_all() -> None:
    """Every slot of this process is free again (tests; Redis's go with cache.clear())."""
    _process_slots.forget()


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


@contextmanager
def slots(pools: list[str]):
    """Hold a slot of each of `pools` (in that order) for the block; PoolFull when one is full,
    with none of them held."""
    with ExitStack() as held:
        for pool in pools:
            held.enter_context(slot(pool))
        yield
