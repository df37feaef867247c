"""When the database cannot be reached: a calm 503, never a traceback, never half a write.

An OperationalError or InterfaceError means the database (not our code) failed: the server is
down or restarting, the connection was cut, a lock or statement timed out. Every write goes
through a service under `transaction.atomic`, so the failed transaction has already been rolled
back when the exception reaches this middleware; what is left is to tell the client to come back
soon (503 with Retry-After) and the operator what happened (the log, with the traceback).
"""

import logging

from django.db import InterfaceError, OperationalError

from .responses import error_response

logger = logging.getLogger(__name__)

MESSAGE = (
    "The portal cannot reach its database at the moment. Nothing was saved; please try again "
    "in a minute."
)
RETRY_AFTER_SECONDS = 60


def service_unavailable(request):
    return error_response(
        request,
        status=503,
        message=MESSAGE,
        template="503.html",
        retry_after=RETRY_AFTER_SECONDS,
    )


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error(
            "Database unavailable during %s %s", request.method, request.path, exc_info=exception
        )
        return service_unavailable(request)
