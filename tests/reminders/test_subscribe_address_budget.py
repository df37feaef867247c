"""One client address may have the subscribe form mail only so many *different* mailboxes a day
(REMINDER_SUBSCRIBE_MAILBOXES_PER_ADDRESS): a script must not make the portal mail a thousand
strangers. The per-mailbox cap (test_views.py, the twenty spellings) is the other half."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_program
from tug_portal.reminders.models import SubscriptionRequest

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/subscriptions/new/"
BROWSER = {"Accept": "text/html"}
T0 = datetime(2030, 1, 8, 18, 0, tzinfo=UTC)


@pytest.fixture
def tug(settings, time_machine):
    settings.REMINDER_SUBSCRIBE_MAILBOXES_PER_ADDRESS = 3
    time_machine.move_to(T0, tick=False)
    return make_program()


def subscribe(client, email: str, address: str):
    return client.post(
        SUBSCRIBE, {"email": email, "program": "tug"}, REMOTE_ADDR=address, headers=BROWSER
    )


def test_an_address_mails_its_daily_number_of_mailboxes_then_is_told_when_to_retry(
    client, tug, time_machine
):
    accepted = [
        subscribe(client, f"person{n}@example.com", "192.0.2.5").status_code for n in range(3)
    ]
    refused = subscribe(client, "stranger@example.org", "192.0.2.5")

    assert accepted == [302, 302, 302]
    assert refused.status_code == 429
    assert 23 * 3600 <= int(refused["Retry-After"]) <= 24 * 3600
    assert 'value="stranger@example.org"' in refused.text  # what was typed is kept
    assert "please send it again in 24 hours" in refused.text
    assert SubscriptionRequest.objects.count() == 3  # nothing done for the refused one


def test_the_same_mailbox_again_and_other_addresses_are_not_counted_against_it(
    client, tug, time_machine
):
    for n in range(3):
        subscribe(client, f"person{n}@example.com", "192.0.2.5")

    same_mailbox = subscribe(client, "Person0+tug@Example.com", "192.0.2.5")
    other_address = subscribe(client, "stranger@example.org", "198.51.100.7")
    time_machine.shift(timedelta(hours=24, minutes=1))
    next_day = subscribe(client, "stranger@example.org", "192.0.2.5")

    assert same_mailbox.status_code == 302
    assert other_address.status_code == 302
    assert next_day.status_code == 302


def test_a_script_cannot_mail_a_thousand_mailboxes_from_one_address(client, settings, tug):
    settings.REMINDER_SUBSCRIBE_MAILBOXES_PER_ADDRESS = 50  # the default
    settings.TUG_FAIR_USE_ENABLED = False  # the per-mailbox-count alone, not the forms' budget
    answers = [
        subscribe(client, f"victim{n}@example.net", "203.0.113.9").status_code for n in range(1000)
    ]

    assert answers.count(302) == 50
    assert SubscriptionRequest.objects.count() == 50


def test_many_addresses_together_mail_no_more_mailboxes_an_hour_than_the_site_allows(
    client, settings, tug, time_machine
):
    # Found from outside: a client rotating its address (each within its own share) had the
    # portal queue 3,088 confirmation mails in a minute, and a real subscriber's waited 5 min.
    settings.REMINDER_SUBSCRIBE_MAILBOXES_PER_HOUR = 5
    accepted = [
        subscribe(client, f"victim{n}@example.net", f"203.0.113.{n + 1}").status_code
        for n in range(5)
    ]
    refused = subscribe(client, "real.person@example.org", "198.51.100.7")
    again = subscribe(client, "victim0@example.net", "198.51.100.8")  # a mailbox already mailed
    time_machine.shift(timedelta(hours=1, seconds=1))
    later = subscribe(client, "real.person@example.org", "198.51.100.7")

    assert accepted == [302] * 5
    assert refused.status_code == 429
    assert "asked for by many people in the last hour" in refused.text
    assert 'value="real.person@example.org"' in refused.text
    assert again.status_code == 302
    assert later.status_code == 302
    assert SubscriptionRequest.objects.count() == 7
