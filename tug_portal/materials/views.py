"""Downloads: the one way to a material's file. A material the viewer may not see is a 404,
whatever its storage; a public one is streamed by the web process as an attachment of its
checked type, with validators, 304s and byte ranges (a folder: serving.py), or redirected to a
short-lived signed URL (object storage)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from tug_portal.common import fair_use
from tug_portal.reminders import selectors as reminders_selectors
from tug_portal.reminders import tokens
from tug_portal.reminders.models import Subscription

from . import selectors, services, serving, storage
from . import tokens as materials_tokens


@require_safe
def material_download(request, public_id, file_name):
    material = selectors.material_for_download(public_id=public_id, user=request.user)
    if storage.serves_signed_urls():
        response = HttpResponseRedirect(
            storage.signed_url(
                key=material.file_key,
                file_name=material.file_name,
                content_type=material.content_type,
                seconds=settings.TUG_MATERIALS_SIGNED_URL_SECONDS,
            )
        )
    else:
        response = serving.file_response(request, material)
    # Drafts are seen by staff only: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store" if not material.is_published else "private"
    return response


def _invalid_link(request, which: str):
    """A mangled or forged link from a mail: the page the reminders' own links answer with."""
    message = f"This {which} is not valid. Copy the whole link from the mail into the address bar."
    return render(request, "reminders/invalid_link.html", {"message": message}, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
def notices_preferences(request, token: str):
    """A subscriber's "materials posted" opt-ins, one per subscribed program, reached from the
    reminders' preferences page with the same signed link (no account)."""
    try:
        subscriber_id = tokens.read_preferences_token(token)
    except tokens.InvalidToken:
        return _invalid_link(request, "link")
    subscriptions = list(
        reminders_selectors.subscriptions_of_subscriber(subscriber_id=subscriber_id)
        .filter(status=Subscription.Status.CONFIRMED)
        .select_related("program", "materials_opt_in")
    )
    if request.method == "POST" and (refusal := fair_use.refusal(request)):
        return HttpResponse(refusal.form_message, status=429, content_type="text/plain")
    if request.method == "POST":
        wanted = set(request.POST.getlist("program"))
        services.materials_opt_ins_set(
            subscriptions=subscriptions,
            wanted={s.pk for s in subscriptions if s.program.slug in wanted},
        )
        messages.success(request, "Saved.")
        return redirect(request.path)
    rows = [
        (s, bool(getattr(s, "materials_opt_in", None) and s.materials_opt_in.materials_posted))
        for s in subscriptions
    ]
    return TemplateResponse(request, "materials/notices_preferences.html", {"rows": rows})


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def notices_unsubscribe(request, token: str):
    """RFC 8058 one-click (POST) from a "materials posted" mail; a GET asks first."""
    try:
        subscription_id = materials_tokens.read_unsubscribe_token(token)
    except tokens.InvalidToken:
        return _invalid_link(request, "unsubscribe link")
    subscription = reminders_selectors.subscription_get(pk=subscription_id)
    done = request.method == "POST"
    if done and subscription is not None:
        services.materials_unsubscribe(subscription_id=subscription.pk)
    context = {
        "subscription": subscription,
        "done": done,
        "preferences_token": subscription and tokens.preferences_token(subscription.subscriber_id),
    }
    return TemplateResponse(request, "materials/notices_unsubscribe.html", context)
