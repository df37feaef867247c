"""The embedded default's cache (files under var/cache, shared by the web, worker and beat
processes), counting its files now and then instead of on every write.

Django's `FileBasedCache` lists the whole folder on every `set` to see whether it holds more
than MAX_ENTRIES (`_cull`): with the 2,000 entries a ten-year archive's pages fill it with,
that listing took 2.4 ms, where the write itself takes 0.4 ms, on every stored page, published
feed and content version bump. Here a process counts once every COUNT_EVERY_WRITES of its
writes: the folder may then hold up to that many entries per process above the bound, and the
next count deletes at random what is above two thirds of it (Django's deletes a third of what
there is, which counted now and then would let the folder settle well above the bound).

A big value (a feed's bytes, published on every edit) is written as its pickle, not compressed:
zlib's default level took 23 ms for a ten-year archive's 2.3 MB, more than the rest of the
edit's refresh, and even zlib's level 0 (a checksum and a copy) 5 ms. It is marked by a first
byte no zlib stream starts with, so `get` tells the two apart.
"""

import itertools
import logging
import pickle
import random
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache

logger = logging.getLogger(__name__)

COUNT_EVERY_WRITES = 50
# Pickled values longer than this are stored as they are, after this marker (a zlib stream
# starts with 0x78 at the levels Django writes).
STORED_UNCOMPRESSED_FROM_BYTES = 256 * 1024
UNCOMPRESSED = b"\x00"

# This process's writes (all backends and threads): Django makes a backend per thread, and a
# count per backend would let each thread's first write list the folder.
_writes = itertools.count()


class FileBasedCacheCountedNowAndThen(FileBasedCache):
    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # A cache entry is a copy: a write the disk refuses (its temporary file removed under
        # it by an operator's rm var/cache/*, a full disk) must not fail the request that
        # made it (a page, a feed, a one-meeting calendar answered 500). `add`, `set_many`
        # and the culling all write through here.
        try:
            super().set(key, value, timeout, version)
        except OSError:
            logger.warning("File cache: %s not stored", key, exc_info=True)

    def _cull(self):
        if next(_writes) % COUNT_EVERY_WRITES:
            return
        files = self._list_cache_files()
        if len(files) < self._max_entries:
            return
        if self._cull_frequency == 0:
            self.clear()
            return
        keep = self._max_entries - self._max_entries // self._cull_frequency
        for name in random.sample(files, len(files) - keep):
            self._delete(name)

    def _write_content(self, file, timeout, value):
        # Django's, but for a big value: its pickle as it is.
        expiry = self.get_backend_timeout(timeout)
        file.write(pickle.dumps(expiry, self.pickle_protocol))
        data = pickle.dumps(value, self.pickle_protocol)
        if len(data) > STORED_UNCOMPRESSED_FROM_BYTES:
            file.write(UNCOMPRESSED)
            file.write(data)
        else:
            file.write(zlib.compress(data))

    def get(self, key, default=None, version=None):
        # Django's, but for the values `_write_content` stores uncompressed. The files are the
        # portal's own, under var/cache, as Django's file cache trusts them (S301).
        fname = self._key_to_file(key, version)
        try:
            with open(fname, "rb") as f:
                if not self._is_expired(f):
                    data = f.read()
                    if data[:1] == UNCOMPRESSED:
                        return pickle.loads(memoryview(data)[1:])  # noqa: S301
                    return pickle.loads(zlib.decompress(data))  # noqa: S301
        except FileNotFoundError:
            pass
        return default
