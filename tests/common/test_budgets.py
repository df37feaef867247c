"""Token buckets in the real cache (budgets.py). On Redis (CACHE_URL=redis://...) they are atomic
across threads and processes; the tests that prove it skip on the file cache, whose buckets are
approximate by design (see the README)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.support.processes import run_python
from tug_portal.common import budgets

T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)
TEN_A_MINUTE = budgets.Budget(per_minute=60, burst=10)  # one a second, ten at once

redis_only = pytest.mark.skipif(
    not budgets.is_atomic(), reason="atomicity needs Redis (CACHE_URL=redis://...)"
)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_fresh_bucket_admits_its_burst_then_refuses_with_the_wait(clock):
    bucket = [budgets.bucket("test:burst", TEN_A_MINUTE)]

    admitted = [budgets.take(bucket, 1) for _ in range(10)]
    refused = budgets.take(bucket, 1)

    assert admitted == [0] * 10
    assert refused == pytest.approx(1.0)
    assert budgets.retry_after(refused) == 1


def test_bucket_refills_at_its_rate_and_never_beyond_its_burst(clock):
    bucket = [budgets.bucket("test:refill", TEN_A_MINUTE)]
    for _ in range(10):
        budgets.take(bucket, 1)

    clock.shift(timedelta(seconds=3))
    three = [budgets.take(bucket, 1) for _ in range(3)]
    fourth = budgets.take(bucket, 1)
    clock.shift(timedelta(hours=1))
    after_an_hour = [budgets.take(bucket, 1) for _ in range(11)]

    assert three == [0, 0, 0]
    assert fourth > 0
    assert after_an_hour.count(0) == 10


def test_fractions_of_a_token_add_up(clock):
    bucket = [budgets.bucket("test:fractions", TEN_A_MINUTE)]

    cheap = [budgets.take(bucket, 0.1) for _ in range(100)]

    assert cheap.count(0) == 100
    assert budgets.take(bucket, 0.1) > 0


def test_take_is_all_or_nothing_across_buckets(clock):
    roomy = budgets.bucket("test:roomy", budgets.Budget(per_minute=60, burst=100))
    small = budgets.bucket("test:small", budgets.Budget(per_minute=60, burst=2))
    budgets.take([roomy, small], 1)
    budgets.take([roomy, small], 1)

    refused = budgets.take([roomy, small], 1)
    alone = [budgets.take([roomy], 1) for _ in range(98)]

    assert refused > 0
    assert alone == [0] * 98  # the refused call took nothing from the roomy bucket


def test_charge_for_work_done_leaves_a_debt_that_delays_the_next_request(clock):
    bucket = [budgets.bucket("test:debt", TEN_A_MINUTE)]
    budgets.take(bucket, 1)
    budgets.charge(bucket, 14)  # 10 - 1 - 14 = -5

    refused = budgets.take(bucket, 1)

    assert refused == pytest.approx(6.0)


def test_negative_charge_gives_tokens_back_up_to_the_burst(clock):
    bucket = [budgets.bucket("test:refund", TEN_A_MINUTE)]
    for _ in range(10):
        budgets.take(bucket, 1)

    budgets.charge(bucket, -2)
    budgets.charge(bucket, -100)

    assert [budgets.take(bucket, 1) for _ in range(10)] == [0] * 10
    assert budgets.take(bucket, 1) > 0


@redis_only
def test_threads_hammering_one_bucket_never_exceed_its_capacity(clock):
    bucket = [budgets.bucket("test:hammer", budgets.Budget(per_minute=0.001, burst=50))]
    admitted = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def hammer():
        start.wait()
        mine = sum(1 for _ in range(40) if budgets.take(bucket, 1) == 0)
        with lock:
            admitted.append(mine)

    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(admitted) == 50  # 640 attempts, exactly the burst admitted


@redis_only
def test_processes_share_one_bucket(clock, tmp_path):
    import os

    bucket = budgets.bucket("test:processes", budgets.Budget(per_minute=0.001, burst=3))
    budgets.take([bucket], 2)
    program = (
        "import django; django.setup();"
        "from tug_portal.common import budgets;"
        f"b = budgets.Bucket({bucket.key!r}, budgets.Budget(0.001, 3));"
        "print(budgets.take([b], 1) == 0, budgets.take([b], 1) == 0)"
    )

    other = run_python(
        program, env={**os.environ, "DJANGO_SETTINGS_MODULE": "tug_portal.settings"}, timeout=60
    )

    assert other.stdout.split() == ["True", "False"]
