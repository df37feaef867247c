import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.views import defaults
from django.views.decorators.cache import never_cache

from .health import readiness, readiness_details_allowed, readiness_ok_recent
from .middleware import service_unavailable


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
