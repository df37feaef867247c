"""Refusing a client that is already refused, before anything else works for it (fair_use.py).

A client that does not honour `Retry-After` (a flooding script) asks again at once, again and
again; each of those requests, answered by FairUseMiddleware, would first go through sessions,
CSRF, authentication, URL resolving and a round trip to the cache's buckets. This web process
remembers, for each client address and endpoint group, until when FairUseMiddleware's last
refusal holds (the address's bucket for the group cannot pay even the cheapest request before
then), and which group each path it has seen belongs to. `FairUseGateMiddleware`, near the top
of the middleware chain, answers such a request with the same 429 at once: no session, no query,
no URL resolving, no cache round trip.

It only ever repeats a refusal the budgets made, for no longer than they hold it, so it changes
who is refused in nothing, only what the refusal costs. What it lets through is counted as
before: a request carrying a session cookie (it may be staff's, who are never refused), a
conditional GET (a poll whose copy is current still gets its 304), any POST (a refused form is
shown again with what was typed, by its view), and a path this process has not seen yet. Each web
process learns on its own (the first refusal it makes itself), which takes one request.

A client told to wait (a 429 or a 503 with Retry-After) that asks again before then (a loop that
ignores Retry-After, or a person clicking again at once) is first made to wait its turn: the
request pauses for what is left of the wait, at most `TUG_FAIR_USE_REPEAT_PAUSE_SECONDS`, then
goes on as any other (refused, or served; once served, its next requests go on at once). A
flooding loop then asks about once a second instead of hundreds of times, and stops taking the
CPU the portal's other visitors need; nobody is refused more than before. The pause is a sleep,
no work; it holds a web thread, so at most `TUG_FAIR_USE_REPEAT_PAUSE_THREADS` of a process's
threads pause at once, and beyond them the request goes on at once, as before.
"""

import threading
import time
from time import sleep

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape

from .responses import wants_html

SAFE_METHODS = frozenset({"GET", "HEAD"})
MAX_ENTRIES = 10_000  # of each memory; past it the memory starts again (only costs a lookup)


class Memory:
    """A bounded dict under a lock: what this process has learnt."""

    def __init__(self):
        self.entries: dict = {}
        self.lock = threading.Lock()

    def get(self, key, default=None):
        return self.entries.get(key, default)

    def put(self, key, value) -> None:
        with self.lock:
            if len(self.entries) >= MAX_ENTRIES:
                self._forget_stale()
            self.entries[key] = value

    def _forget_stale(self) -> None:
        now = time.time()
        kept = {k: v for k, v in self.entries.items() if isinstance(v, float) and v > now}
        self.entries = kept if len(kept) < MAX_ENTRIES // 2 else {}

    def forget(self) -> None:
        with self.lock:
            self.entries = {}


_groups = Memory()  # path -> the group of its GETs (None: not counted)
_refused = Memory()  # (client, group) -> time.time() until which the client is refused
_told = Memory()  # (client, group) -> time.time() until which the client was told to wait


def learn_group(path: str, group: str | None) -> None:
    """FairUseMiddleware tells which group counts GETs of `path`."""
    if _groups.get(path, "") != group:
        _groups.put(path, group)


def remember_refusal(client: str, group: str, seconds: float) -> None:
    """FairUseMiddleware refused `client` for `group`: its bucket for the whole group cannot pay
    for `seconds` from now."""
    _refused.put((client, group), time.time() + seconds)


def is_refused(client: str, group: str) -> bool:
    """Whether this process is refusing `client` for `group` right now."""
    return _refused.get((client, group), 0.0) > time.time()


def forget_all() -> None:
    """A fresh process (tests)."""
    _groups.forget()
    _refused.forget()
    _told.forget()


def client_and_group(request) -> tuple[str, str] | None:
    """(client, group) of a GET or HEAD of a path whose group this process has learnt."""
    if request.method not in SAFE_METHODS:
        return None
    group = _groups.get(request.path)
    if group is None:
        return None
    from .fair_use import client_key  # fair_use imports this module

    return client_key(request), group


