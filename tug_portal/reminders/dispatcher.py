"""Sending: claim due rows, send them over one mail connection, mark each one as it goes.

One path whatever the backend: each mail is rendered to the bytes an SMTP server is given
(`MailRenderer.delivery_envelope`) and handed to the connection (`envelope_sender`), which
sends them over SMTP in production and writes them to a file on the embedded default (`make
run`). Only a backend that takes nothing but Django's messages (the test suite's in-memory
outbox) is given those instead.

The order of events for one mail is what the delivery guarantee rests on (README.md):

1. claim: a committed UPDATE moves the row from waiting to claimed, stamped with this batch's
   claim id. Two dispatchers never claim the same row (PostgreSQL: FOR UPDATE SKIP LOCKED;
   SQLite: writers are serialized and the UPDATE re-checks the state).
2. hand the mail to the backend (the SMTP server), with a Message-ID derived from the row's key;
3. as soon as the server accepts it, a committed UPDATE marks the row sent, but only if this
   batch still holds the claim. On PostgreSQL that write is made by a thread of the batch on
   a connection of its own (`_MarkWriter`), and awaited just before the server is given the
   end of the next mail's data (`SmtpEnvelopeSender`): the next mail is checked, rendered and
   sent while the commit reaches the disk, and still none is accepted before the previous one
   is recorded.

A worker that dies between 2 and 3 leaves one row claimed; after REMINDER_CLAIM_TIMEOUT it is
taken back and sent again, with the same Message-ID. A live worker renews its claims long
before the timeout, so a claim is taken back only from a worker that stopped.

The rows are reminders by default; any other mail planned as rows of a `MailRow` model (the
weekly digest, the "materials posted" mails) is sent by the same functions, given its `Channel`.
"""

import logging
import math
import os
import smtplib
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from tug_portal.common.mail import Envelope, envelope_sender

from . import selectors, services
from .mail import MailRenderer
from .models import Delivery, MailRow
from .smtp_errors import SmtpFailure, classify

logger = logging.getLogger(__name__)

Kind, State = Delivery.Kind, Delivery.State


@dataclass
class BatchReport:
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    bounced: int = 0
    stopped: bool = False  # the connection failed and the rest was put back for later

    @property
    def may_have_more(self) -> bool:
        """A full batch, sent without trouble: more rows may be due."""
        return not self.stopped and self.claimed >= settings.REMINDER_BATCH_SIZE


# The one write each mail of a fan-out makes, only while the batch holds the claim. Built by
# the ORM (filter().update()) it cost about 0.3 ms a mail, a third of what sending it to a local
# server costs; written out, a few microseconds.
MARK_SENT = (
    "UPDATE {table} "
    "SET state = %s, sent_at = %s, note = '', next_attempt_at = NULL, attempts = attempts + 1 "
    "WHERE id = %s AND claimed_by = %s AND state = %s"
)


@dataclass(frozen=True)
class Channel:
    """One kind of mail the dispatcher sends: rows of a `MailRow` model with a `subscription`,
    and what is particular to them.

    - `due(now)`: the rows that may be claimed now, oldest first;
    - `claimed(claim)`: a batch's rows with everything their mails show;
    - `renderer()`: a new renderer for a batch, with `delivery_message(row)` (Django's message)
      and `delivery_envelope(row)` (the bytes for an SMTP server);
    - `reason_not_to_send(row, renderer)`: why a claimed row is no longer to be sent ("" to
      send it), checked after the subscriber's own (bouncing, unsubscribed); the batch's
      renderer is there for a mail that is not sent when it would say nothing.
    """

    model: type[MailRow]
    due: Callable[[datetime], QuerySet]
    claimed: Callable[[str], QuerySet]
    renderer: Callable[[], object]
    reason_not_to_send: Callable[[MailRow, object], str]

    @cached_property
    def mark_sent_sql(self) -> str:
        return MARK_SENT.format(table=self.model._meta.db_table)


def claim_timeout() -> timedelta:
    return timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)


# --- Housekeeping ---------------------------------------------------------------------------


def deliveries_release_stale_claims(
    *, now: datetime | None = None, channel: Channel | None = None
) -> int:
    """Take back rows claimed by a worker that died. The mail in flight when it died may have
    reached the server: it is sent again, with the same Message-ID. A row that keeps killing
    its workers gives up after REMINDER_MAX_ATTEMPTS."""
    now = now or timezone.now()
    model = (channel or REMINDERS).model
    stale = model.objects.filter(state=State.CLAIMED, claimed_at__lt=now - claim_timeout())
    note = "claim timed out (its worker stopped); taken back"
    given_up = stale.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS - 1).update(
        state=State.FAILED, next_attempt_at=None, attempts=F("attempts") + 1, note=note
    )
    released = stale.update(
        state=State.PENDING, next_attempt_at=now, attempts=F("attempts") + 1, note=note
    )
    if given_up or released:
        logger.warning("Took back %s stale claims (%s gave up).", given_up + released, given_up)
    return given_up + released


