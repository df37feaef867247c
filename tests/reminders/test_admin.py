from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import make_meeting, make_program, make_subscription
from tug_portal.reminders import planner
from tug_portal.reminders.models import Delivery, ReminderOffset, Subscriber, Subscription

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
State, Status = Delivery.State, Subscription.Status


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_reminder_settings_list_counts_subscribers_per_program(staff_client):
    program = make_program()
    make_subscription("ann@example.com", program)
    make_subscription("bob@example.com", program)
    make_subscription("new@example.com", program, status=Status.UNCONFIRMED)
    make_subscription("left@example.com", program, status=Status.UNSUBSCRIBED)
    make_subscription("gone@example.com", program)
    Subscriber.objects.filter(email="gone@example.com").update(is_bouncing=True)

    response = staff_client.get(reverse("admin:reminders_reminderpolicy_changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    counts = '<td class="field-confirmed">2</td><td class="field-unconfirmed">1</td>'
    counts += '<td class="field-unsubscribed">1</td><td class="field-bouncing">1</td>'
    assert counts in content
    assert '<td class="field-offsets">1 day, 1 hour</td>' in content
    assert '<a href="/subscriptions/export/tug.csv">Export as CSV</a>' in content


def test_staff_set_offsets_in_words(staff_client, django_capture_on_commit_callbacks):
    program = make_program()
    policy = program.reminder_policy
    offsets = list(policy.offsets.order_by("-before"))
    url = reverse("admin:reminders_reminderpolicy_change", args=[policy.pk])
    form = {
        "send_cancellation_notice": "on",
        "cancellation_notice_window": "1 day",
        "send_update_notice": "on",
        "offsets-TOTAL_FORMS": "3",
        "offsets-INITIAL_FORMS": "2",
        "offsets-MIN_NUM_FORMS": "0",
        "offsets-MAX_NUM_FORMS": "1000",
        "offsets-0-id": offsets[0].pk,
        "offsets-0-policy": policy.pk,
        "offsets-0-before": "2 days",
        "offsets-1-id": offsets[1].pk,
        "offsets-1-policy": policy.pk,
        "offsets-1-before": "1 hour",
        "offsets-1-DELETE": "on",
        "offsets-2-policy": policy.pk,
        "offsets-2-before": "15 min",
    }

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(url, form)

    assert response.status_code == 302
    assert sorted(ReminderOffset.objects.values_list("before", flat=True)) == [
        timedelta(minutes=15),
        timedelta(days=2),
    ]
    assert len(callbacks) == 1  # re-plan the program's meetings


def test_offset_that_is_not_a_duration_is_refused_with_a_hint(staff_client):
    program = make_program(offsets=[])
    url = reverse("admin:reminders_reminderpolicy_change", args=[program.reminder_policy.pk])

    response = staff_client.post(
        url,
        {
            "cancellation_notice_window": "1 day",
            "offsets-TOTAL_FORMS": "1",
            "offsets-INITIAL_FORMS": "0",
            "offsets-0-policy": program.reminder_policy.pk,
            "offsets-0-before": "soonish",
        },
    )

    assert response.status_code == 200
    assert "Write it like “1 day”, “2 hours”, “1d 12h” or “90 minutes”." in (
        response.content.decode()
    )
    assert not ReminderOffset.objects.exists()


def test_meeting_log_shows_who_was_reminded_when_and_what_failed(staff_client):
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + timedelta(days=3))
    make_subscription("ann@example.com", program)
    make_subscription("gone@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    Delivery.objects.filter(subscription__subscriber__email="ann@example.com").update(
        state=State.SENT, sent_at=NOW
    )
    Delivery.objects.filter(
        subscription__subscriber__email="gone@example.com", offset=timedelta(days=1)
    ).update(state=State.BOUNCED, note="550 5.1.1 No such user", attempts=1)

    listing = staff_client.get(reverse("admin:reminders_meetingreminderlog_changelist"))
    page = staff_client.get(reverse("admin:reminders_meetingreminderlog_change", args=[meeting.pk]))

    assert listing.status_code == 200
    assert '<td class="field-sent">2</td><td class="field-waiting">1</td>' in (
        listing.content.decode()
    )
    content = page.content.decode()
    assert "<td>gone@example.com</td><td>Bounced</td><td>1</td><td>550 5.1.1 No such user</td>" in (
        content
    )
    assert "<td>Reminder</td><td>1 day</td>" in content
    deliveries = staff_client.get(
        reverse("admin:reminders_delivery_changelist"), {"meeting__id__exact": meeting.pk}
    )
    assert deliveries.status_code == 200
    assert deliveries.content.decode().count("ann@example.com") == 2


def test_deliveries_cannot_be_edited_in_the_admin(staff_client):
    program = make_program()
    meeting = make_meeting(program, starts_at=NOW + timedelta(days=3))
    make_subscription("ann@example.com", program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    delivery = Delivery.objects.first()

    page = staff_client.get(reverse("admin:reminders_delivery_change", args=[delivery.pk]))
    post = staff_client.post(reverse("admin:reminders_delivery_change", args=[delivery.pk]), {})

    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split('id="content-main"')[1]
    assert post.status_code == 403


def test_staff_resume_mail_to_a_bouncing_address(staff_client):
    program = make_program()
    make_subscription("ann@example.com", program)
    subscriber = Subscriber.objects.get()
    Subscriber.objects.update(is_bouncing=True, bounce_reason="552 mailbox full")

    response = staff_client.post(
        reverse("admin:reminders_subscriber_changelist"),
        {"action": "clear_bouncing", "_selected_action": [subscriber.pk]},
    )

    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert (subscriber.is_bouncing, subscriber.bounce_reason) == (False, "")