def may_be_refused_early(request) -> bool:
    """An unconditional request without a session cookie: one the budgets would refuse outright
    (a conditional poll may still earn its 304; a session may be staff's, never refused)."""
    meta = request.META
    if "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta:
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


_pausing = 0  # threads of this process pausing now
_pausing_lock = threading.Lock()


def pause(seconds: float) -> float:
    """Sleeps `seconds`, at most the setting's, when a pausing thread is free; returns the seconds
    slept."""
    global _pausing
    seconds = min(seconds, settings.TUG_FAIR_USE_REPEAT_PAUSE_SECONDS)
    if seconds <= 0:
        return 0.0
    with _pausing_lock:
        if _pausing >= settings.TUG_FAIR_USE_REPEAT_PAUSE_THREADS:
            return 0.0
        _pausing += 1
    try:
        sleep(seconds)
    finally:
        with _pausing_lock:
            _pausing -= 1
    return seconds


def _told_to_wait(response) -> int:
    """The seconds a refusal (429) or a busy answer (503) told its client to wait, else 0."""
    if response.status_code not in (429, 503):
        return 0
    try:
        return int(response.get("Retry-After", 0))
    except ValueError:  # an HTTP date: not one of ours
        return 0


class FairUseGateMiddleware:
    """Placed before sessions, auth and the URL resolver (settings.MIDDLEWARE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.TUG_FAIR_USE_ENABLED:
            return self.get_response(request)
        key = client_and_group(request) if _refused.entries or _told.entries else None
        # Asked again before it was told: waits for its turn first. Conditional requests and
        # session cookies too (a pause refuses nothing; a made-up cookie or ETag must not be a
        # way around it).
        if key and (told_left := _told.get(key, 0.0) - time.time()) > 0:
            pause(told_left)
        refused_left = _refused.get(key, 0.0) - time.time() if key else 0.0
        if refused_left > 0 and may_be_refused_early(request):
            response = refusal_response(request, key[1], refused_left)
        else:
            response = self.get_response(request)
        if (wait := _told_to_wait(response)) and (key := key or client_and_group(request)):
            _told.put(key, time.time() + wait)
        elif key and response.status_code < 400 and _told.get(key):
            _told.put(key, 0.0)  # it had its turn: its next requests go on at once
        return response


# The refusal page's own headers: it is answered before CSPMiddleware and
# XFrameOptionsMiddleware, and needs nothing but its stylesheet.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
}
AGAIN_MARK = "fair-use-gate-again-link"
_pages: dict[int, tuple[str, str]] = {}  # retry-after -> the page around the "Try again" link


def refusal_response(request, group: str, seconds_left: float):
    """FairUseMiddleware's 429, in the same words and shapes, built without a template render:
    the page for each Retry-After is rendered once per process, the link filled in."""
    from . import budgets, fair_use

    refusal = fair_use.Refusal(budgets.retry_after(seconds_left))
    if group == "api":  # the API's error shape, whatever the client accepts
        response = JsonResponse({"detail": refusal.message}, status=429)
    elif request.headers.get("HX-Request") == "true" or not wants_html(request):
        request.htmx = request.headers.get("HX-Request") == "true"  # as django-htmx would say
        return refusal.response(request)  # a fragment, or plain text: no page to render
    else:
        response = HttpResponse(_page(refusal, request.get_full_path()), status=429)
        for name, value in PAGE_HEADERS.items():
            response[name] = value
    response["Retry-After"] = str(refusal.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _page(refusal, again: str) -> str:
    if refusal.retry_after not in _pages:
        page = render_to_string("429.html", {"message": refusal.message, "again": AGAIN_MARK})
        before, after = page.split(AGAIN_MARK)
        _pages[refusal.retry_after] = (before, after)
    before, after = _pages[refusal.retry_after]
    return before + escape(again) + after
