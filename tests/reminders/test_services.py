from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from tests.reminders.factories import make_meeting, make_program, make_subscription
from tug_portal.meetings.models import Program, System
from tug_portal.reminders import planner, services
from tug_portal.reminders.models import Delivery, ReminderPolicy, Subscriber, Subscription

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
Status = Subscription.Status


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_new_program_gets_reminders_one_day_and_one_hour_before():
    program = Program.objects.create(name="Customer Partnership Group", acronym="CPG", slug="cpg")

    assert ReminderPolicy.objects.get(program=program).offset_list() == [
        timedelta(days=1),
        timedelta(hours=1),
    ]


def test_request_stores_an_unconfirmed_subscription_and_queues_the_confirmation(
    django_capture_on_commit_callbacks,
):
    program = make_program()
    drrs = System.objects.create(code="DRRS", name="Demand Response Registration System")

    with django_capture_on_commit_callbacks() as callbacks:
        subscription = services.subscription_request(
            email="  Ann@Example.COM ", program=program, systems=[drrs]
        )

    assert subscription.subscriber.email == "ann@example.com"
    assert (subscription.status, subscription.confirmation_requested_at) == (
        Status.UNCONFIRMED,
        NOW,
    )
    assert list(subscription.systems.all()) == [drrs]
    assert len(callbacks) == 1


def test_request_for_a_confirmed_subscription_changes_nothing_of_it():
    program = make_program()
    subscription = make_subscription("ann@example.com", program)

    services.subscription_request(
        email="ann@example.com",
        program=program,
        systems=[System.objects.create(code="OMS", name="Outage Management System")],
    )

    subscription.refresh_from_db()
    assert subscription.status == Status.CONFIRMED
    assert list(subscription.systems.all()) == []


def test_confirmation_mail_carries_a_link_that_confirms():
    program = make_program()
    subscription = services.subscription_request(email="ann@example.com", program=program)

    assert services.subscription_send_confirmation(subscription_id=subscription.pk) is True

    (message,) = mail.outbox
    assert message.subject == "Confirm your TUG meeting reminders"
    assert message.to == ["ann@example.com"]
    assert "http://127.0.0.1:8000/subscriptions/confirm/" in message.body
    subscription.refresh_from_db()
    assert subscription.confirmation_sent_at == NOW


def test_confirmation_is_sent_once_per_request():
    program = make_program()
    subscription = services.subscription_request(email="ann@example.com", program=program)
    services.subscription_send_confirmation(subscription_id=subscription.pk)

    assert services.subscription_send_confirmation(subscription_id=subscription.pk) is False
    assert len(mail.outbox) == 1


def test_requests_in_quick_succession_send_no_further_mail(frozen_now):
    program = make_program()
    subscription = services.subscription_request(email="ann@example.com", program=program)
    services.subscription_send_confirmation(subscription_id=subscription.pk)

    frozen_now.shift(timedelta(minutes=9))
    services.subscription_request(email="ann@example.com", program=program)
    assert services.subscription_send_confirmation(subscription_id=subscription.pk) is False

    frozen_now.shift(timedelta(minutes=2))
    services.subscription_request(email="ann@example.com", program=program)
    assert services.subscription_send_confirmation(subscription_id=subscription.pk) is True
    assert len(mail.outbox) == 2


def test_asking_again_when_confirmed_mails_the_preferences_link():
    program = make_program()
    subscription = make_subscription("ann@example.com", program)
    services.subscription_request(email="ann@example.com", program=program)

    services.subscription_send_confirmation(subscription_id=subscription.pk)

    (message,) = mail.outbox
    assert message.subject == "Your TUG meeting reminders"
    assert "http://127.0.0.1:8000/subscriptions/preferences/" in message.body


def test_confirm_confirms_and_lets_a_bouncing_address_take_mail_again():
    program = make_program()
    subscription = make_subscription("ann@example.com", program, status=Status.UNCONFIRMED)
    Subscriber.objects.update(is_bouncing=True, bounce_reason="550 gone")

    assert services.subscription_confirm(subscription=subscription) is True

    subscription.refresh_from_db()
    assert (subscription.status, subscription.confirmed_at) == (Status.CONFIRMED, NOW)
    assert Subscriber.objects.get().is_bouncing is False


def test_stale_confirmation_link_does_not_resubscribe():
    program = make_program()
    subscription = make_subscription("ann@example.com", program, status=Status.UNSUBSCRIBED)

    assert services.subscription_confirm(subscription=subscription) is False
    subscription.refresh_from_db()
    assert subscription.status == Status.UNSUBSCRIBED


def test_unsubscribe_stops_the_mail_already_planned():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + timedelta(days=3))
    subscription = make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    services.subscription_unsubscribe(subscription=subscription)

    subscription.refresh_from_db()
    assert (subscription.status, subscription.unsubscribed_at) == (Status.UNSUBSCRIBED, NOW)
    assert set(Delivery.objects.values_list("state", "note")) == {
        (Delivery.State.SKIPPED, "unsubscribed")
    }


def test_preferences_subscribe_narrow_and_unsubscribe_in_one_go():
    tug, cpg, paused = (make_program(acronym=acronym) for acronym in ("TUG", "CPG", "EIM"))
    oms = System.objects.create(code="OMS", name="Outage Management System")
    make_subscription("ann@example.com", tug)
    make_subscription("ann@example.com", paused)
    subscriber = Subscriber.objects.get()

    services.subscriber_update_preferences(subscriber=subscriber, choices={tug: None, cpg: [oms]})

    subscriptions = {s.program.acronym: s for s in subscriber.subscriptions.all()}
    assert subscriptions["TUG"].status == Status.UNSUBSCRIBED
    assert subscriptions["EIM"].status == Status.CONFIRMED  # not on the page: left alone
    assert (subscriptions["CPG"].status, subscriptions["CPG"].confirmed_at) == (
        Status.CONFIRMED,
        NOW,
    )
    assert list(subscriptions["CPG"].systems.all()) == [oms]


def test_bouncing_stops_every_mail_planned_for_the_address():
    tug, cpg = make_program(acronym="TUG"), make_program(acronym="CPG")
    meetings = [make_meeting(p, starts_at=NOW + timedelta(days=2)) for p in (tug, cpg)]
    make_subscription("ann@example.com", tug)
    make_subscription("ann@example.com", cpg)
    planner.meetings_plan_deliveries(meeting_ids=[m.pk for m in meetings])

    services.subscriber_mark_bouncing(
        subscriber_id=Subscriber.objects.get().pk, reason="550 5.1.1 No such user"
    )

    subscriber = Subscriber.objects.get()
    assert (subscriber.is_bouncing, subscriber.bounced_at) == (True, NOW)
    assert Delivery.objects.filter(state=Delivery.State.SKIPPED).count() == 4


def test_test_reminder_goes_to_an_address_that_is_not_subscribed():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + timedelta(days=2))

    services.reminder_send_test(
        email="Staff@Example.com", meeting=meeting, before=timedelta(hours=1)
    )

    (message,) = mail.outbox
    assert message.to == ["staff@example.com"]
    assert message.subject.startswith("[Test] Reminder: TUG meeting in 1 hour, ")
    assert "/subscriptions/new/?program=tug" in message.extra_headers["List-Unsubscribe"]
    assert not Delivery.objects.exists()
