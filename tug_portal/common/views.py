import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
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
