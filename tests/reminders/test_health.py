from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import make_meeting, make_program, make_subscription
from tug_portal.common.health import Check
from tug_portal.reminders import planner
from tug_portal.reminders.health import check_reminders
from tug_portal.reminders.models import Delivery

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def due_reminder():
    with time_machine.travel(NOW, tick=False):
        program = make_program(offsets=[timedelta(hours=1)])
        meeting = make_meeting(program, starts_at=NOW + 61 * MINUTE)
        make_subscription("ann@example.com", program)
        planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    return Delivery.objects.get()


def test_reminders_are_ready_when_nothing_due_waits(due_reminder):
    with time_machine.travel(NOW, tick=False):
        assert check_reminders() == Check("reminders", True, "no due mail is waiting")


def test_reminders_are_not_ready_once_a_due_mail_waits_too_long(due_reminder, settings):
    settings.TUG_READYZ_REMINDER_LAG = 600

    with time_machine.travel(NOW + MINUTE + 10 * MINUTE, tick=False):
        in_time = check_reminders()
    with time_machine.travel(NOW + MINUTE + 10 * MINUTE + MINUTE, tick=False):
        late = check_reminders()

    assert in_time == Check("reminders", True, "oldest unsent due mail is 600 s late")
    assert late == Check("reminders", False, "oldest unsent due mail is 660 s late")


def test_a_sent_or_abandoned_mail_does_not_count(due_reminder):
    Delivery.objects.update(state=Delivery.State.FAILED, next_attempt_at=None)

    with time_machine.travel(NOW + 30 * MINUTE, tick=False):
        assert check_reminders().ok is True