def deliveries_expire(*, now: datetime | None = None, channel: Channel | None = None) -> int:
    """Waiting rows past their moment: skipped (a pending one) or given up (a failed one),
    never sent late."""
    now = now or timezone.now()
    model = (channel or REMINDERS).model
    late = model.objects.filter(state__in=model.WAITING, expires_at__lt=now)
    given_up = late.filter(state=State.FAILED).update(next_attempt_at=None)
    skipped = late.filter(state=State.PENDING).update(
        state=State.SKIPPED, next_attempt_at=None, note="too late: its moment had passed"
    )
    return given_up + skipped


def deliveries_due_count(*, now: datetime | None = None, channel: Channel | None = None) -> int:
    return (channel or REMINDERS).due(now or timezone.now()).count()


def deliveries_prepare_batches(*, channel: Channel | None = None) -> int:
    """The beat's minute for one channel: take back claims of dead workers, skip what is too
    late, and say how many batches to start for what is due (at most
    REMINDER_DISPATCH_PARALLELISM; each batch continues itself while more is due)."""
    deliveries_release_stale_claims(channel=channel)
    deliveries_expire(channel=channel)
    due = deliveries_due_count(channel=channel)
    return min(
        math.ceil(due / settings.REMINDER_BATCH_SIZE), settings.REMINDER_DISPATCH_PARALLELISM
    )


# --- Claiming -------------------------------------------------------------------------------


def _new_claim_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@transaction.atomic
def _claim(*, claim: str, limit: int, now: datetime, channel: Channel) -> int:
    due, model = channel.due(now), channel.model
    if db_connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: lock up to `limit` due rows, passing over those another batch holds.
        ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        rows = model.objects.filter(pk__in=ids)
    else:
        # SQLite: one writer at a time; the state condition makes the UPDATE a compare-and-set.
        rows = model.objects.filter(pk__in=due.values("pk")[:limit], state__in=model.WAITING)
    return rows.update(state=State.CLAIMED, claimed_by=claim, claimed_at=now)


def deliveries_claim(
    *, limit: int, now: datetime | None = None, channel: Channel | None = None
) -> tuple[str, list[MailRow]]:
    """Claim up to `limit` due rows for a new batch; returns its claim id and the rows, with
    everything their mails show."""
    channel = channel or REMINDERS
    claim = _new_claim_id()
    if not _claim(claim=claim, limit=limit, now=now or timezone.now(), channel=channel):
        return claim, []
    return claim, list(channel.claimed(claim))


# --- Sending --------------------------------------------------------------------------------


def deliveries_send_batch(
    *, limit: int | None = None, channel: Channel | None = None
) -> BatchReport:
    """Claim a batch of due mails and send them over one connection of the mail backend."""
    channel = channel or REMINDERS
    claim, deliveries = deliveries_claim(
        limit=limit or settings.REMINDER_BATCH_SIZE, channel=channel
    )
    report = BatchReport(claimed=len(deliveries))
    if deliveries:
        _Batch(claim, deliveries, report, channel).send()
    return report


