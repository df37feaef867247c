"""A time limit on the database work of one public request (PostgreSQL's `statement_timeout`).

Anyone can make an anonymous request, as often as they like; no query such a request runs may
hold a database process longer than `TUG_PUBLIC_STATEMENT_TIMEOUT_MS` (0: no limit). Staff
(signed in), the admin, migrations, management commands and Celery tasks never pass through here
and keep the server's own setting.

The limit is set lazily: on the request's first query (`SET statement_timeout`), so a page served
from the page cache, which runs none, costs nothing more; and reset when the request ends, as
connections outlive requests (`CONN_MAX_AGE`). A query that runs out of time is cancelled by the
server; the visitor gets a 503 that says what to do (a narrower search), never a 500.
"""

import logging

import psycopg
from django.conf import settings
from django.db import DatabaseError, OperationalError, connection

from .responses import error_response

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled (by the timeout)
RETRY_AFTER_SECONDS = 30
SEARCH_MESSAGE = (
    "The search is busy and could not finish in time. Try a narrower search (fewer, longer, "
    "more specific words), or try again in a minute."
)
PAGE_MESSAGE = "The portal is busy and could not prepare this page in time. Try again in a minute."


def is_query_canceled(exception: BaseException) -> bool:
    cause = exception.__cause__
    return isinstance(exception, OperationalError) and QUERY_CANCELED in (
        getattr(cause, "sqlstate", None),  # psycopg 3
        getattr(cause, "pgcode", None),  # psycopg 2
    )


class _Limit:
    """An execute wrapper: before the first query, limit the session; `lift()` undoes it."""

    def __init__(self, milliseconds: int):
        self.milliseconds = int(milliseconds)
        self.applied = False

    def __call__(self, execute, sql, params, many, context):
        if not self.applied:
            self.applied = True
            # The driver's connection (a client-side cursor of its own: the page's first query
            # may be a server-side cursor, `.iterator()`, which cannot run a SET); not logged as
            # one of the page's queries, no recursion.
            context["connection"].connection.execute(f"SET statement_timeout = {self.milliseconds}")
        return execute(sql, params, many, context)

    def lift(self) -> None:
        if not (self.applied and connection.connection is not None):
            return
        try:
            connection.connection.execute("RESET statement_timeout")
        except (DatabaseError, psycopg.Error):
            # A connection we cannot reset must not serve a staff request limited: drop it,
            # unless a transaction still owns it (its rollback undoes a SET made inside it).
            if not connection.in_atomic_block:
                connection.close()


def _may_be_signed_in(request) -> bool:
    """Only a request carrying a session cookie can be a signed-in user's; asking `request.user`
    of any other would read the session and add `Vary: Cookie` to feeds and cached pages."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.user.is_authenticated


class PublicStatementTimeoutMiddleware:
    """After AuthenticationMiddleware (who is asking) and DatabaseUnavailableMiddleware (listed
    after it, so this one's process_exception speaks first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        milliseconds = settings.TUG_PUBLIC_STATEMENT_TIMEOUT_MS
        if not milliseconds or connection.vendor != "postgresql" or _may_be_signed_in(request):
            return self.get_response(request)
        limit = _Limit(milliseconds)
        try:
            with connection.execute_wrapper(limit):
                return self.get_response(request)
        finally:
            limit.lift()

    def process_exception(self, request, exception):
        if not is_query_canceled(exception):
            return None
        searching = bool(request.GET.get("q", "").strip())
        logger.warning(
            "Statement timeout (%s ms) on %s %s",
            settings.TUG_PUBLIC_STATEMENT_TIMEOUT_MS,
            request.method,
            request.get_full_path()[:300],
        )
        return error_response(
            request,
            status=503,
            message=SEARCH_MESSAGE if searching else PAGE_MESSAGE,
            template="503.html",
            retry_after=RETRY_AFTER_SECONDS,
        )
