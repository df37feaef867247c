"""The dispatcher under a running clock: a live batch keeps its claims."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_meeting, make_program, make_subscription
from tug_portal.reminders import dispatcher, planner
from tug_portal.reminders.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)


def in_a_thread(function) -> None:
    """Run `function` in a thread of its own and wait: the SMTP server's callbacks run in its
    event loop, where Django refuses database calls."""
    thread = threading.Thread(target=function)
    thread.start()
    thread.join()


def test_slow_live_batch_renews_its_claims_so_none_is_taken_back(smtp_backend, settings):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 1
    smtp_backend.delay = 0.4  # each mail takes longer than a third of the timeout
    program = make_program(offsets=[timedelta(hours=1)])
    meeting = make_meeting(program, starts_at=timezone.now() + timedelta(minutes=59))
    for n in range(4):
        make_subscription(f"member{n}@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    taken_back = []
    # While the last mail is in flight, beat's housekeeping runs (in the server's thread).
    smtp_backend.on_message = lambda _message, count: (
        in_a_thread(lambda: taken_back.append(dispatcher.deliveries_release_stale_claims()))
        if count == 4
        else None
    )

    report = dispatcher.deliveries_send_batch()

    assert taken_back == [0]
    assert (report.claimed, report.sent) == (4, 4)
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}
    assert smtp_backend.count == 4


def test_a_batch_stalled_past_the_claim_timeout_sends_none_of_the_rows_taken_back_meanwhile(
    smtp_backend, settings
):
    """A batch stalls in its first mail for longer than the claim timeout (a slow server, a
    lock), and beat's housekeeping takes its claims back meanwhile: the batch sends none of the
    other rows, which the next batch sends once each; only the mail in flight may repeat."""
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 1
    program = make_program(offsets=[timedelta(hours=1)])
    meeting = make_meeting(program, starts_at=timezone.now() + timedelta(minutes=59))
    for n in range(4):
        make_subscription(f"member{n}@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    def stall_then_take_back():
        time.sleep(1.2)
        dispatcher.deliveries_release_stale_claims()

    smtp_backend.on_message = lambda _message, count: (
        in_a_thread(stall_then_take_back) if count == 1 else None
    )
    stalled = dispatcher.deliveries_send_batch()
    smtp_backend.on_message = None
    dispatcher.deliveries_send_batch()  # the next batch, with the rows taken back

    received = {address: len(mails) for address, mails in smtp_backend.by_recipient().items()}
    first = smtp_backend.messages[0].rcpt_tos[0]
    assert stalled.sent <= 1
    assert received == {
        f"member{n}@example.com": 2 if f"member{n}@example.com" == first else 1 for n in range(4)
    }
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}
