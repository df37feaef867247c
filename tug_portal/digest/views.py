"""The digest's part of the subscription pages: its preferences (reached from the reminders'
preferences page with the same signed link) and its one-click unsubscribe."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tug_portal.common import fair_use
from tug_portal.reminders import selectors as reminder_selectors
from tug_portal.reminders import tokens as reminder_tokens
from tug_portal.reminders.models import Subscriber, Subscription

from . import selectors, services, tokens
from .forms import DigestPreferenceForm
from .models import mailbox_key

COPY_WHOLE_LINK = "Copy the whole link from the mail into the address bar."


def _invalid_link(request, message: str, *, status: int = 400):
    return render(request, "reminders/invalid_link.html", {"message": message}, status=status)


def _forms(request, subscriptions: list[Subscription]) -> list[tuple[Subscription, object]]:
    rows = []
    for subscription in subscriptions:
        preference = services.preference_for(subscription)
        initial = {
            "enabled": preference.enabled,
            "weekday": preference.weekday,
            "hour": str(preference.hour),
            "time_zone": preference.time_zone,
        }
        form = DigestPreferenceForm(
            request.POST if request.method == "POST" else None,
            prefix=f"s{subscription.pk}",
            initial=initial,
        )
        rows.append((subscription, form))
    return rows


@fair_use.keeps_typed_form
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token: str):
    try:
        subscriber_id = reminder_tokens.read_preferences_token(token)
    except reminder_tokens.InvalidToken:
        return _invalid_link(request, f"This link is not valid. {COPY_WHOLE_LINK}")
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return _invalid_link(request, "This address is no longer subscribed.", status=404)
    subscriptions = list(
        reminder_selectors.subscriptions_of_subscriber(subscriber_id=subscriber.pk)
        .filter(status=Subscription.Status.CONFIRMED)
        .select_related("program", "digest_preference")
    )
    rows = _forms(request, subscriptions)
    refusal = fair_use.refusal(request)
    if request.method == "POST" and not refusal and all(form.is_valid() for _, form in rows):
        services.preferences_save(
            choices={subscription: form.cleaned_data for subscription, form in rows}
        )
        messages.success(request, "Saved.")
        return redirect(request.path)
    invalid = request.method == "POST" and any(form.errors for _, form in rows)
    context = {
        "subscriber": subscriber,
        "rows": rows,
        "refusal": refusal,
        "invalid": invalid,
        "reminders_url": reverse("reminders:preferences", args=[token]),
    }
    status = 429 if refusal else 400 if invalid else 200
    return render(request, "digest/preferences.html", context, status=status)


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    try:
        subscription_id = tokens.read_unsubscribe_token(token)
    except reminder_tokens.InvalidToken:
        return _invalid_link(request, f"This unsubscribe link is not valid. {COPY_WHOLE_LINK}")
    subscription = reminder_selectors.subscription_get(pk=subscription_id)
    done = request.method == "POST"
    context = {"subscription": subscription, "done": done}
    if subscription is not None:
        # The mailbox's one digest a week carries every digest of it: its link stops them all.
        mailbox = mailbox_key(subscription.subscriber.email)
        stopping = selectors.digest_subscriptions_of_mailbox(mailbox=mailbox)
        programs = [other.program.acronym for other in stopping] or [subscription.program.acronym]
        addresses = {other.subscriber.email for other in stopping} | {subscription.subscriber.email}
        context |= {
            "names": ", ".join(dict.fromkeys(programs)),
            "addresses": ", ".join(sorted(addresses)),
            "several": len(addresses) > 1,
            # A link used again (or by a mail client after the person): nothing left to stop.
            "already_off": not stopping,
            "preferences_token": reminder_tokens.preferences_token(subscription.subscriber_id),
        }
        if done and stopping:
            services.digest_unsubscribe(subscription_id=subscription.pk)
    return render(request, "digest/unsubscribe.html", context)
