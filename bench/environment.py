"""Where a bench run lives: its own var/ folder and a throwaway database, set up in the
environment BEFORE Django reads its settings, and removed again at the end.

- var/bench/ holds the run's files (cache, secret key, results.json); the developer's var/ is
  never touched.
- The database is new for every run: PostgreSQL `tug_bench_<pid>` on the server DATABASE_URL
  points at (dropped at the end), else a SQLite file var/bench/bench-<pid>.sqlite3 (deleted).
- The broker is always kombu's file-system transport under var/bench/: the bench measures the
  work of tasks without a broker, and a task queued by a signal must never reach the queue of a
  developer's (or CI's) real worker, which would run it against another database.
- Mail goes over SMTP to 127.0.0.1 (the reminder fan-out starts an SMTP sink there); nothing
  else mails.
- A Redis cache (CACHE_URL) is shared with others: the run's keys get their own prefix and are
  deleted at the end.
"""

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var" / "bench"
SETTINGS_MODULE = "bench.settings"
DATABASE_PREFIX = "tug_bench_"
SQLITE_PATTERN = re.compile(r"^bench-(\d+)\.sqlite3(-wal|-shm|-journal)?$")
DATABASE_CHOICES = ("sqlite", "postgres")
# `--database postgres` without DATABASE_URL / CACHE_URL: the CI stack on loopback. The run
# creates (and drops) a database of its own on that server, and prefixes its Redis keys.
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class ThrowawayDatabase:
    url: str  # what DATABASE_URL is set to for the run (and its child processes)
    engine: str  # "postgresql" or "sqlite"
    name: str

    @classmethod
    def for_url(cls, configured_url: str, pid: int) -> "ThrowawayDatabase":
        if configured_url.startswith(("postgres://", "postgresql://")):
            name = f"{DATABASE_PREFIX}{pid}"
            return cls(url=_with_database(configured_url, name), engine="postgresql", name=name)
        path = VAR_DIR / f"bench-{pid}.sqlite3"
        return cls(url=f"sqlite:///{path}", engine="sqlite", name=str(path))

    def create(self) -> None:
        if self.engine == "postgresql":
            _postgres_admin(self.url, f'CREATE DATABASE "{self.name}"')
        else:
            self.drop()

    def drop(self) -> None:
        if self.engine == "postgresql":
            # WITH (FORCE): a gunicorn worker killed a moment ago may still hold a connection.
            _postgres_admin(self.url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            return
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(self.name + suffix).unlink(missing_ok=True)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _postgres_admin(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE from the server's maintenance database (outside a transaction,
    as PostgreSQL requires)."""
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(statement)


def _postgres_leftovers(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [DATABASE_PREFIX + "%"]
        ).fetchall()
    return [name for (name,) in rows]


def remove_leftovers(database: ThrowawayDatabase) -> list[str]:
    """Throwaway databases of earlier runs that were killed before they could clean up (their
    process is gone). Returns what was removed."""
    removed = []
    if database.engine == "postgresql":
        for name in _postgres_leftovers(database.url):
            pid = name.removeprefix(DATABASE_PREFIX)
            if pid.isdigit() and not process_is_alive(int(pid)):
                _postgres_admin(database.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                removed.append(name)
        return removed
    for path in VAR_DIR.glob("bench-*.sqlite3*"):
        match = SQLITE_PATTERN.match(path.name)
        if match and not process_is_alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def choose_database(choice: str | None, environ=os.environ) -> None:
    """`--database`: sqlite is the embedded default (SQLite and the file cache, whatever the
    environment says); postgres is production's stack, PostgreSQL and Redis, from DATABASE_URL
    and CACHE_URL when they point there, else the loopback defaults. None: as the environment
    says."""
    if choice == "sqlite":
        environ.pop("DATABASE_URL", None)
        environ.pop("CACHE_URL", None)
    elif choice == "postgres":
        if not environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            environ["DATABASE_URL"] = DEFAULT_POSTGRES_URL
        if not environ.get("CACHE_URL", "").startswith(("redis://", "rediss://")):
            environ["CACHE_URL"] = DEFAULT_REDIS_URL


def configure() -> ThrowawayDatabase:
    """Point this process (and every child it starts) at the run's var/ folder, database,
    broker, cache prefix and mail server. Call before anything imports Django settings."""
    pid = os.getpid()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    database = ThrowawayDatabase.for_url(os.environ.get("DATABASE_URL", ""), pid)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "TUG_VAR_DIR": str(VAR_DIR),
            "TUG_EMBEDDED": os.environ.get("TUG_EMBEDDED") or "1",
            "DATABASE_URL": database.url,
            "CELERY_BROKER_URL": "filesystem://",
            # SMTP, so that the reminder fan-out sends over the network; it points the port at its
            # sink.
            "EMAIL_HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    if os.environ.get("CACHE_URL"):
        os.environ["CACHE_KEY_PREFIX"] = f"tug-bench-{pid}"
    return database


def clear_cache() -> None:
    """Empty the run's cache: the file cache under var/bench/ (a killed run may have left feed
    validators of another database), or this run's keys in a shared Redis."""
    from django.conf import settings
    from django.core.cache import cache

    if not os.environ.get("CACHE_URL"):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)  # Django offers no "delete by prefix"
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)


@contextlib.contextmanager
def throwaway(database: ThrowawayDatabase) -> Iterator[ThrowawayDatabase]:
    """Create the database (after removing leftovers of killed runs); drop it at the end,
    whatever happened in between."""
    removed = remove_leftovers(database)
    if removed:
        print(f"Removed leftovers of earlier runs that were killed: {', '.join(removed)}")
    database.create()
    try:
        yield database
    finally:
        from django.db import connections

        connections.close_all()
        database.drop()
        shutil.rmtree(VAR_DIR / "broker", ignore_errors=True)
