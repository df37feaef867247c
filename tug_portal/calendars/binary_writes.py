"""Writing megabytes to PostgreSQL as binary parameters.

Django's psycopg backend binds parameters on the client: bytes travel as a hex literal inside
the SQL text (twice their size), for the server to parse back. The feeds' bytes
(`services._feed_save`) and the events' pieces (`event_store._store`) are written here instead,
through a plain psycopg cursor on Django's own connection: the same transaction, parameters
bound on the server (`%b`: binary). A failure is raised as Django's exception of the same DB-API
class, which is what the rest of the portal catches (the tasks retry on
`django.db.OperationalError`)."""

from collections.abc import Sequence

import psycopg
from django import db as django_db
from django.db import connection

# DB-API's exception classes, most specific first.
_DB_API_ERRORS = (
    "DataError",
    "OperationalError",
    "IntegrityError",
    "InternalError",
    "ProgrammingError",
    "NotSupportedError",
    "DatabaseError",
    "InterfaceError",
)


def execute_binary(sql: str, params: Sequence, *, many: bool = False) -> None:
    """Run `sql` (psycopg placeholders: `%s`, `%b` for bytes) on Django's PostgreSQL connection,
    once, or once per row of `params` when `many`."""
    connection.ensure_connection()
    try:
        with psycopg.Cursor(connection.connection) as cursor:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
    except psycopg.Error as error:
        raise django_error(error) from error


def django_error(error: psycopg.Error) -> Exception:
    """A psycopg error as Django's exception of the same DB-API class (what Django raises for
    its own statements)."""
    for name in _DB_API_ERRORS:
        if isinstance(error, getattr(psycopg, name)):
            return getattr(django_db, name)(*error.args)
    return django_db.Error(*error.args)
