"""Row 4: a reminder fan-out to every subscriber of TUG, sent by the reminders dispatcher to a
local SMTP server (the suite's aiosmtpd sink, tests/support/smtp.py, in a thread of this
process), against a bare `smtplib` loop that sends the very same messages (as the server
received them) over one connection to it.

The rows are planned by the reminders planner for the next TUG meeting; then the first
reminder's rows are made due now (the planner would make them due a day before the meeting)
and the second's set aside. They are sent in parts, one per round: the dispatcher sends a part
with `deliveries_send_batch` until none is due, one batch (one SMTP connection) after another,
as one worker process does; then the bare loop sends the same messages.
"""

import smtplib
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tests.support.smtp import SmtpSink

from .timing import elapsed


def fanout_rows(now):
    """Plan the next TUG meeting's reminders; returns (the rows of its first reminder, how long
    planning took)."""
    from tug_portal.meetings.models import Meeting
    from tug_portal.reminders import planner
    from tug_portal.reminders.models import Delivery

    meeting = (
        Meeting.objects.published()
        .filter(
            program__slug="tug",
            status=Meeting.Status.SCHEDULED,
            starts_at__gt=now + timedelta(days=2),
        )
        .order_by("starts_at")
        .first()
    )
    planning = elapsed(lambda: planner.meeting_plan_deliveries(meeting_id=meeting.pk, now=now))
    reminders = Delivery.objects.filter(meeting=meeting, kind=Delivery.Kind.REMINDER)
    first = max(reminders.values_list("offset", flat=True).distinct())
    reminders.exclude(offset=first).update(
        state=Delivery.State.SKIPPED, next_attempt_at=None, note="set aside by the bench"
    )
    return reminders.filter(offset=first), planning


def make_due(rows, **fields) -> int:
    """Due now and unsent, with `fields` changed too (a reminder's `due_at`; a digest keeps its
    planned moment, since its content is of that week). Rows of any `MailRow` model."""
    now = timezone.now()
    return rows.update(
        state=rows.model.State.PENDING,
        next_attempt_at=now,
        expires_at=now + timedelta(hours=2),
        claimed_by="",
        claimed_at=None,
        sent_at=None,
        attempts=0,
        note="",
        **fields,
    )


def reminders_due(rows) -> int:
    return make_due(rows, due_at=timezone.now())


def dispatch_all(channel=None) -> int:
    """Send batches of `channel` (reminders by default) until nothing is due; returns how many
    mails were sent."""
    from tug_portal.reminders.dispatcher import deliveries_send_batch

    sent = 0
    while (report := deliveries_send_batch(channel=channel)).claimed:
        sent += report.sent
    return sent


def bare_send(port: int, messages) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for message in messages:
            smtp.sendmail(message.mail_from, list(message.rcpt_tos), message.data)


def one_round(sink: SmtpSink, rows, *, due=reminders_due, channel=None):
    """Send `rows` with the dispatcher (made due by `due`, sent by `channel`), then the same
    messages with the bare loop; returns the number of mails and the seconds each took."""
    expected = due(rows)
    sink.clear()
    sent = [0]
    portal_seconds = elapsed(lambda: sent.__setitem__(0, dispatch_all(channel)))
    if sent[0] != expected or sink.count != expected:
        notes = sorted(set(rows.exclude(note="").values_list("note", flat=True)))
        raise RuntimeError(
            f"{expected} mails due, {sent[0]} sent, {sink.count} received by the server "
            f"(skipped or failed: {'; '.join(notes)})"
        )
    messages = sink.messages
    sink.clear()
    bare_seconds = elapsed(lambda: bare_send(sink.port, messages))
    if sink.count != expected:
        raise RuntimeError(f"the bare loop delivered {sink.count} of {expected} mails")
    return expected, portal_seconds, bare_seconds


def send_in_parts(rows, *, rounds: int, budget_seconds: float, **how) -> tuple[list, list]:
    """`rows` in `rounds` parts of consecutive rows, each sent by `one_round(..., **how)`,
    until `budget_seconds` are spent; returns the ids of all the rows and each round's
    result."""
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    size = -(-len(ids) // rounds)  # ceiling: `rounds` parts of consecutive rows
    parts = [ids[start : start + size] for start in range(0, len(ids), size)]
    results = []
    started = time.monotonic()
    with SmtpSink() as sink:
        # The backend reads the port each time it is created: every batch sends to the sink.
        settings.EMAIL_PORT = sink.port
        for part in parts:
            results.append(one_round(sink, rows.filter(pk__range=(part[0], part[-1])), **how))
            if time.monotonic() - started > budget_seconds:
                break
    return ids, results


def measure_fanout(*, rounds: int, budget_seconds: float) -> dict:
    """The fan-out in `rounds` parts (each one sent by the dispatcher, then by the bare loop);
    mails per second of each (medians over the parts) and the median of their ratios. Once
    `budget_seconds` are spent the remaining parts are left out, and the result says so."""
    rows, planning = fanout_rows(timezone.now())
    ids, results = send_in_parts(rows, rounds=rounds, budget_seconds=budget_seconds)
    return {
        "planned": len(ids),
        "mails": sum(n for n, _, _ in results),
        "rounds": len(results),
        "planning_s": planning,
        "portal_per_s": statistics.median(n / portal for n, portal, _ in results),
        "bare_per_s": statistics.median(n / bare for n, _, bare in results),
        "ratio": statistics.median(bare / portal for _, portal, bare in results),
    }


def send_sent_again(rows, count: int, *, due=reminders_due, channel=None) -> None:
    """Send `count` of the sent `rows` once more (to profile a fan-out)."""
    sent = rows.filter(state=rows.model.State.SENT).order_by("pk")
    ids = list(sent.values_list("pk", flat=True)[:count])
    with SmtpSink() as sink:
        settings.EMAIL_PORT = sink.port
        due(rows.model.objects.filter(pk__in=ids))
        dispatch_all(channel)


def send_again(count: int) -> None:
    """Send `count` of the reminder fan-out's mails once more (to profile the fan-out)."""
    from tug_portal.reminders.models import Delivery

    send_sent_again(Delivery.objects.all(), count)
