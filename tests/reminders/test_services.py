import smtplib
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from tests.factories import make_meeting, make_program, make_subscription
from tug_portal.common.mailboxes import InvalidMailbox
from tug_portal.meetings.models import Program, System
from tug_portal.reminders import planner, selectors, services, tasks
from tug_portal.reminders.models import (
    Delivery,
    ReminderPolicy,
    Subscriber,
    Subscription,
    SubscriptionRequest,
)

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


# --- Confirmation mails per mailbox -----------------------------------------------------------

SPELLINGS = [
    "victim@example.com", "Victim@Example.com", '"victim"@example.com', '"VICTIM"@example.com',
    '"vic\\tim"@example.com', '"v\\i\\c\\t\\i\\m"@example.com', '"vic\\\ttim"@example.com',
    "victim+1@example.com", "victim+2@example.com", "VICTIM+3@EXAMPLE.COM",
    '"victim+4"@example.com', "victim+a+b@example.com", "Victim+news@Example.com",
    "victim+x@EXAMPLE.com", '"Victim"@EXAMPLE.com', "vIcTiM@example.com",
    "victim+@example.com", '"vict\\im+5"@example.com', "VicTim+6@example.com",
    "victim+7@Example.COM",
]  # fmt: skip


def ask_and_send(email: str, program: Program) -> bool:
    """What the subscribe form's task does: the request, then its confirmation mail."""
    subscription = services.subscription_request(email=email, program=program)
    return services.subscription_send_confirmation(subscription_id=subscription.pk)


def test_twenty_spellings_of_one_mailbox_across_five_programs_get_at_most_three_mails():
    programs = [make_program(acronym=a) for a in ("TUG", "CPG", "EIM", "RDRR", "MRI")]
    assert len(set(SPELLINGS)) == 20

    sent = [ask_and_send(email, program) for program in programs for email in SPELLINGS]

    assert sent.count(True) == 3 == len(mail.outbox)
    # Stored and mailed as typed (in lower case), not as the key.
    assert [message.to for message in mail.outbox] == [
        ["victim@example.com"],
        ['"victim"@example.com'],
        ['"vic\\tim"@example.com'],
    ]
    assert Subscriber.objects.count() == len({email.lower() for email in SPELLINGS})


def test_each_mailbox_has_its_own_budget():
    programs = [make_program(acronym=a) for a in ("TUG", "CPG", "EIM", "MRI")]
    for program in programs[:3]:
        ask_and_send("victim@example.com", program)

    assert ask_and_send("victim+x@example.com", programs[3]) is False
    assert ask_and_send("other@example.com", programs[3]) is True
    assert len(mail.outbox) == 4


def test_the_budget_is_a_rolling_day(frozen_now):
    programs = [make_program(acronym=a) for a in ("TUG", "CPG", "EIM", "MRI")]
    for program in programs[:3]:
        assert ask_and_send("victim@example.com", program) is True
        frozen_now.shift(timedelta(hours=1))

    frozen_now.shift(timedelta(hours=20))  # 23 h after the first mail
    assert ask_and_send("victim+4@example.com", programs[3]) is False
    frozen_now.shift(timedelta(hours=1, seconds=1))  # 24 h after the first
    assert ask_and_send("victim+5@example.com", programs[3]) is True


def test_a_request_over_the_budget_is_dropped_not_mailed_later():
    programs = [make_program(acronym=a) for a in ("TUG", "CPG", "EIM", "MRI")]
    for program in programs[:3]:
        ask_and_send("victim@example.com", program)

    assert ask_and_send("victim@example.com", programs[3]) is False

    awaiting = selectors.subscriptions_awaiting_confirmation_mail(since=NOW - timedelta(days=1))
    assert not awaiting.exists()  # the sweep will not send it later either
    dropped = Subscription.objects.get(program=programs[3])
    assert (dropped.status, dropped.confirmation_sent_at) == (Status.UNCONFIRMED, None)


def test_asking_again_when_confirmed_counts_against_the_budget_too():
    programs = [make_program(acronym=a) for a in ("TUG", "CPG", "EIM", "MRI")]
    for program in programs:
        make_subscription("victim@example.com", program)

    sent = [ask_and_send("victim@example.com", program) for program in programs]

    assert sent == [True, True, True, False]


