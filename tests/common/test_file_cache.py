"""The embedded default's file cache counts its folder now and then, not on every write."""

import os

import pytest

from tug_portal.common.file_cache import COUNT_EVERY_WRITES, FileBasedCacheCountedNowAndThen


@pytest.fixture
def file_cache(tmp_path):
    def make(max_entries=2000):
        return FileBasedCacheCountedNowAndThen(
            str(tmp_path / "cache"), {"OPTIONS": {"MAX_ENTRIES": max_entries}}
        )

    return make


def test_a_write_does_not_list_the_whole_folder_each_time(file_cache, monkeypatch):
    """Django's file cache lists every file to count them on each write: 2.4 ms with 2,000
    entries, more than the write itself, on every stored page and published feed."""
    cache = file_cache()
    listings = []
    original = cache._list_cache_files
    monkeypatch.setattr(cache, "_list_cache_files", lambda: listings.append(1) or original())

    for n in range(10 * COUNT_EVERY_WRITES):
        cache.set(f"key-{n % 7}", n)

    assert len(listings) <= 11
    assert cache.get("key-0") == 497


def test_the_number_of_entries_stays_bounded(file_cache):
    cache = file_cache(max_entries=30)

    for n in range(20 * COUNT_EVERY_WRITES):
        cache.set(f"key-{n}", n)

    assert len(cache._list_cache_files()) <= 30 + COUNT_EVERY_WRITES


def test_the_configured_default_cache_is_it_when_embedded(settings):
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("Redis configured")
    assert settings.CACHES["default"]["BACKEND"] == (
        "tug_portal.common.file_cache.FileBasedCacheCountedNowAndThen"
    )


def test_a_big_value_is_stored_without_compressing_it_and_reads_back_the_same(file_cache):
    """A feed's megabytes, published on every edit: zlib's default level took 23 ms for a
    ten-year archive (2.3 MB), more than the rest of the edit's refresh."""
    cache = file_cache()
    feed = b"BEGIN:VEVENT\r\nSUMMARY:Technology User Group\r\nEND:VEVENT\r\n" * 20_000
    small = {"etag": "abc", "text": "x" * 1000}

    cache.set("feed", (feed, None))
    cache.set("small", small)

    big_file, small_file = (cache._key_to_file(key) for key in ("feed", "small"))
    assert os.path.getsize(big_file) > len(feed)  # stored as it is
    assert os.path.getsize(small_file) < 500  # compressed as Django does
    assert cache.get("feed") == (feed, None)
    assert cache.get("small") == small


def test_a_write_the_disk_refuses_is_logged_not_raised(file_cache, monkeypatch, caplog):
    """Its temporary file removed under it (an operator's rm var/cache/*), a full disk: a page,
    a feed or a one-meeting calendar was answered 500 for a cache write that is only a copy."""
    import tempfile

    cache = file_cache()

    def refuse(*args, **kwargs):
        raise FileNotFoundError("var/cache/tmp0000")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    cache.set("page", "body")

    assert cache.get("page") is None
    assert "not stored" in caplog.text
