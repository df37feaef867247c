"""Token buckets in the cache: the fair-use budgets of the public endpoints (fair_use.py).

A bucket holds up to `burst` tokens and refills at `per_minute` tokens a minute; a request takes
its cost from every bucket it is counted in (its address's bucket for the endpoint group, and
the address's bucket for the one canonical service), or from none: it is admitted only when each
holds enough. A bucket that has never been used, or has been idle long enough, is full, so a
client that behaves is never refused and one that floods is refused as soon as its burst is
spent.

On Redis the buckets are hashes updated by one Lua script, so one round trip takes from all the
buckets of a request atomically, across every web process: two processes can never both spend
the last token. Elsewhere (the file cache of the embedded default, locmem in development) each
web process keeps its own buckets in memory (`ProcessBuckets`): exact within a process,
approximate across several, as the README says.

The clock is the web process's (`time.time()`), passed to the script: web hosts keep their
clocks in step (NTP), a bucket never refills backwards (elapsed time below zero counts as none),
and tests can travel in time on Redis too.
"""

import hashlib
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

KEY_PREFIX = "fair-use:bucket:"

# KEYS: the buckets. ARGV: now, cost, force (1: take even what is not there: a charge for work
# already done, which may leave a debt of at most one burst), then rate (tokens a second) and
# burst of each bucket. Returns {1, ""} when taken, or {0, seconds until it would be, seconds until
# the first bucket alone would be} (strings: Redis turns Lua numbers into integers).
TAKE_SCRIPT = """
local now = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local force = ARGV[3] == '1'
local levels = {}
local wait = 0
local first_wait = 0
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 + 2 * i])
  local burst = tonumber(ARGV[3 + 2 * i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1])
  local at = tonumber(state[2])
  if tokens == nil or at == nil then
    tokens = burst
    at = now
  end
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  levels[i] = tokens
  if tokens < cost then
    wait = math.max(wait, (cost - tokens) / rate)
    if i == 1 then
      first_wait = (cost - tokens) / rate
    end
  end
end
if wait > 0 and not force then
  return {0, tostring(wait), tostring(first_wait)}
end
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 + 2 * i])
  local burst = tonumber(ARGV[3 + 2 * i])
  local left = math.max(-burst, levels[i] - cost)
  redis.call('HSET', key, 'tokens', tostring(left), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil((burst - left) / rate * 1000) + 1000)
end
return {1, ''}
"""


@dataclass(frozen=True)
class Budget:
    """`per_minute` tokens a minute, at most `burst` held."""

    per_minute: float
    burst: float

    @property
    def rate(self) -> float:  # tokens a second
        return self.per_minute / 60


@dataclass(frozen=True)
class Bucket:
    key: str
    budget: Budget


def bucket(name: str, budget: Budget) -> Bucket:
    """The bucket called `name` (any text: an address and a URL); its cache key is a hash."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:40]
    return Bucket(KEY_PREFIX + digest, budget)


def take(buckets: list[Bucket], cost: float) -> float:
    """Take `cost` from every bucket, or from none. 0 when taken; else the seconds until it
    could be (never 0)."""
    return take_or_wait(buckets, cost).seconds


@dataclass(frozen=True)
class Wait:
    """Why a take was refused: `seconds` until every bucket could pay, `first_seconds` until the
    first one alone could (0 when it could now). Both 0: taken."""

    seconds: float = 0.0
    first_seconds: float = 0.0


TAKEN = Wait()


def take_or_wait(buckets: list[Bucket], cost: float) -> Wait:
    """As `take`, saying also how long the first bucket (an address's whole group, in
    fair_use.py) holds the client back on its own."""
    return _store().take(buckets, cost, force=False)


def charge(buckets: list[Bucket], cost: float) -> None:
    """Take `cost` even from buckets that hold less (work already done is paid for: the debt
    delays the client's next requests), or give it back when negative (up to a full bucket)."""
    if cost:
        _store().take(buckets, cost, force=True)


def retry_after(seconds: float) -> int:
    """Whole seconds for a Retry-After header: never 0, which would invite an instant retry."""
    return max(1, math.ceil(seconds))


# --- Stores ---------------------------------------------------------------------------------


class RedisBuckets:
    """Atomic: one Lua script per request (see the module's docstring)."""

    def __init__(self, redis_cache):
        self.cache = redis_cache
        client = redis_cache._cache.get_client(write=True)  # redis-py, reused (common/cache.py)
        self.script = client.register_script(TAKE_SCRIPT)
        self.client = client

    def take(self, buckets, cost, *, force) -> "Wait":
        args = [repr(time.time()), repr(float(cost)), "1" if force else "0"]
        for each in buckets:
            args += [repr(each.budget.rate), repr(float(each.budget.burst))]
        keys = [self.cache.make_and_validate_key(each.key) for each in buckets]
        answer = self.script(keys=keys, args=args, client=self.client)
        return TAKEN if int(answer[0]) else Wait(float(answer[1]), float(answer[2]))


class ProcessBuckets:
    """Without Redis: the buckets of this process, in its memory, under a lock. Exact within one
    process (the embedded default runs one, `runserver`); with several processes each keeps
    its own, so a client may get up to that many times its budget: approximate, and said so in
    the README. (Buckets in the file cache would be no more exact, with no atomic update, and
    cost two file writes a request.) Bounded: past MAX_BUCKETS the least recently used is
    forgotten, which only ever gives a client a full bucket again."""

    MAX_BUCKETS = 100_000

    def __init__(self):
        self.levels: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, buckets, cost, *, force) -> Wait:
        now = time.time()
        with self.lock:
            levels, waits = {}, []
            for each in buckets:
                tokens, at = self.levels.get(each.key, (each.budget.burst, now))
                tokens = min(each.budget.burst, tokens + max(0.0, now - at) * each.budget.rate)
                levels[each.key] = tokens
                waits.append(max(0.0, (cost - tokens) / each.budget.rate))
            if max(waits, default=0.0) and not force:
                return Wait(max(waits), waits[0])
            for each in buckets:
                self.levels[each.key] = (max(-each.budget.burst, levels[each.key] - cost), now)
                self.levels.move_to_end(each.key)
            while len(self.levels) > self.MAX_BUCKETS:
                self.levels.popitem(last=False)
        return TAKEN

    def forget(self) -> None:
        with self.lock:
            self.levels.clear()


_process_buckets = ProcessBuckets()


_stores: dict = {}


def store_for_default_cache(stores: dict, atomic_store, process_store):
    """The default cache's store: `atomic_store(backend)` on Redis, else `process_store`. One
    per cache configuration, kept in `stores`: Django gives each thread a backend of its own
    (under `make run`, each request), and one store per backend, weakly keyed but holding its
    backend, was never freed (~1.5 KB a request for good); tests may swap the backend (another
    configuration, another store). Shared by the budgets, the slots and the targets."""
    backend = caches["default"]
    key = (type(backend), repr(getattr(backend, "_servers", None)), backend.key_prefix)
    store = stores.get(key)
    if store is None:
        store = atomic_store(backend) if is_atomic(backend) else process_store
        stores[key] = store
    return store


def _store():
    return store_for_default_cache(_stores, RedisBuckets, _process_buckets)


def forget_all() -> None:
    """Every client gets full buckets again (tests; the cache's buckets go with cache.clear())."""
    _process_buckets.forget()


def is_atomic(backend=None) -> bool:
    """Whether the budgets are exact across processes (Redis) or approximate (anything else)."""
    return isinstance(backend or caches["default"], RedisCache)