class _Batch:
    def __init__(
        self,
        claim: str,
        deliveries: list[MailRow],
        report: BatchReport,
        channel: Channel | None = None,
    ):
        self.claim = claim
        self.deliveries = deliveries
        self.channel = channel = channel or REMINDERS
        self.ours = channel.model.objects.filter(claimed_by=claim, state=State.CLAIMED)
        self.report = report
        self.renderer = channel.renderer()
        self.bounced_subscribers: set[int] = set()
        self.renewed = time.monotonic()
        self.held = {delivery.pk for delivery in deliveries}  # the claims held at the renewal
        self.send_envelope = None  # how the connection takes bytes, once it is open
        self.mark_writer: _MarkWriter | None = None
        self.unconfirmed_mark: tuple[MailRow, Future] | None = None  # being written by it

    def send(self) -> None:
        connection = get_connection()
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as error:
            self._stop(self.deliveries, classify(error))
            return
        self.send_envelope = envelope_sender(connection)
        self.mark_writer = _MarkWriter.for_this_connection()
        try:
            for index, delivery in enumerate(self.deliveries):
                failure = self._send_one(connection, delivery)
                if failure and failure.stops_batch:
                    self._stop(self.deliveries[index + 1 :], failure)
                    return
            self._confirm_mark()
        finally:
            self._confirm_mark_quietly()
            if self.mark_writer:
                self.mark_writer.close()
            _close_quietly(connection)

    def _send_one(self, connection, delivery: MailRow) -> SmtpFailure | None:
        if not self._still_ours(delivery):
            return None
        if reason := self._reason_not_to_send(delivery):
            self._finish(delivery, state=State.SKIPPED, note=reason)
            self.report.skipped += 1
            return None
        try:
            mail = self._render(delivery)
        except Exception as error:  # a bug or bad data must not hold up the rest of the batch
            logger.exception("Could not render delivery %s", delivery.pk)
            self._fail(delivery, SmtpFailure(f"could not render: {error}"[:500]))
            return None
        try:
            self._hand_over(connection, delivery, mail)
        except _TakenBack:
            # Its data was left unfinished and the connection closed: the server drops it.
            return TAKEN_BACK
        except (smtplib.SMTPException, OSError) as error:
            failure = classify(error)
            if failure.bounces:
                self._bounce(delivery, failure)
            else:
                self._fail(delivery, failure)
            return failure
        # Accepted by the server: record it at once, so at most this one mail can repeat.
        self._mark_sent(delivery)
        self.report.sent += 1
        return None

    def _render(self, delivery: MailRow) -> Envelope | EmailMultiAlternatives:
        """The mail's bytes as an SMTP server is given them, for SMTP and files alike; Django's
        message only for a backend that cannot take bytes (the tests' in-memory outbox)."""
        if self.send_envelope:
            return self.renderer.delivery_envelope(delivery)
        return self.renderer.delivery_message(delivery)

    def _hand_over(self, connection, delivery, mail: Envelope | EmailMultiAlternatives) -> None:
        """Give the mail to the server, which accepts it only once the previous mail's mark
        is committed (`_before_acceptance`)."""
        if self.send_envelope:
            self.send_envelope(mail, before_end_of_data=lambda: self._before_acceptance(delivery))
        else:
            self._before_acceptance(delivery)
            connection.send_messages([mail])

    def _still_ours(self, delivery: MailRow) -> bool:
        """Renew the batch's claims well before they could time out, and read which it still
        holds: a row taken back meanwhile (this worker stalled for longer than the timeout,
        and the housekeeping gave its claims to another batch) is no longer ours, nor is any
        other row taken back with it."""
        if time.monotonic() - self.renewed >= claim_timeout().total_seconds() / 3:
            self.renewed = time.monotonic()
            self._confirm_mark()
            self.ours.update(claimed_at=timezone.now())
            self.held = set(self.ours.values_list("pk", flat=True))
        if delivery.pk in self.held:
            return True
        logger.error("Delivery %s was taken back from a stalled batch; not sending.", delivery.pk)
        return False

    def _before_acceptance(self, delivery: MailRow) -> None:
        """The last moment to hold a mail back, with its data sent but not the end: the
        previous mark committed, and the row still ours (waiting for that commit, a lock
        perhaps, can outlast the claim timeout)."""
        self._confirm_mark()
        if not self._still_ours(delivery):
            raise _TakenBack(delivery.pk)

    def _reason_not_to_send(self, delivery: MailRow) -> str:
        """The facts may have changed since the row was planned: check them once more."""
        subscription = delivery.subscription
        if subscription.subscriber.is_bouncing or (
            subscription.subscriber_id in self.bounced_subscribers
        ):
            return "address bouncing"
        if not subscription.is_confirmed:
            return "unsubscribed"
        return self.channel.reason_not_to_send(delivery, self.renderer)

    def _finish(self, delivery: MailRow, *, counts: bool = False, **fields) -> None:
        """Record the outcome, only while this batch still holds the claim."""
        self._confirm_mark()
        if counts:
            fields["attempts"] = F("attempts") + 1
        fields.setdefault("next_attempt_at", None)
        self._check_recorded(delivery, updated=self.ours.filter(pk=delivery.pk).update(**fields))

    def _mark_sent(self, delivery: MailRow) -> None:
        """`_finish(delivery, state=SENT, sent_at=now, note="", counts=True)`, in SQL written
        out (MARK_SENT); by the mark writer where there is one, awaited by `_confirm_mark`."""
        sent_at = db_connection.ops.adapt_datetimefield_value(timezone.now())
        params = [State.SENT.value, sent_at, delivery.pk, self.claim, State.CLAIMED.value]
        if self.mark_writer:
            written = self.mark_writer.submit(self.channel.mark_sent_sql, params)
            self.unconfirmed_mark = (delivery, written)
        else:
            self._check_recorded(delivery, updated=_write_mark(self.channel.mark_sent_sql, params))

    def _confirm_mark(self) -> None:
        """Wait for the last mark's commit, and check that it recorded its row."""
        if self.unconfirmed_mark:
            (delivery, written), self.unconfirmed_mark = self.unconfirmed_mark, None
            self._check_recorded(delivery, updated=written.result())

    def _confirm_mark_quietly(self) -> None:
        """The batch ends on an error: the last mark is still committed if it can be."""
        try:
            self._confirm_mark()
        except Exception:
            logger.exception("Batch %s: the last sent mark could not be committed", self.claim)

    @staticmethod
    def _check_recorded(delivery: MailRow, *, updated: int) -> None:
        if not updated:
            logger.error("Delivery %s: claim lost before its outcome was recorded.", delivery.pk)

    def _fail(self, delivery: MailRow, failure: SmtpFailure) -> None:
        """A transient failure: try again after a backoff that doubles, a bounded number of
        times."""
        attempts = delivery.attempts + 1
        if attempts >= settings.REMINDER_MAX_ATTEMPTS:
            retry_at, note = None, f"gave up after {attempts} attempts: {failure.text}"
        else:
            backoff = settings.REMINDER_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1)
            retry_at, note = timezone.now() + timedelta(seconds=backoff), failure.text
        self._finish(
            delivery, state=State.FAILED, next_attempt_at=retry_at, note=note[:500], counts=True
        )
        self.report.failed += 1

    def _bounce(self, delivery: MailRow, failure: SmtpFailure) -> None:
        self._finish(delivery, state=State.BOUNCED, note=failure.text, counts=True)
        subscriber_id = delivery.subscription.subscriber_id
        self.bounced_subscribers.add(subscriber_id)
        services.subscriber_mark_bouncing(subscriber_id=subscriber_id, reason=failure.text)
        self.report.bounced += 1
        logger.warning("%s bounces: %s", delivery.subscription.subscriber, failure.text)

    def _stop(self, rest: list[MailRow], failure: SmtpFailure) -> None:
        """The connection is gone (or refuses us): every mail left fails for now and is retried
        after the backoff, instead of hammering a server that is down."""
        logger.warning("SMTP batch %s stopped: %s", self.claim, failure.text)
        for delivery in rest:
            if delivery.pk in self.held:  # the others were taken back: not ours to record
                self._fail(delivery, failure)
        self.report.stopped = True


