"""Fair use of the public endpoints: budgets that stop floods and never a person.

Every request outside the exempt areas belongs to an endpoint *group* (feeds and `.ics`, the
JSON API, pages, form POSTs; `settings.TUG_FAIR_USE_GROUPS`) and is counted, by its client
address (`clients.client_ip`), in two token buckets (budgets.py): the address's bucket for the
group, and the address's bucket for the one *service* it asks for, named canonically
(canonical.py: `?_=123`, `limit=0200` or a trailing `&` is the same service). The buckets'
sizes are `settings.TUG_FAIR_USE_BUDGETS`, sized from what real clients do:

- a company's calendar clients behind one address polling every 15-60 minutes, or a hosted
  calendar service re-fetching its users' 50 feeds every minute, stay well inside the feeds'
  budget; a script re-downloading one feed many times a second spends its service bucket in
  about a second and is refused from then on;
- a person saving preferences five times in a minute, double-clicking a download or a one-click
  unsubscribe, is far inside the forms' budget (what limits mails per mailbox and per program
  contact is the reminders' and meetings' services' own business, per target).

What a request costs is what it made the portal do: a full answer costs 1 token; one answered
from stored bytes (a built feed, a page from the page cache) or by a validator match (304)
costs a fraction. The cheapest cost the request could have is taken *before* the view runs (a
request the bucket cannot pay for is refused without doing any work); the rest is charged once
the answer is known, and may leave the bucket in debt, which delays the next requests.

Refusing before working: a conditional GET over budget is compared with the feed's stored
validators before the view, by the check the view declares (`answers_polls_with`): a client
whose copy is current gets its 304 even then, any other is refused without running the view.

A refusal is a 429 with Retry-After, in plain words and with a link back: HTML for browsers, a
fragment for htmx, text for calendar clients, JSON for the API. A refused form POST is handed to
its view (`keeps_typed_form`), which shows the form again with what was typed, nothing done,
and says when to send it.

Staff, the admin and the health checks are exempt
(`settings.TUG_FAIR_USE_EXEMPT`). `TUG_FAIR_USE_ENABLED=0` turns the whole thing off.
"""

import logging
from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.conf import settings
from django.db import DatabaseError

from . import budgets, canonical, fair_use_gate, work_time
from .clients import client_ip, client_network
from .responses import error_response, wants_html, wants_json
from .site import absolute_url

logger = logging.getLogger(__name__)
busy_logger = logging.getLogger(f"{__name__}.busy")

SAFE_METHODS = frozenset({"GET", "HEAD"})
FULL_COST = 1.0

# The clock a request's work is timed with: its thread's CPU time and its database waits
# (work_time.py). Tests put a simulated one in its place.
work_clock = work_time.work_seconds


def seconds_in_words(seconds: int) -> str:
    return f"{seconds} second{'' if seconds == 1 else 's'}"


# --- Groups and their budgets ---------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    name: str
    per_address: budgets.Budget
    per_service: budgets.Budget
    stored_cost: float  # an answer from stored bytes (a built feed, a cached page)
    not_modified_cost: float  # an answer 304 Not Modified

    @classmethod
    def from_settings(cls, name: str) -> "Group":
        sizes = settings.TUG_FAIR_USE_BUDGETS[name]
        return cls(
            name=name,
            per_address=budgets.Budget(sizes["per_minute"], sizes["burst"]),
            per_service=budgets.Budget(sizes["service_per_minute"], sizes["service_burst"]),
            stored_cost=sizes["stored_cost"],
            not_modified_cost=sizes["not_modified_cost"],
        )

    def buckets(self, address: str, service: str) -> list[budgets.Bucket]:
        return [
            budgets.bucket(f"{self.name}:{address}", self.per_address),
            budgets.bucket(f"{self.name}:{address}:{service}", self.per_service),
        ]

    def least_cost(self, request) -> float:
        """What the request costs at the least: taken before the view runs."""
        if request.method not in SAFE_METHODS:
            return FULL_COST
        cheapest = min(self.stored_cost, FULL_COST)
        if is_conditional(request):
            cheapest = min(cheapest, self.not_modified_cost)
        return cheapest

    def cost_of(self, request, response) -> float:
        """What the answer made the portal do."""
        if request.method not in SAFE_METHODS:
            return FULL_COST
        if response.status_code == 304:
            return self.not_modified_cost
        if getattr(request, "fair_use_stored", False):
            return self.stored_cost
        return FULL_COST


