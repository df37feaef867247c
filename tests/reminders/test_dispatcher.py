import gc
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from tests.factories import make_meeting, make_program, make_subscription
from tests.reminders.test_mail_template import without_boundaries
from tug_portal.meetings.models import Meeting
from tug_portal.reminders import dispatcher, planner
from tug_portal.reminders.mail import MailRenderer
from tug_portal.reminders.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
State = Delivery.State


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def due_meeting(*emails, offsets=(HOUR,), **meeting_fields):
    """A meeting whose reminders (one per offset) fell due a minute ago, planned for `emails`."""
    program = make_program(offsets=list(offsets))
    meeting = make_meeting(program, starts_at=NOW + min(offsets) - MINUTE, **meeting_fields)
    for email in emails:
        make_subscription(email, program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    return meeting


def states():
    return dict(
        Delivery.objects.values_list("subscription__subscriber__email", "state").order_by("pk")
    )


def test_send_batch_sends_due_reminders_and_marks_each_sent():
    meeting = due_meeting("ann@example.com", "bob@example.com")

    report = dispatcher.deliveries_send_batch()

    assert (report.claimed, report.sent) == (2, 2)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ann@example.com",
        "bob@example.com",
    ]
    assert states() == {"ann@example.com": State.SENT, "bob@example.com": State.SENT}
    delivery = Delivery.objects.get(subscription__subscriber__email="ann@example.com")
    assert (delivery.sent_at, delivery.attempts, delivery.next_attempt_at) == (NOW, 1, None)
    assert mail.outbox[0].extra_headers["Message-ID"] == (
        f"<reminder.{delivery.subscription_id}.{meeting.uid}.60.0@127.0.0.1>"
    )


def test_send_batch_sends_nothing_before_it_is_due():
    program = make_program(offsets=[HOUR])
    meeting = make_meeting(program, starts_at=NOW + 2 * HOUR)
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    report = dispatcher.deliveries_send_batch()

    assert (report.claimed, mail.outbox) == (0, [])


def test_batch_size_bounds_a_batch_and_says_more_may_be_due(settings):
    settings.REMINDER_BATCH_SIZE = 2
    due_meeting("a@example.com", "b@example.com", "c@example.com")

    first = dispatcher.deliveries_send_batch()
    second = dispatcher.deliveries_send_batch()

    assert (first.sent, first.may_have_more) == (2, True)
    assert (second.sent, second.may_have_more) == (1, False)
    assert len(mail.outbox) == 3


def test_reminder_past_its_grace_window_is_skipped_not_sent(frozen_now):
    due_meeting("ann@example.com")
    frozen_now.shift(timedelta(minutes=31))

    expired = dispatcher.deliveries_expire()
    report = dispatcher.deliveries_send_batch()

    assert (expired, report.claimed, mail.outbox) == (1, 0, [])
    assert Delivery.objects.get().note == "too late: its moment had passed"


def test_claims_of_two_batches_never_overlap():
    due_meeting("a@example.com", "b@example.com", "c@example.com")

    first_claim, first = dispatcher.deliveries_claim(limit=2)
    second_claim, second = dispatcher.deliveries_claim(limit=2)

    assert len(first) == 2
    assert len(second) == 1
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert first_claim != second_claim


def test_claim_of_a_dead_worker_is_taken_back_after_the_timeout_and_sent_once(frozen_now):
    due_meeting("ann@example.com")
    dispatcher.deliveries_claim(limit=10)  # ... and the worker dies before sending

    frozen_now.shift(timedelta(minutes=4))
    assert dispatcher.deliveries_release_stale_claims() == 0
    frozen_now.shift(timedelta(minutes=1, seconds=1))
    assert dispatcher.deliveries_release_stale_claims() == 1
    report = dispatcher.deliveries_send_batch()

    assert report.sent == 1
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (State.SENT, 2)
    assert len(mail.outbox) == 1


