"""Writes: a subscriber's digest preferences, and the digest's one-click unsubscribe (of the
whole mailbox)."""

from django.db import transaction

from tug_portal.reminders.models import Subscription

from . import selectors
from .models import DEFAULT_HOUR, DEFAULT_WEEKDAY, DigestPreference, mailbox_key


def preference_for(subscription: Subscription) -> DigestPreference:
    """The subscription's digest preference; a new one (not saved) is off, on Monday at 08:00 in
    the program's zone."""
    existing = getattr(subscription, "digest_preference", None)
    if existing is not None:
        return existing
    return DigestPreference(
        subscription=subscription,
        weekday=DEFAULT_WEEKDAY,
        hour=DEFAULT_HOUR,
        time_zone=subscription.program.time_zone,
    )


@transaction.atomic
def preferences_save(*, choices: dict[Subscription, dict]) -> None:
    """Store each subscription's {enabled, weekday, hour, time_zone}, all or nothing. The next
    planning run (beat) plans, moves or skips the week's row accordingly.

    Every value is checked here too (a day 0-6, an hour 0-23, an IANA zone), whoever calls:
    a bad one raises ValidationError before anything is written."""
    preferences = []
    for subscription, values in choices.items():
        preference = preference_for(subscription)
        for name, value in values.items():
            setattr(preference, name, value)
        preference.full_clean(exclude=["subscription"], validate_unique=False)
        preferences.append(preference)
    for preference in preferences:
        preference.save()


@transaction.atomic
def digest_unsubscribe(*, subscription_id: int) -> bool:
    """Turn off the digest of the subscription and of every other subscription of its mailbox
    (however the address is spelled): their one mail a week carries them all, and its one
    link stops it. Their reminders stay. False: none was on."""
    subscription = Subscription.objects.select_related("subscriber").filter(pk=subscription_id)
    subscription = subscription.first()
    if subscription is None:
        return False
    mailbox = mailbox_key(subscription.subscriber.email)
    ids = {other.pk for other in selectors.digest_subscriptions_of_mailbox(mailbox=mailbox)}
    return bool(
        DigestPreference.objects.filter(
            subscription_id__in=ids | {subscription.pk}, enabled=True
        ).update(enabled=False)
    )
