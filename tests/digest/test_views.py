import re

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_digest_subscription, make_program, make_subscription
from tug_portal.digest import services, tokens
from tug_portal.digest.models import DigestPreference
from tug_portal.reminders import tokens as reminder_tokens
from tug_portal.reminders.models import Subscription

pytestmark = pytest.mark.django_db


def page_url(subscription: Subscription) -> str:
    return f"/subscriptions/digest/{reminder_tokens.preferences_token(subscription.subscriber_id)}/"


def post_data(subscription, **values) -> dict:
    fields = {"enabled": "on", "weekday": "monday", "hour": "8", "time_zone": "America/Denver"}
    fields.update(values)
    return {f"s{subscription.pk}-{name}": value for name, value in fields.items() if value}


def test_page_offers_monday_eight_in_the_programs_zone_by_default(client):
    subscription = make_subscription("ann@example.com", make_program())

    response = client.get(page_url(subscription))

    assert response.status_code == 200
    form = response.context["rows"][0][1]
    assert form["weekday"].value() == "monday" and form["hour"].value() == "8"
    assert form["time_zone"].value() == "America/Los_Angeles"
    assert form["enabled"].value() is False


def test_the_reminders_preferences_page_links_to_the_digest(client):
    subscription = make_subscription("ann@example.com", make_program())
    token = reminder_tokens.preferences_token(subscription.subscriber_id)

    response = client.get(f"/subscriptions/preferences/{token}/")

    assert page_url(subscription) in response.content.decode()


