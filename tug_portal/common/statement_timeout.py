"""A time limit on the database work of one public request: PostgreSQL's `statement_timeout`, and
on SQLite, which has none, a bound on the CPU time of each statement (a progress handler).

Anyone can make an anonymous request, as often as they like; no query such a request runs may
hold a database process longer than `TUG_PUBLIC_STATEMENT_TIMEOUT_MS` (0: no limit). Staff
(signed in), the admin, migrations, management commands and Celery tasks never pass through here
and keep the server's own setting.

The limit is set lazily: on the request's first query (`SET statement_timeout`), so a page served
from the page cache, which runs none, costs nothing more; and reset when the request ends, as
connections outlive requests (`CONN_MAX_AGE`). A query that runs out of time is cancelled by the
server; the visitor gets a 503 that says what to do (a narrower search), never a 500.

SQLite runs in the web thread itself: its bound is the thread's CPU time (`time.thread_time`),
checked every few thousand steps of its virtual machine, and a statement past it is interrupted.
CPU time, not wall time: a machine loaded by others stretches a search's wall time, not its work.
"""

import contextlib
import logging
import sqlite3
import time

import psycopg
from django.conf import settings
from django.db import DatabaseError, OperationalError, connection

from .responses import error_response

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled (by the timeout)
SQLITE_STEPS_PER_CHECK = 20_000  # virtual machine steps between two looks at the clock
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


class _PostgresLimit:
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

    @staticmethod
    def cancelled(exception: BaseException) -> bool:
        return is_query_canceled(exception)

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


class _SqliteLimit:
    """An execute wrapper: each statement may take `milliseconds` of this thread's CPU time;
    `lift()` removes the progress handler (the connection outlives the request)."""

    def __init__(self, milliseconds: int):
        self.seconds = int(milliseconds) / 1000
        self.deadline = 0.0
        self.driver_connection: sqlite3.Connection | None = None
        self.ran_out = False

    def __call__(self, execute, sql, params, many, context):
        driver_connection = context["connection"].connection
        if driver_connection is not self.driver_connection:  # the first, or one reopened
            self.driver_connection = driver_connection
            driver_connection.set_progress_handler(self._out_of_time, SQLITE_STEPS_PER_CHECK)
        # Per statement, as PostgreSQL's: a page of several quick queries is not cut short. The
        # rows are fetched after execute returns; they count against the same statement's time.
        self.deadline = time.thread_time() + self.seconds
        return execute(sql, params, many, context)

    def _out_of_time(self) -> bool:
        if time.thread_time() > self.deadline:
            self.ran_out = True
            return True  # SQLite interrupts the statement ("interrupted")
        return False

    def cancelled(self, exception: BaseException) -> bool:
        """Whether `exception` is a statement this bound interrupted (not any other fault)."""
        return self.ran_out and isinstance(exception, OperationalError)

    def lift(self) -> None:
        if self.driver_connection is not None:
            # A connection closed during the request (a fault, a reconnect) keeps no handler.
            with contextlib.suppress(sqlite3.ProgrammingError):
                self.driver_connection.set_progress_handler(None, 0)
            self.driver_connection = None


_LIMITS = {"postgresql": _PostgresLimit, "sqlite": _SqliteLimit}


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
        limit_class = _LIMITS.get(connection.vendor)
        if not milliseconds or limit_class is None or _may_be_signed_in(request):
            return self.get_response(request)
        limit = limit_class(milliseconds)
        request.statement_limit = limit  # for process_exception
        try:
            with connection.execute_wrapper(limit):
                return self.get_response(request)
        finally:
            limit.lift()

    def process_exception(self, request, exception):
        limit = getattr(request, "statement_limit", None)
        if not (limit and limit.cancelled(exception)):
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