def test_outcome_is_not_recorded_by_a_batch_that_lost_its_claim(frozen_now):
    due_meeting("ann@example.com")
    _, stale_rows = dispatcher.deliveries_claim(limit=10)
    frozen_now.shift(timedelta(minutes=6))
    dispatcher.deliveries_release_stale_claims()
    dispatcher.deliveries_send_batch()

    stalled = dispatcher._Batch("the-stalled-one", stale_rows, dispatcher.BatchReport())
    stalled._finish(stale_rows[0], state=State.FAILED, note="late news from a stalled worker")

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.note) == (State.SENT, "")


def test_row_that_keeps_killing_its_workers_gives_up(frozen_now, settings):
    due_meeting("ann@example.com")
    Delivery.objects.update(attempts=settings.REMINDER_MAX_ATTEMPTS - 1)
    dispatcher.deliveries_claim(limit=10)
    frozen_now.shift(timedelta(minutes=6))

    dispatcher.deliveries_release_stale_claims()

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.next_attempt_at) == (State.FAILED, None)


def test_cancelled_meeting_gets_no_reminder_even_once_claimed():
    meeting = due_meeting("ann@example.com")
    _, rows = dispatcher.deliveries_claim(limit=10)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    rows[0].meeting.status = Meeting.Status.CANCELLED

    dispatcher._Batch(rows[0].claimed_by, rows, dispatcher.BatchReport()).send()

    assert mail.outbox == []
    assert (Delivery.objects.get().state, Delivery.objects.get().note) == (
        State.SKIPPED,
        "meeting cancelled",
    )


def test_unsubscribed_after_planning_gets_nothing():
    due_meeting("ann@example.com")
    Subscription.objects.update(status=Subscription.Status.UNSUBSCRIBED)

    report = dispatcher.deliveries_send_batch()

    assert (report.skipped, mail.outbox) == (1, [])


def test_permanent_rejection_marks_the_address_bouncing_and_the_others_still_get_theirs(
    smtp_backend,
):
    smtp_backend.reject("gone@example.com", "550 5.1.1 <gone@example.com>: no such user")
    due_meeting(
        "ann@example.com", "gone@example.com", "zoe@example.com", offsets=(HOUR + MINUTE, HOUR)
    )

    report = dispatcher.deliveries_send_batch()

    assert (report.sent, report.bounced, report.skipped) == (4, 1, 1)
    assert sorted(m.rcpt_tos[0] for m in smtp_backend.messages) == [
        "ann@example.com",
        "ann@example.com",
        "zoe@example.com",
        "zoe@example.com",
    ]
    gone = Delivery.objects.filter(subscription__subscriber__email="gone@example.com")
    assert set(gone.values_list("state", "note")) == {
        (State.BOUNCED, "550 5.1.1 <gone@example.com>: no such user"),
        (State.SKIPPED, "address bouncing"),
    }
    subscriber = gone.first().subscription.subscriber
    assert (subscriber.is_bouncing, subscriber.bounce_reason) == (
        True,
        "550 5.1.1 <gone@example.com>: no such user",
    )


def test_transient_rejection_is_retried_after_a_backoff(smtp_backend, frozen_now):
    smtp_backend.reject("ann@example.com", "450 4.2.1 Mailbox busy, try later")
    due_meeting("ann@example.com")

    first = dispatcher.deliveries_send_batch()
    delivery = Delivery.objects.get()
    assert (first.failed, delivery.state, delivery.attempts) == (1, State.FAILED, 1)
    assert (delivery.next_attempt_at, delivery.note) == (
        NOW + MINUTE,
        "450 4.2.1 Mailbox busy, try later",
    )
    assert dispatcher.deliveries_send_batch().claimed == 0  # not before the backoff

    smtp_backend.reject("ann@example.com", "")
    frozen_now.shift(MINUTE)
    second = dispatcher.deliveries_send_batch()

    delivery.refresh_from_db()
    assert (second.sent, delivery.state, delivery.attempts) == (1, State.SENT, 2)
    assert len(smtp_backend.messages) == 1


