"""Readiness: can this deployment do its job right now? What `/readyz` and the admin banner ask.

Core checks: the database answers, the cache round-trips, the broker accepts a connection, and
beat has run lately. The heartbeat is written by a task that beat queues and a worker runs, so a
stale one means beat or every worker is down: either way feeds and reminders have stopped.

Apps add their own checks without this module knowing them, the way `iso_staff_models` works:
an AppConfig lists dotted paths in `readiness_checks`; each names a function that takes no
argument and returns a `Check` (the reminders app reports its oldest unsent due reminder).
"""

import hmac
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from .clients import client_ip, in_networks
from .models import Heartbeat

logger = logging.getLogger(__name__)

BEAT = "beat"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def failed(name: str, error: Exception) -> Check:
    # The page is public: the log gets the message (hosts, ports), the answer only its kind.
    logger.warning("Readiness check %s failed: %s", name, error, exc_info=error)
    return Check(name, False, f"failing ({type(error).__name__})")


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return Check("database", True, "answers")


def check_cache() -> Check:
    token = uuid.uuid4().hex
    cache.set("readyz:probe", token, timeout=30)
    if cache.get("readyz:probe") != token:
        return Check("cache", False, "a value written could not be read back")
    return Check("cache", True, "round-trips")


def check_broker() -> Check:
    from tug_portal.celery import app

    # One attempt, bounded in time: a readiness probe must answer even when the broker hangs.
    with app.connection_for_write() as broker:
        broker.ensure_connection(
            max_retries=1, interval_start=0, timeout=settings.TUG_READYZ_BROKER_TIMEOUT
        )
    return Check("broker", True, "accepts connections")


def beat_age(now=None) -> timedelta | None:
    """How long ago beat last proved alive; None if it never has."""
    beat_at = _beat_ran_at()
    return None if beat_at is None else (now or timezone.now()) - beat_at


def _beat_ran_at():
    return Heartbeat.objects.filter(name=BEAT).values_list("beat_at", flat=True).first()


# The admin's banner (on every staff page) reads when beat last ran at most this often per
# process, not once per page: a query on each of 10 requests a second for news that changes
# once a minute, and a banner whose threshold is minutes (TUG_BEAT_STALE_AFTER) shows at most
# this many seconds late. `/readyz` always reads it afresh.
BANNER_HEARTBEAT_READ_EVERY = 30
_monotonic = time.monotonic
# (when it was read, in monotonic seconds; when beat ran, or None): one tuple, replaced whole,
# so that a thread never sees one half of a read and the other of the next.
_banner_heartbeat: tuple | None = None


def banner_beat_age() -> timedelta | None:
    """`beat_age` for the admin's banner: the moment beat ran is kept per process (its age
    is still worked out at each page, so a beat that stops shows as it ages)."""
    global _banner_heartbeat
    kept, now = _banner_heartbeat, _monotonic()
    if kept is None or now - kept[0] >= BANNER_HEARTBEAT_READ_EVERY:
        kept = _banner_heartbeat = (now, _beat_ran_at())
    beat_at = kept[1]
    return None if beat_at is None else timezone.now() - beat_at


def forget_banner_heartbeat() -> None:
    """Read the heartbeat afresh on the next page (it was just recorded in this process)."""
    global _banner_heartbeat
    _banner_heartbeat = None


def beat_is_stale(age: timedelta | None) -> bool:
    return age is None or age > timedelta(seconds=settings.TUG_BEAT_STALE_AFTER)


def check_beat() -> Check:
    age = beat_age()
    if age is None:
        return Check("beat", False, "beat has never run")
    detail = f"last ran {int(age.total_seconds())} s ago"
    return Check("beat", not beat_is_stale(age), detail)


CORE_CHECKS = (check_database, check_cache, check_broker, check_beat)


def app_checks() -> list:
    return [
        import_string(path)
        for config in apps.get_app_configs()
        for path in getattr(config, "readiness_checks", ())
    ]


def run_check(check) -> Check:
    name = check.__name__.removeprefix("check_")
    try:
        return check()
    except Exception as error:  # any failure is an answer, never a 500
        return failed(name, error)


def readiness() -> dict:
    """Every check's result; "ok" only when all pass."""
    results = [run_check(check) for check in (*CORE_CHECKS, *app_checks())]
    return {
        "status": "ok" if all(result.ok for result in results) else "failing",
        "checks": {result.name: {"ok": result.ok, "detail": result.detail} for result in results},
    }


# --- Who sees the details -------------------------------------------------------------------


def readiness_details_allowed(request) -> bool:
    """Staff signed in to the admin (verified by their device when TUG_STAFF_2FA is on), a
    caller presenting `Authorization: Bearer <TUG_READYZ_TOKEN>`, or one whose address is on
    TUG_READYZ_ALLOW_NETWORKS."""
    from django.contrib import admin

    token = settings.TUG_READYZ_TOKEN
    sent = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    if in_networks(client_ip(request), settings.TUG_READYZ_ALLOW_NETWORKS):
        return True
    return admin.site.has_permission(request)


_recent_lock = threading.Lock()
_recent: tuple[float, bool] = (0.0, False)  # (valid until, every check passed)


def readiness_ok_recent() -> bool:
    """Whether every check passed, run at most once per TUG_READYZ_PUBLIC_SECONDS in this
    process (the answer anyone may ask for, as often as they like)."""
    global _recent
    with _recent_lock:
        valid_until, ok = _recent
        if time.monotonic() < valid_until:
            return ok
        ok = readiness()["status"] == "ok"
        _recent = (time.monotonic() + settings.TUG_READYZ_PUBLIC_SECONDS, ok)
        return ok
