import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.views import defaults
from django.views.decorators.cache import never_cache

from .health import readiness, readiness_details_allowed, readiness_ok_recent
from .middleware import service_unavailable
from .responses import error_response


def healthz(request):
    """Liveness: the process answers. Touches nothing else, so it is also the bench baseline."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness: database, cache, broker, beat and the apps' own checks; 200 when all pass, 503
    otherwise, so a load balancer or a monitor can act on the status alone.

    The checks' details (JSON) are for the operators: staff signed in to the admin, a caller
    with the TUG_READYZ_TOKEN, or one on TUG_READYZ_ALLOW_NETWORKS (loopback by default). Anyone
    else gets the bare status code, from a result this process keeps for a few seconds, so
    that calling /readyz in a loop costs nothing but the answer."""
    if readiness_details_allowed(request):
        report = readiness()
        return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
    ok = readiness_ok_recent()
    return HttpResponse(b"", status=200 if ok else 503, content_type="text/plain")


def server_error(request):
    """handler500. A database outage met outside a view (in a middleware, saving the session)
    is still a 503; anything else is the plain 500 page. Neither touches the database."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return service_unavailable(request)
    return HttpResponseServerError(render_to_string("500.html"))


def page_not_found(request, exception):
    """handler404. An htmx swap gets a short message (errors/alert.html: the portal's script
    shows its `role="alert"` words where the swap was to go), not the whole page nested in the
    region; a plain request, and htmx restoring history, get the 404 page."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        message = f"Not found: {_not_found_reason(exception)}"
        response = HttpResponseNotFound(render_to_string("errors/alert.html", {"message": message}))
    else:
        response = defaults.page_not_found(request, exception)
    # One address answers both ways: a cache between must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _not_found_reason(exception) -> str:
    """The view's own reason ("No such program."); an address that names no view has none."""
    reason = exception.args[0] if exception and exception.args else None
    if isinstance(reason, str) and reason:
        return reason
    return "the address may be mistyped, or the page was moved."


# A token matching the visitor's CSRF cookie as it is now, on a refusal (`csrf_failure`).
CSRF_TOKEN_HEADER = "X-CSRF-Token"  # noqa: S105 - a header's name, not a secret


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW. On this portal the usual cause is harmless: two pages opened before the
    visitor's first CSRF cookie arrived (the program page's lazily loaded agenda-request form
    and the reminders page, say) each set a cookie of their own, and the later one won, so the
    form in the other no longer matches it. The refusal says so and carries a token that
    matches the cookie now (`X-CSRF-Token`, read only by the portal's own script: other origins
    cannot read a response's headers); `static/js/portal.js` puts it in the form and sends the
    form once more, so nothing typed is lost. Without scripts the page says to reload the form.
    """
    response = error_response(
        request,
        status=403,
        message=(
            "Not sent: this form's security check no longer matches your browser (the portal was "
            "opened anew in another tab or window). Please reload the form and send it again."
        ),
        template="403_csrf.html",
    )
    # A new cookie too when there was none (the CSRF middleware sets it on this response).
    response[CSRF_TOKEN_HEADER] = get_token(request)
    return response
