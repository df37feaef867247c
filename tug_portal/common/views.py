import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from .health import readiness
from .middleware import service_unavailable


def healthz(request):
    """Liveness: the process answers. Touches nothing else, so it is also the bench baseline."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness: database, cache, broker, beat and the apps' own checks, as JSON; 200 when all
    pass, 503 otherwise, so a load balancer or a monitor can act on the status alone."""
    report = readiness()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def server_error(request):
    """handler500. A database outage met outside a view (in a middleware, saving the session)
    is still a 503; anything else is the plain 500 page. Neither touches the database."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return service_unavailable(request)
    return HttpResponseServerError(render_to_string("500.html"))