def _matches_any(url_name: str, patterns) -> bool:
    return any(fnmatchcase(url_name, pattern) for pattern in patterns)


def group_for(url_name: str, method: str) -> Group | None:
    """The group counting calls of this URL by this method; None when they are not counted."""
    if _matches_any(url_name, settings.TUG_FAIR_USE_EXEMPT):
        return None
    for name, url_names, methods in settings.TUG_FAIR_USE_GROUPS:
        if method in methods and _matches_any(url_name, url_names):
            return Group.from_settings(name)
    return None


# --- What views say about themselves --------------------------------------------------------


def answered_from_store(request) -> None:
    """Called by a view whose answer came from stored bytes: the request costs a fraction."""
    request.fair_use_stored = True


def answers_polls_with(check):
    """Declare how a view answers a conditional GET without working: `check(request, **kwargs)`
    returns a 304 when the client's copy is current by the stored validators, else None. Used
    for requests over budget: they get their 304 or are refused, and the view never runs."""

    def declare(view):
        view.fair_use_not_modified = check
        return view

    return declare


def keeps_typed_form(view):
    """Declare that a form view handles a refused POST itself: it shows the form again with what
    was typed, does nothing, and says when to send it (`refusal(request)` tells it so)."""
    view.fair_use_keeps_form = True
    return view


def refusal(request) -> "Refusal | None":
    """For a view declared `keeps_typed_form`: the refusal of this POST, or None."""
    return getattr(request, "fair_use_refusal", None)


# --- Refusals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        return (
            "Too many requests have come from your address in a short time. Please try again "
            f"in {seconds_in_words(self.retry_after)}."
        )

    @property
    def form_message(self) -> str:
        return (
            "Not sent yet: many forms have come from your address in a short time. What you "
            f"typed is kept below; please send it again in {seconds_in_words(self.retry_after)}."
        )

    def response(self, request):
        again = absolute_url(request.get_full_path())
        message = self.message
        if not _wants_markup(request):
            message = f"{message} Retry: {again}"
        return error_response(
            request,
            status=429,
            message=message,
            template="429.html",
            retry_after=self.retry_after,
            context={"again": request.get_full_path() if request.method in SAFE_METHODS else ""},
        )


def busy_response(request, *, retry_after: int):
    """Every slot for expensive work is taken (slots.py): 503, try again in a moment."""
    response = error_response(
        request,
        status=503,
        message=(
            "The portal is busy with other searches and pages right now. Please try again in "
            f"{seconds_in_words(retry_after)}."
        ),
        template="503.html",
        retry_after=retry_after,
    )
    # Not an ERROR line per refusal from django.request (a flood wrote tens of thousands): a
    # WARNING of our own, let through once every 10 s with a count (settings.LOGGING).
    response._has_been_logged = True
    busy_logger.warning("Busy: refused an anonymous search or page render (503).")
    return response


def _wants_markup(request) -> bool:
    return wants_json(request) or wants_html(request) or bool(getattr(request, "htmx", False))


class NoRefusalLogs(logging.Filter):
    """For `django.request`: drops its line for each 429 (see settings.LOGGING)."""

    def filter(self, record) -> bool:
        return getattr(record, "status_code", None) != 429


# --- The middleware -------------------------------------------------------------------------