def test_a_retried_confirmation_takes_no_second_share(smtp_backend):
    program = make_program()
    smtp_backend.reject("victim@example.com", "451 4.3.0 try again later")
    subscription = services.subscription_request(email="victim@example.com", program=program)
    for _ in range(3):  # the task's retries
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            services.subscription_send_confirmation(subscription_id=subscription.pk)

    smtp_backend.reject("victim@example.com", "")  # takes mail again
    assert services.subscription_send_confirmation(subscription_id=subscription.pk) is True
    assert ask_and_send("victim+1@example.com", program) is True
    assert ask_and_send("victim+2@example.com", program) is True
    assert ask_and_send("victim+3@example.com", program) is False
    assert len(smtp_backend.messages) == 3


def test_a_second_task_for_the_same_request_sends_nothing():
    program = make_program()
    subscription = services.subscription_request(email="ann@example.com", program=program)
    Subscription.objects.filter(pk=subscription.pk).update(confirmation_sent_at=NOW)  # claimed

    assert services.subscription_send_confirmation(subscription_id=subscription.pk) is False
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["user@[127.0.0.1]", "user@localhost", '""@example.com'])
def test_request_for_nonsense_is_refused_and_stores_nothing(email):
    program = make_program()

    with pytest.raises(InvalidMailbox):
        services.subscription_request(email=email, program=program)

    assert not Subscriber.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_mailbox_send_at_most_three():
    """Eight workers at once, each a spelling of the same mailbox for a program of its own."""
    programs = [make_program(acronym=f"P{n}") for n in range(8)]
    subscriptions = [
        services.subscription_request(email=SPELLINGS[n], program=program)
        for n, program in enumerate(programs)
    ]
    barrier = threading.Barrier(len(subscriptions))
    results = []

    def send(subscription_id):
        try:
            barrier.wait()
            results.append(services.subscription_send_confirmation(subscription_id=subscription_id))
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=send, args=(s.pk,)) for s in subscriptions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(results) == [False] * 5 + [True] * 3
    assert len(mail.outbox) == 3


def test_shares_older_than_a_day_are_pruned_and_handled_requests_do_not_linger(frozen_now):
    program = make_program()
    ask_and_send("victim@example.com", program)
    services.subscription_ask(email="ann@example.com", program=program)
    (request,) = SubscriptionRequest.objects.all()
    subscription = services.subscription_request_handle(request_id=request.pk)
    services.subscription_send_confirmation(subscription_id=subscription.pk)

    assert services.subscription_request_handle(request_id=request.pk) is None  # once only
    frozen_now.shift(timedelta(hours=23))
    assert services.confirmation_mails_prune() == 0
    frozen_now.shift(timedelta(hours=1))
    assert services.confirmation_mails_prune() == 2
    assert not SubscriptionRequest.objects.exists()


# --- Never-confirmed subscriptions are forgotten --------------------------------------------


def test_sweep_prunes_subscriptions_never_confirmed_for_the_set_days_and_is_idempotent(
    db, settings
):
    settings.REMINDER_UNCONFIRMED_MAX_AGE_DAYS = 7
    unconfirmed = Subscription.Status.UNCONFIRMED
    tug, cpg = make_program(acronym="TUG"), make_program(acronym="CPG")
    stale = make_subscription("stale@example.com", tug, status=unconfirmed)
    stale_of_a_subscriber = make_subscription("ann@example.com", cpg, status=unconfirmed)
    kept = {
        make_subscription("recent@example.com", tug, status=unconfirmed).pk,
        make_subscription("ann@example.com", tug).pk,  # confirmed, long ago
        make_subscription("left@example.com", tug, status=Subscription.Status.UNSUBSCRIBED).pk,
    }
    long_ago = timezone.now() - timedelta(days=8)
    Subscription.objects.exclude(subscriber__email="recent@example.com").update(
        created_at=long_ago, updated_at=long_ago, confirmation_requested_at=long_ago
    )

    tasks.sweep_reminders()
    tasks.sweep_reminders()

    assert set(Subscription.objects.values_list("pk", flat=True)) == kept
    assert not Subscription.objects.filter(pk__in=[stale.pk, stale_of_a_subscriber.pk]).exists()
    assert not Subscriber.objects.filter(email="stale@example.com").exists()  # nothing left
    assert Subscriber.objects.filter(email="ann@example.com").exists()


def test_subscription_asked_for_again_recently_is_not_pruned(db, settings):
    settings.REMINDER_UNCONFIRMED_MAX_AGE_DAYS = 7
    asked_again = make_subscription(
        "again@example.com", make_program(), status=Subscription.Status.UNCONFIRMED
    )
    long_ago = timezone.now() - timedelta(days=30)
    Subscription.objects.update(created_at=long_ago, updated_at=long_ago)
    services.subscription_request(email="again@example.com", program=asked_again.program)

    assert services.subscriptions_unconfirmed_prune() == 0
    assert Subscription.objects.filter(pk=asked_again.pk).exists()
