"""Error answers that a browser, an API client and a calendar client each understand.

They are built without the database and without a request context (no context processors run),
because they are given exactly when the database or the client's allowance has run out.
"""

import re

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

# Django's GZipMiddleware looks for the word "gzip" only; common/gzip.py asks this function
# first, so that it never compresses what we chose to send uncompressed, and a body we
# compressed ourselves goes to exactly the clients it compresses for.
WEIGHT = re.compile(r"^\s*q\s*=\s*(\S*)\s*$", re.IGNORECASE)
# A weight as RFC 9110 12.4.2 writes it: 0 to 1, at most three decimals.
QVALUE = re.compile(r"0(\.\d{0,3})?|1(\.0{0,3})?", re.ASCII)
# Clients name a handful of codings in well under a hundred characters. Past these, a header is
# not read: an outside try's 20,000 `*` cost 47 ms a request (and its 90 copies, joined by the
# server, 4 s), one coding with 16,000 parameters 0.95 s.
MAX_CODINGS_READ = 32
MAX_HEADER_READ = 1_024


def accepts_gzip(request) -> bool:
    """The client accepts gzip by Accept-Encoding (RFC 9110 12.5.3): gzip (or x-gzip, in any
    case) named with a weight above zero, or, when it is not named, `*` with one. A coding given
    q=0 is refused; one with a weight the RFC does not allow (q=-1, q=nan) is ignored, as if not
    named (plain is always a safe answer). Only the first MAX_CODINGS_READ codings, in the first
    MAX_HEADER_READ characters, are read."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "")[:MAX_HEADER_READ]
    wildcard = None
    for coding in header.split(",", MAX_CODINGS_READ)[:MAX_CODINGS_READ]:
        name, *parameters = coding.split(";")
        name = name.strip().lower()
        if name not in ("gzip", "x-gzip", "*") or (name == "*" and wildcard is not None):
            continue
        weight = _weight(parameters)
        if weight is None:
            continue
        if name != "*":
            return weight > 0
        wildcard = weight > 0
    return bool(wildcard)


def _weight(parameters: list[str]) -> float | None:
    """A coding's weight: 1 when none is given, None when the one given is not a weight."""
    weights = [WEIGHT.match(parameter) for parameter in parameters]
    weight = next((match.group(1) for match in weights if match), "1")
    return float(weight) if QVALUE.fullmatch(weight) else None


def wants_json(request) -> bool:
    match = getattr(request, "resolver_match", None)
    in_api = bool(match and match.namespaces and match.namespaces[0] == "api")
    return in_api or "application/json" in request.headers.get("Accept", "")


def wants_html(request) -> bool:
    # Browsers name text/html; calendar clients and scripts send */* or nothing, and get text.
    return "text/html" in request.headers.get("Accept", "")


def error_response(
    request,
    *,
    status: int,
    message: str,
    template: str,
    retry_after: int | None = None,
    context: dict | None = None,
) -> HttpResponse:
    """`message` as JSON (`{"detail": ...}`, the API's error shape), a fragment for htmx to swap
    in, an HTML page rendered from `template`, or plain text, whichever the client asked for."""
    if wants_json(request):
        response = JsonResponse({"detail": message}, status=status)
    elif getattr(request, "htmx", False):
        response = HttpResponse(
            render_to_string("errors/alert.html", {"message": message}), status=status
        )
    elif wants_html(request):
        page = render_to_string(template, {"message": message, **(context or {})})
        response = HttpResponse(page, status=status)
    else:
        response = HttpResponse(
            f"{message}\n", status=status, content_type="text/plain; charset=utf-8"
        )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