def is_conditional(request) -> bool:
    return request.method in SAFE_METHODS and (
        "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META
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


@dataclass(frozen=True)
class Admission:
    """A request let in: what it was counted in, and what was taken already."""

    group: Group
    buckets: list
    taken: float

    started: float = 0.0

    def settle(self, request, response) -> None:
        cost = self.group.cost_of(request, response) + time_cost(request, self.started)
        budgets.charge(self.buckets, cost - self.taken)


def time_cost(request, started: float) -> float:
    """What the work the request caused (work_time.py: CPU and database time, not the wall
    time a loaded machine stretches) adds to its cost, for an anonymous read: a token per
    TUG_FAIR_USE_SECONDS_PER_TOKEN beyond the first TUG_FAIR_USE_FREE_SECONDS. Counting
    requests alone let a client whose every request is expensive (a fresh search, a large
    feed spliced with alarms, a long API page) take a worker's whole CPU within its budget;
    counted by time, a budget is a bounded share of the workers, whatever the requests are.

    Reads only: a form's POST is counted by number (its budget is a few a minute already), and
    its time on a busy server says more about the server than about the sender. Charged by
    time, one slow save spent the whole budget and the person's second save was refused."""
    if request.method not in SAFE_METHODS:
        return 0.0
    beyond = work_clock() - started - settings.TUG_FAIR_USE_FREE_SECONDS
    if beyond <= 0 or _is_signed_in(request):
        return 0.0
    return beyond / settings.TUG_FAIR_USE_SECONDS_PER_TOKEN


def _is_signed_in(request) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    try:
        return bool(user is not None and user.is_authenticated)
    except DatabaseError:
        return False


def client_key(request) -> str:
    """The client a budget counts: its address (`clients.client_ip`), an IPv6 address cut to
    its /64. Anyone on an IPv6 line holds a /64 (often more) and may pick any address in it, so
    counting each address apart would give them 2**64 budgets. The logs keep the real address."""
    return budget_address(client_ip(request))


def budget_address(address: str) -> str:
    network = client_network(address)
    return str(network) if network is not None else address


def service_of(request, url_name: str) -> str:
    """A GET's service is its canonical URL; a POST's is its path (varying the query does not
    make another form)."""
    if request.method in SAFE_METHODS:
        return canonical.service_key(url_name, request.path, request.GET)
    return f"{url_name} {request.path}"


class FairUseMiddleware:
    """Placed after AuthenticationMiddleware (staff are exempt); it resolves the URL name in
    `process_view`, so that no app needs to know about it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.TUG_FAIR_USE_ENABLED:
            with work_time.counting_database_time():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if admission := getattr(request, "fair_use", None):
            admission.settle(request, response)
        elif refused := refusal(request):
            if response.status_code < 400:
                logger.error("A refused POST to %s was acted on by its view.", request.path)
            response["Retry-After"] = str(refused.retry_after)
            response["Cache-Control"] = "no-store"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.TUG_FAIR_USE_ENABLED:
            return None
        url_name = request.resolver_match.view_name
        group = group_for(url_name, request.method)
        if request.method in SAFE_METHODS:
            fair_use_gate.learn_group(request.path, group.name if group else None)
        if group is None:
            return None
        client = client_key(request)
        buckets = group.buckets(client, service_of(request, url_name))
        least = group.least_cost(request)
        wait = budgets.take_or_wait(buckets, least)
        if not wait.seconds:
            request.fair_use = Admission(group, buckets, least, started=work_clock())
            return None
        # Staff are never refused. Asked only now: whether a session cookie is a staff login
        # costs a query, which a flood of requests with made-up cookies must not get each time.
        if is_staff(request):
            return None
        if wait.first_seconds:  # the whole group, not only this URL: refused early next time
            if wait.first_seconds >= 1 and not fair_use_gate.is_refused(client, group.name):
                logger.warning(
                    "Fair use: refusing %s (%s) for %.0f s.", client, group.name, wait.first_seconds
                )
            fair_use_gate.remember_refusal(client, group.name, wait.first_seconds)
        refused = Refusal(budgets.retry_after(wait.seconds))
        check = getattr(view_func, "fair_use_not_modified", None)
        if check and is_conditional(request) and (answer := check(request, **view_kwargs)):
            return answer
        if request.method not in SAFE_METHODS and getattr(view_func, "fair_use_keeps_form", 0):
            request.fair_use_refusal = refused
            return None
        return refused.response(request)