def test_transient_failures_give_up_after_the_last_attempt(smtp_backend, frozen_now, settings):
    settings.REMINDER_MAX_ATTEMPTS = 3
    smtp_backend.reject("ann@example.com", "451 4.3.0 Temporary failure")
    due_meeting("ann@example.com")

    for backoff in (MINUTE, 2 * MINUTE, 4 * MINUTE):
        dispatcher.deliveries_send_batch()
        frozen_now.shift(backoff)

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (State.FAILED, 3, None)
    assert delivery.note == "gave up after 3 attempts: 451 4.3.0 Temporary failure"


def test_the_file_backend_of_make_run_takes_productions_path_and_gets_the_same_bytes(
    smtp_backend, settings, tmp_path, monkeypatch
):
    """`make run` mails to files: each reminder is built and handed over as on SMTP (the bytes
    an SMTP server is given, never Django's message), lands as those very bytes, and its row is
    marked sent the same way."""
    monkeypatch.setattr(MailRenderer, "delivery_message", None)  # called, it would raise
    due_meeting("ann@example.com")
    planned = Delivery.objects.values().get()

    assert dispatcher.deliveries_send_batch().sent == 1  # over SMTP
    (received,) = smtp_backend.messages
    Delivery.objects.update(**planned)  # the same row, due again
    settings.EMAIL_BACKEND = "tug_portal.common.mail.MessagePerFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    report = dispatcher.deliveries_send_batch()  # to files

    (written,) = tmp_path.glob("*.eml")
    assert (report.claimed, report.sent) == (1, 1)
    assert without_boundaries(written.read_bytes()) == without_boundaries(received.data)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.sent_at, delivery.attempts) == (State.SENT, NOW, 1)


def test_unreachable_server_fails_the_whole_batch_for_a_later_retry(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard: nothing listens
    due_meeting("ann@example.com", "bob@example.com")

    report = dispatcher.deliveries_send_batch()

    assert (report.failed, report.stopped) == (2, True)
    assert set(Delivery.objects.values_list("state", "next_attempt_at")) == {
        (State.FAILED, NOW + MINUTE)
    }


def test_batch_costs_one_query_per_mail_whatever_the_meetings(django_assert_num_queries):
    program = make_program(offsets=[HOUR])
    meetings = [
        make_meeting(program, starts_at=NOW + HOUR - MINUTE * n, systems=("DRRS",))
        for n in (1, 2, 3)
    ]
    make_subscription("ann@example.com", program)
    planner.meetings_plan_deliveries(meeting_ids=[m.pk for m in meetings])

    # The claim (an UPDATE in a savepoint, after a SELECT ... FOR UPDATE where there is one),
    # the batch with its meetings' agenda, people, systems, documents, dial-ins and public
    # materials (8), then one UPDATE per mail sent.
    claim = 4 if connection.features.has_select_for_update_skip_locked else 3
    with django_assert_num_queries(claim + 8 + 1):
        dispatcher.deliveries_send_batch(limit=1)
    with django_assert_num_queries(claim + 8 + 2):
        dispatcher.deliveries_send_batch(limit=2)


# The batch writes its "sent" marks on a connection of their own on PostgreSQL only.
marks_written_aside = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the marks are written aside on PostgreSQL only"
)


@pytest.fixture
def locker():
    """A database connection of the test's own, in a transaction it commits: it takes the row
    locks that hold up a batch's marks."""
    locker = connection.get_new_connection(connection.get_connection_params())
    locker.autocommit = False
    yield locker
    locker.close()


def in_batch_order() -> list[Delivery]:
    return list(
        Delivery.objects.select_related("subscription__subscriber").order_by(
            "next_attempt_at", "pk"
        )
    )


def _sessions_once_settled(locker, sessions: str, *, expected: int) -> int:
    """The database's sessions, read again for up to 5 s while they differ from `expected`: a
    closed connection's server process leaves pg_stat_activity a moment after the client has
    closed it (the final CI once counted it still there), and each read is a new transaction
    (its statistics are a snapshot per transaction)."""
    deadline = time.monotonic() + 5
    while True:
        locker.commit()
        count = locker.execute(sessions).fetchone()[0]
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


