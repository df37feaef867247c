"""Public pages of reminders (subscribe, confirm, preferences, unsubscribe) and the staff export.

No account anywhere: the confirmation, preferences and unsubscribe pages are reached by signed
links from mails. Every state-changing link shows a button first and acts on POST only, so a
mail scanner that follows links cannot subscribe or unsubscribe anyone; the unsubscribe URL
also takes the RFC 8058 one-click POST, which carries no CSRF token.
"""

import csv
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tug_portal.common import fair_use
from tug_portal.common.site import absolute_url
from tug_portal.meetings.models import Program, System
from tug_portal.meetings.selectors import (
    meeting_get,
    program_slug_filter,
    programs_active,
    systems_for_codes,
)

from . import selectors, services, tokens
from .forms import PreferencesForm, SubscribeForm
from .models import Subscriber

COPY_WHOLE_LINK = "Copy the whole link from the mail into the address bar."
CONFIRM_EXPIRED = "This confirmation link has expired. Subscribe again to get a new one."


def _invalid_link(request, message: str, *, status: int = 400):
    return render(request, "reminders/invalid_link.html", {"message": message}, status=status)


def _came_from(request) -> tuple[Program | None, list[System]]:
    """The program and systems of the page the visitor came from, as its link says:
    `?program=tug`, `?meeting=<slug>` (its program), `?system=DRRS` (repeatable)."""
    program = None
    if slug := request.GET.get("program"):
        program = programs_active().filter(program_slug_filter(slug)).first()
        if program is None:
            raise Http404(f"There is no active program “{slug}”.")
    elif meeting_slug := request.GET.get("meeting"):
        program = meeting_get(slug=meeting_slug, user=request.user).program
    named = systems_for_codes(code for code in request.GET.getlist("system") if code.strip())
    if unknown := [code for code, system in named.items() if system is None]:
        raise Http404(f"There is no system “{', '.join(unknown)}”.")
    return program, list(dict.fromkeys(named.values()))  # each once, as first named


@fair_use.keeps_typed_form
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    program, systems = _came_from(request)
    form = SubscribeForm(request.POST or None, initial={"program": program, "systems": systems})
    status = 200
    refusal = fair_use.refusal(request)  # over the fair-use budget: nothing done, form kept
    if request.method == "POST" and refusal:
        status = 429
    elif request.method == "POST":
        if form.is_valid():
            program = form.cleaned_data["program"]
            if not form.is_bot:
                # Different mailboxes this client address had mailed today: within its share?
                refusal = services.subscription_mailbox_share_take(
                    client=fair_use.client_key(request), email=form.cleaned_data["email"]
                )
            if refusal:
                status = 429  # nothing done, the form kept, and when to send it again
            elif not form.is_bot:
                # Stored and handed to a task: the same work and answer for any address.
                services.subscription_ask(
                    email=form.cleaned_data["email"],
                    program=program,
                    systems=form.cleaned_data["systems"],
                )
            if not refusal and not request.htmx:
                query = urlencode({"program": program.slug, "sent": "1"})
                return redirect(f"{reverse('reminders:subscribe')}?{query}")
        else:
            status = 400
    context = {
        "form": form,
        "program": program,
        "refusal": refusal,
        "sent": request.GET.get("sent") == "1"
        or (request.method == "POST" and not refusal and form.is_valid()),
        "confirmation_cap": settings.REMINDER_CONFIRMATION_MAILS_PER_MAILBOX,
        "resend_interval": services.duration_in_words(
            settings.REMINDER_CONFIRMATION_RESEND_SECONDS
        ),
    }
    template = "reminders/subscribe.html#panel" if request.htmx else "reminders/subscribe.html"
    response = render(request, template, context, status=status)
    if refusal:
        response["Retry-After"] = str(refusal.retry_after)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    try:
        subscription_id = tokens.read_confirm_token(token)
    except tokens.ExpiredToken:
        return _invalid_link(request, CONFIRM_EXPIRED)
    except tokens.InvalidToken:
        return _invalid_link(request, f"This confirmation link is not valid. {COPY_WHOLE_LINK}")
    subscription = selectors.subscription_get(pk=subscription_id)
    if subscription is None:
        return _invalid_link(request, "This subscription no longer exists.", status=404)
    if request.method == "POST":
        if services.subscription_confirm(subscription=subscription):
            messages.success(
                request, f"Confirmed: you will get {subscription.program.acronym} reminders."
            )
        preferences = tokens.preferences_token(subscription.subscriber_id)
        return redirect(f"{reverse('reminders:preferences', args=[preferences])}?welcome=1")
    return render(request, "reminders/confirm.html", {"subscription": subscription})


