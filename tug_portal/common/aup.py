"""The acceptable use policy (AUP) of the public endpoints, modelled on the ISO's DRRS AUP.

The rule, in the DRRS notice's words: a client may submit or retrieve a single service only once
per window; it may call other services meanwhile; calling the same service again before the
window expires is refused, and "time resets each time you request before expiration".

Here a *service* is one URL of a public endpoint (a feed with its options, an `.ics` download, an
API resource, a form's POST), a *client* is an IP address (see `clients.client_ip`) and the
window comes from the first rule in `settings.TUG_AUP_RULES` that names the URL and the method.
Only calls that made the service do its work count: a refused form (4xx) and a conditional GET
answered 304 release the window. A calendar client that polls with its ETag is therefore never
refused, and a stakeholder who fixes a typo in a form can send it again at once.

The windows live in Django's cache (Redis in production), so they hold across web processes.
Staff, the health checks and the admin are exempt (`settings.TUG_AUP_EXEMPT`).
"""

import hashlib
import time
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from .clients import client_ip
from .responses import error_response

MESSAGE = (
    "Acceptable Use Policy Violation. Please retry your request again in {seconds} seconds "
    "from now. Note: Time resets each time you request before expiration."
)
SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Rule:
    url_names: tuple[str, ...]  # "namespace:name" patterns, shell-style ("calendars:feed_*")
    methods: frozenset[str]
    window: int  # seconds

    def applies_to(self, url_name: str, method: str) -> bool:
        return method in self.methods and _matches_any(url_name, self.url_names)


def _matches_any(url_name: str, patterns) -> bool:
    return any(fnmatchcase(url_name, pattern) for pattern in patterns)


def rules() -> list[Rule]:
    return [
        Rule(tuple(rule["urls"]), frozenset(rule["methods"]), int(rule["window"]))
        for rule in settings.TUG_AUP_RULES
    ]


def rule_for(url_name: str, method: str) -> Rule | None:
    """The rule limiting calls of this URL by this method; None when the call is not limited."""
    if _matches_any(url_name, settings.TUG_AUP_EXEMPT):
        return None
    return next((rule for rule in rules() if rule.applies_to(url_name, method)), None)


def refusal_message(seconds: int) -> str:
    return MESSAGE.format(seconds=seconds)


# --- Windows, in the cache ------------------------------------------------------------------
# A window is a cache entry holding the moment it expires. The moment is compared with the
# clock rather than left to the cache's own expiry, so every backend behaves alike (and tests
# can travel in time); the cache timeout only clears entries away.


def window_key(client: str, service: str) -> str:
    digest = hashlib.sha256(f"{client}\n{service}".encode()).hexdigest()[:40]
    return f"aup:{digest}"


def window_start(key: str, seconds: int) -> None:
    cache.set(key, time.time() + seconds, timeout=seconds)


def window_claim(key: str, seconds: int) -> bool:
    """Start the window unless one is running; True when this call started it. `cache.add` is
    atomic (SET NX on Redis), so of two simultaneous calls only one starts the window."""
    if cache.add(key, time.time() + seconds, timeout=seconds):
        return True
    expires = cache.get(key)
    if expires is None or expires <= time.time():
        window_start(key, seconds)
        return True
    return False


def window_release(key: str) -> None:
    cache.delete(key)


# --- The middleware -------------------------------------------------------------------------


@dataclass
class ServiceCall:
    """One limited call, between the check before the view and the verdict after it."""

    key: str
    window: int
    started_window: bool  # this call started the window (released again if it did not count)
    deferred: bool  # a conditional GET inside the window: allowed if it ends in 304

    def settle(self, request, response):
        if self.deferred:
            if response.status_code == 304:
                return response
            return refuse(request, self)
        if self.started_window and not counts(response):
            window_release(self.key)
        return response


def counts(response) -> bool:
    """Did the service do its work? A refused request (4xx, 5xx) or a 304 did not."""
    return response.status_code < 400 and response.status_code != 304


def refuse(request, call: ServiceCall):
    window_start(call.key, call.window)  # "Time resets each time you request before expiration."
    return error_response(
        request,
        status=429,
        message=refusal_message(call.window),
        template="429.html",
        retry_after=call.window,
    )


def is_conditional(request) -> bool:
    return request.method in SAFE_METHODS and (
        "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
    )


def is_staff(request) -> bool:
    # Only a request that carries a session can be staff. Not looking otherwise keeps a
    # calendar client's poll free of database queries.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    try:
        return request.user.is_staff
    except DatabaseError:
        return False  # the view will meet the same outage and answer 503 for it


def service_of(request, url_name: str) -> str:
    """A GET's service is the URL with its query (each feed variant is its own); a POST's is the
    path, so that varying the query cannot dodge the window of a form."""
    target = request.get_full_path() if request.method in SAFE_METHODS else request.path
    return f"{url_name} {target}"


class AcceptableUseMiddleware:
    """Apply the AUP. Placed after AuthenticationMiddleware (staff are exempt); it resolves the
    URL name in `process_view`, so that no app needs to know about it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        call = getattr(request, "aup_call", None)
        return call.settle(request, response) if call else response

    def process_view(self, request, view_func, view_args, view_kwargs):
        url_name = request.resolver_match.view_name
        rule = rule_for(url_name, request.method)
        if rule is None or is_staff(request):
            return None
        key = window_key(client_ip(request), service_of(request, url_name))
        started = window_claim(key, rule.window)
        call = ServiceCall(key, rule.window, started_window=started, deferred=False)
        if not started:
            if not is_conditional(request):
                return refuse(request, call)
            call.deferred = True
        request.aup_call = call
        return None
