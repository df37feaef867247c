"""How many different targets one client may reach in a period: e.g. the mailboxes one address
has the subscribe form mail in a day. Reaching the same target again is not counted (what one
mailbox may receive is capped per mailbox, elsewhere); a new one beyond the limit is refused
until the oldest of the period ages out.

On Redis a sorted set per client (targets, hashed, scored by when they were first reached) is
updated by one Lua script: atomic across processes. Elsewhere each web process keeps its own
sets in memory (exact for the embedded default's one process, approximate across several), as
the fair-use budgets do (budgets.py).
"""

import hashlib
import threading
import time
from collections import OrderedDict

from .budgets import store_for_default_cache

KEY_PREFIX = "fair-use:targets:"

# KEYS[1]: the client's set. ARGV: now, period seconds, limit, target. Returns {1, ""} when the
# target may be reached, else {0, seconds until the oldest target of the period ages out}.
ADMIT_SCRIPT = """
local now = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  return {1, ''}
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(oldest[2]) + period - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(period) + 1)
return {1, ''}
"""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class RedisTargets:
    def __init__(self, redis_cache):
        self.cache = redis_cache
        self.client = redis_cache._cache.get_client(write=True)
        self.script = self.client.register_script(ADMIT_SCRIPT)

    def admit(self, key: str, target: str, limit: int, period: float) -> float:
        args = [repr(time.time()), repr(float(period)), str(limit), target]
        answer = self.script(
            keys=[self.cache.make_and_validate_key(KEY_PREFIX + key)], args=args, client=self.client
        )
        return 0.0 if int(answer[0]) else max(float(answer[1]), 1e-3)


class ProcessTargets:
    """Without Redis: this process's sets, under a lock; bounded (the least recently used client
    is forgotten first, which only ever lets it reach more)."""

    MAX_CLIENTS = 100_000

    def __init__(self):
        self.reached: OrderedDict[str, dict[str, float]] = OrderedDict()
        self.lock = threading.Lock()

    def admit(self, key: str, target: str, limit: int, period: float) -> float:
        now = time.time()
        with self.lock:
            reached = {t: at for t, at in self.reached.get(key, {}).items() if at > now - period}
            self.reached[key] = reached
            self.reached.move_to_end(key)
            while len(self.reached) > self.MAX_CLIENTS:
                self.reached.popitem(last=False)
            if target in reached:
                return 0.0
            if len(reached) >= limit:
                return max(min(reached.values()) + period - now, 1e-3)
            reached[target] = now
            return 0.0

    def forget(self) -> None:
        with self.lock:
            self.reached.clear()


_process_targets = ProcessTargets()
_stores: dict = {}  # per cache configuration (budgets.store_for_default_cache)


def admit(kind: str, client: str, target: str, *, limit: int, period: float) -> float:
    """May `client` reach `target` (of `kind`, e.g. "subscribe-mailboxes")? 0 when it may (and
    it is counted); else the seconds until it could."""
    store = store_for_default_cache(_stores, RedisTargets, _process_targets)
    return store.admit(f"{kind}:{_digest(client)}", _digest(target), limit, period)


def forget_all() -> None:
    """Tests: this process's sets are empty again (Redis's go with cache.clear())."""
    _process_targets.forget()
