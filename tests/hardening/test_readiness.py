"""/readyz with the reminders' own check: is due mail going out?"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import make_meeting, make_program, make_subscription
from tug_portal.common.models import Heartbeat
from tug_portal.reminders.health import check_reminders
from tug_portal.reminders.models import Delivery

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 8, 17, 0, tzinfo=UTC)
State = Delivery.State


@pytest.fixture
def mail_due_at():
    """`mail_due_at(moment, state=..., next_attempt_at=...)`: one reminder row."""
    program = make_program()
    meeting = make_meeting(program, starts_at=T0 + timedelta(hours=1))
    subscription = make_subscription("member@example.com", program)
    offsets = iter(range(1, 100))

    def make(due_at, *, state=State.PENDING, next_attempt_at="due"):
        return Delivery.objects.create(
            subscription=subscription,
            meeting=meeting,
            offset=timedelta(minutes=next(offsets)),
            due_at=due_at,
            expires_at=due_at + timedelta(minutes=30),
            state=state,
            next_attempt_at=due_at if next_attempt_at == "due" else next_attempt_at,
        )

    return make


def check_at(moment):
    with time_machine.travel(moment, tick=False):
        return check_reminders()


def test_reminders_are_ready_when_nothing_is_waiting(mail_due_at):
    mail_due_at(T0 - timedelta(hours=1), state=State.SENT)
    mail_due_at(T0 - timedelta(hours=1), state=State.FAILED, next_attempt_at=None)  # gave up
    mail_due_at(T0 + timedelta(minutes=5))  # not due yet

    check = check_at(T0)

    assert (check.ok, check.detail) == (True, "no due mail is waiting")


def test_reminders_are_ready_while_due_mail_is_minutes_late(mail_due_at):
    mail_due_at(T0 - timedelta(seconds=30))

    check = check_at(T0)

    assert (check.ok, check.detail) == (True, "oldest unsent due mail is 30 s late")


def test_reminders_fail_once_due_mail_waits_over_ten_minutes(mail_due_at):
    mail_due_at(T0 - timedelta(seconds=601), state=State.CLAIMED)
    mail_due_at(T0 - timedelta(seconds=30))

    check = check_at(T0)

    assert (check.ok, check.detail) == (False, "oldest unsent due mail is 601 s late")


def test_readyz_names_late_reminders(client, mail_due_at):
    Heartbeat.objects.create(name="beat", beat_at=T0)
    mail_due_at(T0 - timedelta(minutes=20))

    with time_machine.travel(T0, tick=False):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["reminders"] == {
        "ok": False,
        "detail": "oldest unsent due mail is 1200 s late",
    }