class _TakenBack(Exception):
    """The row of the mail on its way was taken back from this batch."""


# The batch stops there: its connection is closed, and what it holds is as stale as that row.
TAKEN_BACK = SmtpFailure("taken back from a stalled batch while on its way", stops_batch=True)


def _write_mark(sql: str, params: list) -> int:
    """One committed MARK_SENT (autocommit); how many rows it updated (0: the claim is lost)."""
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class _MarkWriter:
    """A thread of the batch that writes its "sent" marks on a database connection of its own
    (Django's connections are per thread), so that this one goes on with the next mail while a
    mark's commit waits for the disk: on PostgreSQL a commit waits for the WAL's flush, about
    a quarter of a digest's sending (bench row 9). Not on SQLite, whose commits on the
    embedded default do not wait for the disk (synchronous=NORMAL) and whose writers take
    turns, nor inside a transaction, whose marks must be part of it (the test suite's)."""

    def __init__(self):
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-marks")

    @classmethod
    def for_this_connection(cls) -> "_MarkWriter | None":
        if db_connection.vendor != "postgresql" or db_connection.in_atomic_block:
            return None
        return cls()

    def submit(self, sql: str, params: list) -> Future:
        return self.thread.submit(_write_mark, sql, params)

    def close(self) -> None:
        """Close the thread's connection (after any write still queued), then the thread."""
        self.thread.submit(_close_this_threads_connection)
        self.thread.shutdown(wait=True)


def _close_this_threads_connection() -> None:
    # `db_connection` is looked up here, in the thread that runs this: the connection of the
    # thread that submitted it would refuse to be closed from another.
    db_connection.close()


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except (smtplib.SMTPException, OSError):
        logger.info("SMTP connection did not close cleanly", exc_info=True)


# --- The reminders' channel -----------------------------------------------------------------


def _reminder_reason_not_to_send(delivery: Delivery, _renderer: MailRenderer) -> str:
    meeting = delivery.meeting
    if not (meeting.is_published and meeting.program.is_active):
        return "meeting not published"
    if delivery.kind == Kind.CANCELLATION:
        return "" if meeting.is_cancelled else "meeting no longer cancelled"
    return "meeting cancelled" if meeting.is_cancelled else ""


REMINDERS = Channel(
    model=Delivery,
    due=lambda now: selectors.deliveries_due(now=now),
    claimed=lambda claim: selectors.deliveries_claimed(claim=claim),
    renderer=MailRenderer,
    reason_not_to_send=_reminder_reason_not_to_send,
)
