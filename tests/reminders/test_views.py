import csv
import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_meeting, make_program, make_subscription
from tug_portal.meetings.models import Program, System
from tug_portal.reminders import dispatcher, planner, tokens
from tug_portal.reminders.models import Delivery, Subscriber, Subscription, SubscriptionRequest

pytestmark = pytest.mark.django_db

Status = Subscription.Status
SUBSCRIBE = "/subscriptions/new/"


def test_subscribe_form_comes_with_the_program_chosen(client):
    make_program(acronym="TUG")
    make_program(acronym="CPG")

    response = client.get(SUBSCRIBE, {"program": "cpg"})

    assert response.status_code == 200
    assert '<option value="cpg" selected>CPG: CPG Group</option>' in response.content.decode()


def test_subscribe_form_preselects_no_program_without_a_hint(client):
    make_program(acronym="TUG")
    make_program(acronym="CPG")

    body = client.get(SUBSCRIBE).content.decode()

    assert '<option value="" selected>Choose a program</option>' in body
    assert '<option value="cpg" selected>' not in body


def test_subscribe_form_preselects_the_program_of_the_meeting_it_came_from(client):
    make_program(acronym="CPG")
    meeting = make_meeting(make_program(acronym="TUG"), starts_at=datetime(2030, 1, 8, tzinfo=UTC))

    body = client.get(SUBSCRIBE, {"meeting": meeting.slug}).content.decode()

    assert '<option value="tug" selected>TUG: TUG Group</option>' in body


def test_subscribe_form_preselects_the_system_filter_it_came_from(client):
    make_program(acronym="TUG")
    System.objects.create(code="DRRS", name="Demand Response Registration System")
    System.objects.create(code="OMS", name="Outage Management System")

    body = client.get(SUBSCRIBE, {"program": "tug", "system": "DRRS"}).content.decode()

    assert 'value="DRRS" id="id_systems_0" checked' in body
    assert 'value="OMS" id="id_systems_1">' in body


def test_subscribe_form_takes_the_system_filter_in_any_case(client):
    make_program(acronym="TUG")
    System.objects.create(code="DRRS", name="Demand Response Registration System")

    response = client.get(SUBSCRIBE, {"program": "tug", "system": ["drrs", "DRRS"]})

    assert response.status_code == 200
    assert 'value="DRRS" id="id_systems_0" checked' in response.content.decode()


def test_subscribe_form_from_an_unknown_system_is_a_404(client):
    make_program(acronym="TUG")

    assert client.get(SUBSCRIBE, {"program": "tug", "system": "xyz"}).status_code == 404


def test_confirming_shows_and_mails_the_preferences_link(
    client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from tug_portal.reminders import services, tasks

    monkeypatch.setattr(
        tasks.send_welcome,
        "apply_async",
        lambda args, kwargs, retry: services.subscription_send_welcome(subscription_id=args[0]),
    )
    subscription = make_subscription("ann@example.com", make_program(), status=Status.UNCONFIRMED)
    url = reverse("reminders:confirm", args=[tokens.confirm_token(subscription.pk)])
    preferences = settings.SITE_URL + reverse(
        "reminders:preferences", args=[tokens.preferences_token(subscription.subscriber_id)]
    )

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, follow=True).content.decode()
    client.post(url)  # a second click sends nothing more

    assert f'<a href="{preferences}" class="break">{preferences}</a>' in page
    (welcome,) = mail.outbox
    assert welcome.subject == "Welcome: your TUG meeting reminders"
    assert f"change or stop your reminders here: {preferences}" in welcome.body


def test_subscribe_form_takes_a_program_slug_in_any_case(client):
    make_program()

    response = client.get(SUBSCRIBE, {"program": "TUG"})

    assert response.status_code == 200
    assert '<option value="tug" selected>' in response.content.decode()


def test_subscribe_form_for_an_unknown_program_is_a_404(client):
    response = client.get(SUBSCRIBE, {"program": "nope"})

    assert response.status_code == 404


