"""The cyclic garbage collector paused for the length of a feed build (common/collector.py)."""

import gc
import threading

import pytest

from tug_portal.common.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_on_again_after_a_failure_inside():
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a build failed")
    assert gc.isenabled()


def test_nested_and_concurrent_pauses_turn_it_on_when_the_last_one_ends():
    inner_started, outer_may_end = threading.Event(), threading.Event()
    seen = []

    def other_build():
        with collector_paused():
            inner_started.set()
            outer_may_end.wait(5)
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())

    with collector_paused():
        thread = threading.Thread(target=other_build)
        thread.start()
        inner_started.wait(5)
        with collector_paused():
            pass
        assert not gc.isenabled()  # still paused: two builds are running
    assert not gc.isenabled()  # the other thread's build still runs
    outer_may_end.set()
    thread.join(5)
    assert seen == [False, True]
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_it_decorates_a_function():
    @collector_paused()
    def build():
        return gc.isenabled()

    assert build() is False
    assert gc.isenabled()