@fair_use.keeps_typed_form
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token: str):
    try:
        subscriber_id = tokens.read_preferences_token(token)
    except tokens.InvalidToken:
        return _invalid_link(request, f"This link is not valid. {COPY_WHOLE_LINK}")
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return _invalid_link(request, "This address is no longer subscribed.", status=404)
    form = PreferencesForm(
        request.POST or None,
        programs=list(programs_active()),
        subscriptions={
            s.program_id: s
            for s in selectors.subscriptions_of_subscriber(subscriber_id=subscriber.pk)
        },
        systems=list(System.objects.all()),
    )
    refusal = fair_use.refusal(request)  # over the fair-use budget: nothing done, form kept
    if request.method == "POST" and not refusal:
        if "unsubscribe_all" in request.POST:
            services.subscriber_unsubscribe_all(subscriber=subscriber)
            messages.success(request, "Unsubscribed: you will get no more reminders.")
            return redirect(request.path)
        if form.is_valid():
            services.subscriber_update_preferences(subscriber=subscriber, choices=form.choices())
            messages.success(request, "Saved.")
            return redirect(request.path)
    status = 429 if refusal else 400 if form.errors else 200
    context = {
        "form": form,
        "subscriber": subscriber,
        "refusal": refusal,
        "welcome": request.GET.get("welcome") == "1",
        "preferences_url": absolute_url(request.path),
    }
    return render(request, "reminders/preferences.html", context, status=status)


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    try:
        subscription_id = tokens.read_unsubscribe_token(token)
    except tokens.InvalidToken:
        return _invalid_link(request, f"This unsubscribe link is not valid. {COPY_WHOLE_LINK}")
    subscription = selectors.subscription_get(pk=subscription_id)
    done = request.method == "POST"
    if done and subscription is not None:
        services.subscription_unsubscribe(subscription=subscription)
    context = {
        "subscription": subscription,
        "done": done,
        "preferences_token": subscription and tokens.preferences_token(subscription.subscriber_id),
    }
    return render(request, "reminders/unsubscribe.html", context)


class _Echo:
    """csv.writer writes into this, and it hands each line back for streaming."""

    def write(self, value):
        return value


EXPORT_COLUMNS = [
    "email", "status", "systems", "requested_at", "confirmed_at", "unsubscribed_at", "bouncing",
]  # fmt: skip


def _cell(value) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: never from our data.
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _export_lines(subscriptions):
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for subscription in subscriptions.iterator(chunk_size=2000):
        subscriber = subscription.subscriber
        row = [
            subscriber.email,
            subscription.status,
            " ".join(system.code for system in subscription.systems.all()),
            subscription.created_at.isoformat(),
            subscription.confirmed_at and subscription.confirmed_at.isoformat(),
            subscription.unsubscribed_at and subscription.unsubscribed_at.isoformat(),
            "yes" if subscriber.is_bouncing else "no",
        ]
        yield writer.writerow([_cell(value) for value in row])


@staff_member_required
@permission_required("reminders.view_subscription", raise_exception=True)
def export_subscribers(request, slug: str):
    """Every subscription of a program, one line each, as CSV (staff only)."""
    program = get_object_or_404(Program, slug=slug)
    lines = _export_lines(selectors.subscriptions_for_export(program=program))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{program.slug}-subscribers.csv"'
    return response