def test_the_sent_notice_tells_the_resend_interval_and_the_daily_share_as_configured(
    client, settings
):
    """The page says what the service does: the interval is per program (a second program's
    link goes at once), the share is per mailbox, both as the operator set them."""
    settings.REMINDER_CONFIRMATION_RESEND_SECONDS = 300
    settings.REMINDER_CONFIRMATION_MAILS_PER_MAILBOX = 5
    make_program()

    page = client.get(SUBSCRIBE, {"program": "tug", "sent": "1"}).content.decode()

    assert "If you asked in the last 5 minutes" in page
    assert "one link per program at most every 5 minutes, and at most 5 mails a day" in page
    assert "try again in 5 minutes" in page
    assert "ten minutes" not in page


def test_subscribing_says_to_check_mail_and_the_task_stores_and_mails(client, eager_tasks):
    make_program()
    System.objects.create(code="DRRS", name="Demand Response Registration System")

    response = client.post(
        f"{SUBSCRIBE}?program=tug",
        {"email": "Ann@Example.com", "program": "tug", "systems": ["DRRS"]},
        follow=True,
    )

    assert response.redirect_chain == [(f"{SUBSCRIBE}?program=tug&sent=1", 302)]
    assert "Check your inbox" in response.content.decode()
    # Asked again within ten minutes no second mail goes (and the page may not tell whether
    # the address is known): it says which link to use (found from outside: "we have sent"
    # and nothing came).
    assert "If you asked in the last 10 minutes, the link from that mail is the one to use" in (
        response.content.decode()
    )
    assert (
        "one link per program at most every 10 minutes, and at most 3 mails a day to one mailbox"
        in response.content.decode()
    )
    subscription = Subscription.objects.get()
    assert (subscription.subscriber.email, subscription.status) == (
        "ann@example.com",
        Status.UNCONFIRMED,
    )
    assert [s.code for s in subscription.systems.all()] == ["DRRS"]
    (message,) = mail.outbox
    assert (message.to, message.subject) == (
        ["ann@example.com"],
        "Confirm your TUG meeting reminders",
    )
    assert not SubscriptionRequest.objects.exists()  # handled, once


# --- The answer does not depend on the address (known or not) ---------------------------------

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def subscribe_work(client, capture_on_commit, email: str, **headers) -> tuple:
    """What a subscribe POST costs and answers: status, bytes (CSRF token blanked) and the SQL
    it ran, with the address itself blanked."""
    cache.clear()  # the acceptable-use window of the previous POST
    with CaptureQueriesContext(connection) as queries, capture_on_commit() as queued:
        response = client.post(
            f"{SUBSCRIBE}?program=tug", {"email": email, "program": "tug"}, headers=headers
        )
    assert len(queued) == 1  # one task queued, whatever the address
    sql = [query["sql"].replace(email, "<email>") for query in queries.captured_queries]
    return response.status_code, CSRF_INPUT.sub(b"", response.content), sql


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["page", "htmx"])
def test_subscribe_does_the_same_work_for_new_waiting_subscribed_and_bouncing_addresses(
    client, headers, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tick=False)  # same timestamps
    program = make_program()
    make_subscription("waiting@example.com", program, status=Status.UNCONFIRMED)
    make_subscription("subscribed@example.com", program)
    make_subscription("bouncing@example.com", program)
    Subscriber.objects.filter(email="bouncing@example.com").update(is_bouncing=True)
    addresses = [
        "new-person@example.com",
        "waiting@example.com",
        "subscribed@example.com",
        "bouncing@example.com",
    ]

    answers = [
        subscribe_work(client, django_capture_on_commit_callbacks, email, **headers)
        for email in addresses
    ]

    assert answers[0][0] in (200, 302)
    for answer in answers[1:]:
        assert answer == answers[0]
    # The view only stores what was asked; nothing about the address was looked up.
    assert not any("reminders_subscriber" in sql for sql in answers[0][2])
    assert SubscriptionRequest.objects.count() == 4


