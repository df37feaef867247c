"""The exactly-once proof shared by every mail the reminders' dispatcher sends (reminders,
weekly digests, "materials posted"): real workers killed mid-batch, then what the SMTP sink
(tests/support/smtp.py) must hold."""

from tests.support.celery_worker import wait_for
from tug_portal.common.queue import enqueue


def beat_driver(*tasks, timeout: float = 60.0):
    """A `drive(predicate)` that waits (at most `timeout` seconds) until `predicate()` holds,
    queuing `tasks` every few seconds as beat does every minute (claims of a killed worker
    come back only through the dispatcher)."""

    def drive(predicate, *, timeout: float = timeout) -> None:
        def kicked_and_checked():
            if predicate():
                return True
            for task in tasks:
                enqueue(task)
            return False

        wait_for(kicked_and_checked, timeout=timeout, interval=3.0)

    return drive


def kill_workers_mid_batch(celery_worker, sink, *, env, kill_points, drive) -> None:
    """A worker dies (SIGKILL) while the server holds the n-th message received, for each n of
    `kill_points`: each time with a mail in flight and the rest of its batch claimed and unsent.
    Then a last worker is started to finish."""
    for point in kill_points:
        worker = celery_worker(env=env)
        sink.on_message = lambda _message, count, worker=worker, point=point: (
            worker.kill() if count == point else None
        )
        drive(lambda worker=worker: worker.process.poll() is not None)
    sink.on_message = None
    celery_worker(env=env)


def assert_each_got_one_mail(sink, members: list[str], kill_points) -> dict:
    """Every member and nobody else got the mail, none two different ones, and what repeated is
    exactly the one mail in flight at each death, with its Message-ID. Returns the messages by
    recipient."""
    by_recipient = sink.by_recipient()
    assert sorted(by_recipient) == members
    for messages in by_recipient.values():
        assert len({(m.message_id, m.subject) for m in messages}) == 1
    repeated = [m for m in by_recipient.values() if len(m) > 1]
    assert [len(m) for m in repeated] == [2] * len(kill_points)
    return by_recipient
