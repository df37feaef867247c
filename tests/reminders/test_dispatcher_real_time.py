"""The dispatcher under a running clock: a live batch keeps its claims."""

import threading
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