@marks_written_aside
@pytest.mark.django_db(transaction=True)
def test_a_mails_sent_mark_commits_while_the_next_mail_goes_out_and_before_it_is_accepted(
    smtp_backend, locker
):
    """On PostgreSQL a mail's "sent" mark is sent without waiting for its commit (a flush to
    disk); the next mail is rendered and given to the server meanwhile, and only the end of its
    data waits for that commit, so that no mail is accepted before the previous one is
    recorded. Here the first mark waits for a lock another connection takes while the server
    reads the first mail, and holds until the server has the second mail's recipient."""
    due_meeting("ann@example.com", "bob@example.com")
    first, second = in_batch_order()
    assert Delivery._meta.db_table == "reminders_delivery"
    released_by, first_state_when_second_arrived = [], []
    guard = threading.Lock()

    def lock_the_first_row() -> None:
        with guard:
            locker.execute("SELECT 1 FROM reminders_delivery WHERE id = %s FOR UPDATE", [first.pk])

    def release(by: str) -> None:
        with guard:
            if not released_by:
                released_by.append(by)
                locker.commit()

    def on_recipient(address: str) -> None:
        if address == first.subscription.subscriber.email:
            lock_the_first_row()
        elif address == second.subscription.subscriber.email:
            release("the next mail's recipient")

    def on_message(message, count):
        if message.rcpt_tos == (second.subscription.subscriber.email,):
            with guard:
                state = locker.execute(
                    "SELECT state FROM reminders_delivery WHERE id = %s", [first.pk]
                )
                first_state_when_second_arrived.append(state.fetchone()[0])

    smtp_backend.on_recipient, smtp_backend.on_message = on_recipient, on_message
    sessions = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    sessions_before = locker.execute(sessions).fetchone()[0]
    timer = threading.Timer(10, release, ["a timer"])
    timer.start()
    gc.disable()  # a connection left open must not be closed by the collector in time
    try:
        report = dispatcher.deliveries_send_batch()
        sessions_after = _sessions_once_settled(locker, sessions, expected=sessions_before)
    finally:
        gc.enable()
        timer.cancel()

    assert sessions_after == sessions_before  # the marks' own connection is closed

    assert released_by == ["the next mail's recipient"]
    assert first_state_when_second_arrived == [State.SENT]
    assert (report.sent, states()) == (
        2,
        {"ann@example.com": State.SENT, "bob@example.com": State.SENT},
    )


@marks_written_aside
@pytest.mark.django_db(transaction=True)
def test_a_mail_whose_row_was_taken_back_while_its_end_waited_for_the_last_mark_is_not_accepted(
    smtp_backend, settings, locker
):
    """The end of a mail's data waits for the previous mail's mark; a wait longer than the
    claim timeout (here a lock) may see the row taken back meanwhile: the data is then left
    unfinished, and the server never accepts that mail."""
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 1
    due_meeting("ann@example.com", "bob@example.com")
    first, second = in_batch_order()

    def take_back_the_second_and_release() -> None:
        locker.execute(
            "UPDATE reminders_delivery SET state = 'pending', claimed_by = '' WHERE id = %s",
            [second.pk],
        )
        locker.commit()

    later = threading.Timer(1.5, take_back_the_second_and_release)

    def on_recipient(address: str) -> None:
        if address == first.subscription.subscriber.email:
            locker.execute("SELECT 1 FROM reminders_delivery WHERE id = %s FOR UPDATE", [first.pk])
        elif address == second.subscription.subscriber.email:
            later.start()

    smtp_backend.on_recipient = on_recipient
    try:
        report = dispatcher.deliveries_send_batch()
    finally:
        later.join()

    ann, bob = first.subscription.subscriber.email, second.subscription.subscriber.email
    assert [message.rcpt_tos for message in smtp_backend.messages] == [(ann,)]
    assert (report.sent, report.stopped) == (1, True)
    assert states() == {ann: State.SENT, bob: State.PENDING}