def test_twenty_spellings_through_the_form_across_five_programs_get_at_most_three_mails(
    client, eager_tasks
):
    from tests.reminders.test_services import SPELLINGS

    for acronym in ("TUG", "CPG", "EIM", "RDRR", "MRI"):
        make_program(acronym=acronym)
    posts = [
        # From many client addresses: a limit per client address would not stop this.
        client.post(
            SUBSCRIBE,
            {"email": email, "program": slug},
            REMOTE_ADDR=f"198.51.100.{n}",
        )
        for n, (email, slug) in enumerate(
            (email, slug) for slug in ("tug", "cpg", "eim", "rdrr", "mri") for email in SPELLINGS
        )
    ]

    assert {response.status_code for response in posts} == {302}
    assert len(mail.outbox) == 3


def test_subscribing_an_ip_literal_address_is_a_400_that_keeps_what_was_typed(client):
    make_program()
    make_program(acronym="CPG")

    response = client.post(SUBSCRIBE, {"email": "ann@[127.0.0.1]", "program": "cpg"})

    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter an address at a domain name, not at an IP address." in content
    assert 'value="ann@[127.0.0.1]"' in content
    assert '<option value="cpg" selected>' in content
    assert not SubscriptionRequest.objects.exists()


def test_subscribing_with_htmx_swaps_in_the_panel(client):
    make_program()

    response = client.post(
        SUBSCRIBE, {"email": "ann@example.com", "program": "tug"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="subscribe-panel"')
    assert "Check your inbox" in content


def test_subscribing_with_a_bad_address_is_a_400_that_says_why(client):
    make_program()

    response = client.post(SUBSCRIBE, {"email": "not-an-address", "program": "tug"})

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_bot_filling_the_hidden_field_is_thanked_and_ignored(client):
    make_program()

    response = client.post(
        SUBSCRIBE, {"email": "ann@example.com", "program": "tug", "website": "http://spam"}
    )

    assert response.status_code == 302
    assert not Subscriber.objects.exists()


def test_confirmation_link_shows_a_button_and_confirms_on_post(client):
    program = make_program()
    subscription = make_subscription("ann@example.com", program, status=Status.UNCONFIRMED)
    url = reverse("reminders:confirm", args=[tokens.confirm_token(subscription.pk)])

    page = client.get(url)
    subscription.refresh_from_db()
    assert (page.status_code, subscription.status) == (200, Status.UNCONFIRMED)
    assert "Confirm my reminders" in page.content.decode()

    response = client.post(url, follow=True)

    subscription.refresh_from_db()
    assert subscription.status == Status.CONFIRMED
    preferences = reverse(
        "reminders:preferences", args=[tokens.preferences_token(subscription.subscriber_id)]
    )
    assert response.redirect_chain == [(f"{preferences}?welcome=1", 302)]
    assert "Confirmed: you will get TUG reminders." in response.content.decode()


def test_subscribing_an_address_whose_mailbox_name_is_over_64_characters_is_a_400(client):
    """No mail server takes a mailbox name over 64 characters (RFC 5321): accepted, it would
    be told "a link is on its way" and never get one."""
    make_program()
    address = "a" * 65 + "@example.com"

    response = client.post(SUBSCRIBE, {"email": address, "program": "tug"})

    assert response.status_code == 400
    assert "at most 64 characters" in response.content.decode()
    assert address in response.content.decode()
    assert not Subscriber.objects.exists()
    assert len(mail.outbox) == 0


def test_expired_confirmation_link_is_a_400_that_says_so(client):
    program = make_program()
    subscription = make_subscription("ann@example.com", program, status=Status.UNCONFIRMED)
    with time_machine.travel(datetime.now(tz=UTC) - timedelta(days=8)):
        url = reverse("reminders:confirm", args=[tokens.confirm_token(subscription.pk)])

    response = client.post(url)

    assert response.status_code == 400
    assert "This confirmation link has expired." in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Status.UNCONFIRMED


@pytest.mark.parametrize("name", ["confirm", "preferences", "unsubscribe"])
def test_tampered_link_is_a_400(client, name):
    program = make_program()
    subscription = make_subscription("ann@example.com", program)
    token = tokens.unsubscribe_token(subscription.pk).replace(f"{subscription.pk}:", "999:")

    response = client.get(reverse(f"reminders:{name}", args=[token]))

    assert response.status_code == 400
    assert "is not valid" in response.content.decode()


def test_one_link_cannot_pass_for_another(client):
    program = make_program()
    subscription = make_subscription("ann@example.com", program)

    response = client.post(
        reverse("reminders:unsubscribe", args=[tokens.preferences_token(subscription.pk)])
    )

    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.status == Status.CONFIRMED


def test_unsubscribe_link_asks_first_on_get(client):
    program = make_program()
    subscription = make_subscription("ann@example.com", program)

    response = client.get(
        reverse("reminders:unsubscribe", args=[tokens.unsubscribe_token(subscription.pk)])
    )

    assert response.status_code == 200
    assert '<button type="submit" class="button">Unsubscribe</button>' in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Status.CONFIRMED


def test_list_unsubscribe_one_click_post_from_a_sent_reminder_works(smtp_backend):
    program = make_program(offsets=[timedelta(hours=1)])
    now = datetime.now(tz=UTC)
    meeting = make_meeting(program, starts_at=now + timedelta(minutes=59))
    later = make_meeting(program, starts_at=now + timedelta(days=2))
    subscription = make_subscription("ann@example.com", program)
    planner.meetings_plan_deliveries(meeting_ids=[meeting.pk, later.pk])
    dispatcher.deliveries_send_batch()
    (received,) = smtp_backend.messages
    message = received.message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = urlsplit(str(message["List-Unsubscribe"]).strip().removeprefix("<").removesuffix(">"))

    # As a mail provider does it (RFC 8058): a POST with no cookie and no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        url.path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Status.UNSUBSCRIBED
    assert Delivery.objects.get(meeting=later).state == Delivery.State.SKIPPED


def test_unsubscribe_twice_is_fine(client):
    program = make_program()
    subscription = make_subscription("ann@example.com", program)
    url = reverse("reminders:unsubscribe", args=[tokens.unsubscribe_token(subscription.pk)])
    client.post(url)

    response = client.post(url)

    assert response.status_code == 200
    assert "gets no more TUG reminders" in response.content.decode()


def test_preferences_page_costs_the_same_queries_for_one_or_three_programs(
    client, django_assert_num_queries
):
    programs = [make_program(acronym=acronym) for acronym in ("TUG", "CPG", "EIM")]
    System.objects.create(code="DRRS", name="Demand Response Registration System")
    for program in programs:
        make_subscription("ann@example.com", program, systems=("DRRS",))
    url = reverse(
        "reminders:preferences", args=[tokens.preferences_token(Subscriber.objects.get().pk)]
    )

    # Subscriber, programs, subscriptions with their systems (2), systems; then the session.
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('type="checkbox" name="program_') == 3

    programs[1].is_active = programs[2].is_active = False
    Subscription.objects.exclude(program=programs[0]).delete()
    for program in programs[1:]:
        program.save()
    with django_assert_num_queries(5):
        assert client.get(url).content.decode().count('type="checkbox" name="program_') == 1


def test_preferences_save_narrows_and_subscribes(client):
    tug, cpg = make_program(acronym="TUG"), make_program(acronym="CPG")
    oms = System.objects.create(code="OMS", name="Outage Management System")
    make_subscription("ann@example.com", tug)
    subscriber = Subscriber.objects.get()
    url = reverse("reminders:preferences", args=[tokens.preferences_token(subscriber.pk)])

    response = client.post(
        url, {f"program_{tug.pk}": "on", f"program_{cpg.pk}": "on", f"systems_{cpg.pk}": [oms.pk]}
    )

    assert response.status_code == 302
    subscriptions = {s.program: s for s in subscriber.subscriptions.all()}
    assert {p.acronym: s.status for p, s in subscriptions.items()} == {
        "TUG": Status.CONFIRMED,
        "CPG": Status.CONFIRMED,
    }
    assert list(subscriptions[cpg].systems.all()) == [oms]


def test_systems_ticked_under_a_program_not_ticked_are_not_silently_dropped(client):
    tug, cpg = make_program(acronym="TUG"), make_program(acronym="CPG")
    oms = System.objects.create(code="OMS", name="Outage Management System")
    make_subscription("ann@example.com", tug)
    subscriber = Subscriber.objects.get()
    url = reverse("reminders:preferences", args=[tokens.preferences_token(subscriber.pk)])

    response = client.post(url, {f"program_{tug.pk}": "on", f"systems_{cpg.pk}": [oms.pk]})

    assert response.status_code == 400
    assert "tick “Remind me of CPG meetings” too" in response.content.decode()
    assert re.search(rf'name="systems_{cpg.pk}" value="{oms.pk}"[^>]*checked', response.text)
    assert [s.program for s in subscriber.subscriptions.all()] == [tug]  # nothing written


def test_unticking_a_program_with_its_systems_still_ticked_unsubscribes(client):
    tug = make_program(acronym="TUG")
    oms = System.objects.create(code="OMS", name="Outage Management System")
    make_subscription("ann@example.com", tug)
    subscription = Subscription.objects.get()
    subscription.systems.set([oms])
    url = reverse(
        "reminders:preferences", args=[tokens.preferences_token(subscription.subscriber_id)]
    )

    response = client.post(url, {f"systems_{tug.pk}": [oms.pk]})

    assert response.status_code == 302
    assert Subscription.objects.get().status != Status.CONFIRMED


def test_preferences_page_says_unticking_a_program_stops_its_digest_and_materials_mails_too(client):
    """The subscription carries the digest and the materials mails: the page does not offer
    the digest "instead of" reminders, and says what unticking ends."""
    tug = make_program(acronym="TUG")
    make_subscription("ann@example.com", tug)
    url = reverse(
        "reminders:preferences", args=[tokens.preferences_token(Subscriber.objects.get().pk)]
    )

    page = client.get(url).content.decode()

    assert "instead of" not in page
    assert "Unticked: no mail about TUG meetings at all" in page
    assert "the weekly digest and the materials mails stop too" in page


def test_preferences_saved_five_times_in_a_minute_keep_every_save(client, time_machine):
    # Through the real fair-use middleware: neither the budgets, the view nor the service refuse
    # the link's owner.
    time_machine.move_to(datetime(2026, 3, 2, 17, 0, tzinfo=UTC), tick=False)
    tug = make_program()
    systems = [System.objects.create(code=code, name=code) for code in ("DRRS", "OMS", "EIM")]
    make_subscription("ann@example.com", tug)
    subscriber = Subscriber.objects.get()
    url = reverse("reminders:preferences", args=[tokens.preferences_token(subscriber.pk)])
    choices = [[systems[0]], [systems[1]], [], [systems[2], systems[0]], [systems[1]]]

    saved = []
    for chosen in choices:
        response = client.post(
            url, {f"program_{tug.pk}": "on", f"systems_{tug.pk}": [s.pk for s in chosen]}
        )
        assert response.status_code == 302
        assert "Saved." in client.get(url).content.decode()
        saved.append(sorted(s.code for s in subscriber.subscriptions.get().systems.all()))
        time_machine.shift(timedelta(seconds=10))

    assert saved == [sorted(s.code for s in chosen) for chosen in choices]


def test_refused_preferences_keep_every_choice_typed(client):
    tug, cpg = make_program(acronym="TUG"), make_program(acronym="CPG")
    oms = System.objects.create(code="OMS", name="Outage Management System")
    make_subscription("ann@example.com", tug)
    url = reverse(
        "reminders:preferences", args=[tokens.preferences_token(Subscriber.objects.get().pk)]
    )

    response = client.post(
        url,
        {
            f"systems_{tug.pk}": ["9999"],  # unknown: the whole form is refused
            f"program_{cpg.pk}": "on",
            f"systems_{cpg.pk}": [str(oms.pk)],
        },
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert re.search(rf'name="program_{cpg.pk}"[^>]*checked', content)
    assert not re.search(rf'name="program_{tug.pk}"[^>]*checked', content)  # unticked, as sent
    assert re.search(rf'name="systems_{cpg.pk}" value="{oms.pk}"[^>]*checked', content)
    assert Subscription.objects.get(program=tug).status == Status.CONFIRMED  # nothing written


def test_preferences_with_an_unknown_system_is_a_400(client):
    tug = make_program()
    make_subscription("ann@example.com", tug)
    url = reverse(
        "reminders:preferences", args=[tokens.preferences_token(Subscriber.objects.get().pk)]
    )

    response = client.post(url, {f"program_{tug.pk}": "on", f"systems_{tug.pk}": ["9999"]})

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_unsubscribe_from_everything(client):
    tug, cpg = make_program(acronym="TUG"), make_program(acronym="CPG")
    make_subscription("ann@example.com", tug)
    make_subscription("ann@example.com", cpg)
    subscriber = Subscriber.objects.get()
    url = reverse("reminders:preferences", args=[tokens.preferences_token(subscriber.pk)])

    client.post(url, {"unsubscribe_all": "1"})

    assert set(subscriber.subscriptions.values_list("status", flat=True)) == {Status.UNSUBSCRIBED}
    assert mail.outbox == []


def test_staff_export_subscribers_of_a_program_as_csv(staff_client):
    program = make_program()
    make_subscription("ann@example.com", program, systems=("DRRS", "OMS"))
    make_subscription("=cmd@example.com", program, status=Status.UNSUBSCRIBED)

    response = staff_client.get("/subscriptions/export/tug.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tug-subscribers.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "email", "status", "systems", "requested_at", "confirmed_at", "unsubscribed_at", "bouncing",
    ]  # fmt: skip
    assert [row[:3] + row[-1:] for row in rows[1:]] == [
        ["'=cmd@example.com", "unsubscribed", "", "no"],
        ["ann@example.com", "confirmed", "DRRS OMS", "no"],
    ]


def test_export_is_for_staff_only(client):
    make_program()
    User.objects.create_user("someone", password="pw-for-tests-only")
    client.login(username="someone", password="pw-for-tests-only")

    response = client.get("/subscriptions/export/tug.csv")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_export_needs_the_permission_to_view_subscriptions(client):
    make_program()
    user = User.objects.create_user("intern", password="pw-for-tests-only", is_staff=True)
    client.force_login(user)

    response = client.get("/subscriptions/export/tug.csv")

    assert response.status_code == 403


def test_subscribing_a_confirmed_address_again_mails_its_preferences_link(
    client, settings, eager_tasks
):
    """Subscribed and confirmed a moment ago, then lost the link: asking again mails it."""
    make_program()
    client.post(SUBSCRIBE, {"email": "bob@example.com", "program": "tug"})
    subscription = Subscription.objects.get()
    client.post(reverse("reminders:confirm", args=[tokens.confirm_token(subscription.pk)]))
    preferences = settings.SITE_URL + reverse(
        "reminders:preferences", args=[tokens.preferences_token(subscription.subscriber_id)]
    )
    assert [m.subject for m in mail.outbox] == [
        "Confirm your TUG meeting reminders",
        "Welcome: your TUG meeting reminders",
    ]

    response = client.post(
        f"{SUBSCRIBE}?program=tug", {"email": "BOB@Example.com", "program": "tug"}, follow=True
    )

    assert "Check your inbox" in response.content.decode()
    message = mail.outbox[-1]
    assert (len(mail.outbox), message.to, message.subject) == (
        3,
        ["bob@example.com"],
        "Your TUG meeting reminders",
    )
    assert "You already get TUG meeting reminders" in message.body
    assert preferences in message.body
    assert Subscription.objects.get().status == Status.CONFIRMED


def test_preferences_link_mails_count_in_the_mailbox_daily_cap(client, settings, eager_tasks):
    settings.REMINDER_CONFIRMATION_RESEND_SECONDS = 0
    make_program()
    make_subscription("bob@example.com", Program.objects.get())

    for _ in range(5):
        client.post(SUBSCRIBE, {"email": "BOB@Example.com", "program": "tug"})

    assert len(mail.outbox) == settings.REMINDER_CONFIRMATION_MAILS_PER_MAILBOX == 3
