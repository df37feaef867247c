from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import make_meeting, make_program, make_subscription
from tug_portal.reminders import selectors
from tug_portal.reminders.models import Subscriber, Subscription

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
Status = Subscription.Status


def emails(subscriptions):
    return sorted(s.subscriber.email for s in subscriptions.select_related("subscriber"))


def test_matching_subscriptions_are_active_and_about_the_meetings_systems():
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW, systems=("DRRS",))
    make_subscription("all@example.com", program)
    make_subscription("drrs@example.com", program, systems=("DRRS", "OMS"))
    make_subscription("oms@example.com", program, systems=("OMS",))
    make_subscription("new@example.com", program, status=Status.UNCONFIRMED)
    make_subscription("gone@example.com", program)
    Subscriber.objects.filter(email="gone@example.com").update(is_bouncing=True)

    matching = selectors.subscriptions_matching_meeting(meeting=meeting)

    assert emails(matching) == ["all@example.com", "drrs@example.com"]


def test_requests_whose_confirmation_mail_has_not_gone_out():
    program = make_program()
    never = make_subscription("never@example.com", program, status=Status.UNCONFIRMED)
    again = make_subscription("again@example.com", program, status=Status.UNCONFIRMED)
    sent = make_subscription("sent@example.com", program, status=Status.UNCONFIRMED)
    old = make_subscription("old@example.com", program, status=Status.UNCONFIRMED)
    left = make_subscription("left@example.com", program, status=Status.UNSUBSCRIBED)
    hour = timedelta(hours=1)
    Subscription.objects.filter(pk=never.pk).update(confirmation_requested_at=NOW)
    Subscription.objects.filter(pk__in=[again.pk, sent.pk]).update(
        confirmation_requested_at=NOW, confirmation_sent_at=NOW - hour
    )
    Subscription.objects.filter(pk=sent.pk).update(confirmation_sent_at=NOW + hour)
    Subscription.objects.filter(pk__in=[old.pk, left.pk]).update(
        confirmation_requested_at=NOW - 30 * hour
    )

    with time_machine.travel(NOW, tick=False):
        waiting = selectors.subscriptions_awaiting_confirmation_mail(since=NOW - 24 * hour)

    assert emails(waiting) == ["again@example.com", "never@example.com"]