def test_saving_turns_the_digest_on_at_the_chosen_day_hour_and_zone(client):
    subscription = make_subscription("ann@example.com", make_program())

    response = client.post(
        page_url(subscription), post_data(subscription, weekday="Friday", hour="17")
    )

    assert response.status_code == 302
    preference = DigestPreference.objects.get()
    assert (preference.enabled, preference.weekday, preference.hour, preference.time_zone) == (
        True,
        4,
        17,
        "America/Denver",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Pacific Time", "“Pacific Time” is not an IANA time zone"),
        ("time_zone", "Mars/Olympus", "“Mars/Olympus” is not an IANA time zone"),
        # Files of the zoneinfo folder that are no place's zone (the server's own, a placeholder).
        ("time_zone", "localtime", "“localtime” is not an IANA time zone"),
        ("time_zone", "Factory", "“Factory” is not an IANA time zone"),
        ("hour", "24", "Choose an hour from 0 to 23."),
        ("hour", "-1", "Choose an hour from 0 to 23."),
        ("weekday", "lundi", "Choose a day of the week in English, Monday to Sunday."),
        ("weekday", "Montag", "Choose a day of the week in English, Monday to Sunday."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(
    client, field, value, message, htmx
):
    program = make_program()
    first = make_digest_subscription("ann@example.com", program, enabled=False)
    other = make_program(acronym="CPG")
    second = Subscription.objects.create(
        subscriber=first.subscriber, program=other, status=Subscription.Status.CONFIRMED
    )

    data = {**post_data(first, hour="10"), **post_data(second, **{field: value})}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(page_url(first), data, **headers)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert list(DigestPreference.objects.values_list("enabled", "hour")) == [(False, 8)]
    forms = {subscription.pk: form for subscription, form in response.context["rows"]}
    assert forms[second.pk][field].value() == value  # kept as typed


def selected_options(html: str, name: str) -> list[str]:
    """The values a browser shows as chosen in the <select> named `name` (none: it shows the
    first option)."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select.group(0))


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hour", "25", "Choose an hour from 0 to 23."),
        ("hour", "２５", "Choose an hour from 0 to 23."),  # full-width digits are not an hour
        ("weekday", "lundi", "Choose a day of the week in English, Monday to Sunday."),
        ("weekday", "7", "Choose a day of the week in English, Monday to Sunday."),
    ],
)
def test_a_refused_choice_is_shown_again_as_sent_not_as_the_first_option(
    client, htmx, field, value, message
):
    """A select that drops the refused value shows its first option (00:00, Monday): saving
    again would then store what nobody chose."""
    subscription = make_digest_subscription("ann@example.com", make_program(), enabled=False)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = client.post(
        page_url(subscription), post_data(subscription, **{field: value}), **headers
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert selected_options(html, f"s{subscription.pk}-{field}") == [value]
    assert list(DigestPreference.objects.values_list("enabled", "weekday", "hour")) == [
        (False, 0, 8)
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("hour", 25), ("hour", -1), ("weekday", 7), ("time_zone", "Pacific Time")],
)
def test_the_service_refuses_bad_values_whoever_calls_it_and_saves_nothing(field, value):
    first = make_digest_subscription("ann@example.com", make_program(), enabled=False)
    second = make_subscription("ann@example.com", make_program(acronym="CPG"))
    good = {"enabled": True, "weekday": 2, "hour": 9, "time_zone": "Europe/Berlin"}

    with pytest.raises(ValidationError) as refused:
        services.preferences_save(choices={first: good, second: {**good, field: value}})

    assert field in refused.value.message_dict
    assert list(DigestPreference.objects.values_list("enabled", "hour")) == [(False, 8)]


def test_one_click_unsubscribe_turns_off_only_the_digest(client):
    subscription = make_digest_subscription("ann@example.com", make_program())
    url = f"/subscriptions/digest/unsubscribe/{tokens.unsubscribe_token(subscription.pk)}/"

    asked = client.get(url)
    done = client.post(url, {"List-Unsubscribe": "One-Click"})  # RFC 8058, no CSRF token

    assert asked.status_code == done.status_code == 200
    assert "reminders stay" in done.content.decode()
    assert DigestPreference.objects.get().enabled is False
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED  # reminders as before


def test_one_click_unsubscribe_turns_off_the_digest_of_every_subscription_of_the_mailbox(client):
    ann_tug = make_digest_subscription("ann@example.com", make_program())
    ann_cpg = make_digest_subscription("Ann+cpg@example.com", make_program(acronym="CPG"))
    bob = make_digest_subscription("bob@example.com", ann_tug.program)
    url = f"/subscriptions/digest/unsubscribe/{tokens.unsubscribe_token(ann_tug.pk)}/"

    asked = client.get(url)
    done = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert "Stop sending the CPG, TUG weekly digest" in asked.content.decode()
    assert "Ann+cpg@example.com, ann@example.com" in asked.content.decode()
    assert done.status_code == 200 and "reminders stay" in done.content.decode()
    enabled = dict(DigestPreference.objects.values_list("subscription", "enabled"))
    assert enabled == {ann_tug.pk: False, ann_cpg.pk: False, bob.pk: True}
    statuses = set(Subscription.objects.values_list("status", flat=True))
    assert statuses == {Subscription.Status.CONFIRMED}  # reminders as before


def test_a_stop_link_used_again_says_the_digest_is_already_off_and_asks_nothing(client):
    # Found from outside: the second visit asked again, naming one address of the two, and
    # its button said "Done" once more; the first "Done" said "…, ann@example.com gets".
    ann_tug = make_digest_subscription("ann@example.com", make_program())
    make_digest_subscription("Ann+cpg@example.com", make_program(acronym="CPG"))
    url = f"/subscriptions/digest/unsubscribe/{tokens.unsubscribe_token(ann_tug.pk)}/"

    done = client.post(url).content.decode()
    again = client.get(url).content.decode()
    posted_again = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert "Ann+cpg@example.com, ann@example.com</span> get no more" in done
    assert "is already off" in again and "<form" not in again.split("<main", 1)[-1]
    assert "Stop sending" not in again and "turn it on again" in again
    assert posted_again.status_code == 200 and "is already off" in posted_again.content.decode()
    assert not DigestPreference.objects.filter(enabled=True).exists()


def test_a_reminders_unsubscribe_link_is_not_a_digest_one(client):
    subscription = make_digest_subscription("ann@example.com", make_program())
    token = reminder_tokens.unsubscribe_token(subscription.pk)

    response = client.post(f"/subscriptions/digest/unsubscribe/{token}/")

    assert response.status_code == 400
    assert DigestPreference.objects.get().enabled is True


def test_the_digest_page_links_to_the_reminders_and_the_materials_mails(client):
    """Each of the three pages a subscriber manages links to the other two (the materials page
    did; the digest page lacked the materials one)."""
    subscription = make_subscription("ann@example.com", make_program())
    token = reminder_tokens.preferences_token(subscription.subscriber_id)

    page = client.get(page_url(subscription)).content.decode()

    assert f'href="/subscriptions/preferences/{token}/"' in page
    assert f'href="/subscriptions/materials/{token}/"' in page
