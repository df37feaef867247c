"""The read-only JSON API at /api/v1/: the NinjaAPI object and what holds for every endpoint.

- Every GET answer carries an ETag (a hash of its bytes) and is public for a minute; a request
  whose If-None-Match names the current ETag gets 304 Not Modified with no body.
- Every error is JSON, `{"detail": "..."}`, with a 4xx status; an unexpected failure is logged
  and answered 500 in the same shape.
"""

from functools import wraps

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.log import log_response
from django.views.decorators.http import conditional_page
from ninja import NinjaAPI
from ninja.errors import ValidationError
from pydantic_core import ValidationError as PydanticValidationError

from tug_portal.common import fair_use
from tug_portal.common.middleware import service_unavailable

from .docs import SelfHostedSwagger
from .endpoints import router

# Long enough to spare the portal a client polling in a loop, short enough that an edit shows
# within a minute; a client may always revalidate with If-None-Match.
CACHE_SECONDS = 60

DESCRIPTION = f"""\
Programs, meetings, agendas and announcements of the ISO's stakeholder meeting programs (TUG,
CPG, ...), as JSON. Read-only; no key needed. Only published content appears.

**Times.** A meeting's `starts_at` and `ends_at` are ISO 8601 in the meeting's own zone with its
UTC offset (`2018-10-16T10:00:00-07:00`), next to the IANA zone (`time_zone`). Bookkeeping
instants (`updated_at`, `published_at`) are UTC. Query dates and times without an offset are
read in the portal's zone ({settings.TIME_ZONE}).

**Lists** are paginated with `limit` and `offset`, in a stable order (meetings by start, then
id; announcements newest first, then id); `next` and `previous` link the neighbouring pages. A page
past the end is empty, not an error. To keep a copy in sync, ask for
`/meetings?updated_since=<when your last sync started>`; a meeting withdrawn (unpublished or
deleted) simply stops appearing, so compare the full list by `uid` now and then.

**Caching.** Every answer has an `ETag`; send it back as `If-None-Match` and an unchanged answer
costs you a `304 Not Modified` with no body.

**Errors** are JSON: `{{"detail": "what went wrong"}}`. 404: no such program, meeting,
announcement or system; 422: a parameter that does not parse (the message names it).

**Fair use.** Each client address has a generous budget of calls a minute, for the API and for
each URL; beyond it a call is answered `429` with a `Retry-After` header. Poll politely (once a
few minutes is plenty) and use `If-None-Match`: a `304` costs half a call.
"""


def public_and_conditional(view):
    """Public caching and ETag/If-None-Match for a view: no draft ever appears in the API, so
    every client may share the same cached bytes. Errors are not cached."""

    @wraps(view)
    def with_cache_control(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        return response

    return conditional_page(with_cache_control)


# The OpenAPI schema, as served, by path: built once per process (it takes 20-26 ms and changes
# only with the code, that is with a new process).
_stored_schemas: dict[str, bytes] = {}


def schema_stored(view):
    """For the schema view: its bytes are built once per process and then served from memory,
    as an answer from stored bytes (fair use). The docs page is a small template: as it is."""

    @wraps(view)
    def serve(request, *args, **kwargs):
        if request.resolver_match.url_name != "openapi-json":
            return view(request, *args, **kwargs)
        body = _stored_schemas.get(request.path)
        if body is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            body = _stored_schemas.setdefault(request.path, response.content)
        fair_use.answered_from_store(request)
        return HttpResponse(body, content_type="application/json; charset=utf-8")

    return serve


def schema_and_docs(view):
    return public_and_conditional(schema_stored(view))


api = NinjaAPI(
    title="TUG Portal API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs=SelfHostedSwagger(),
    docs_url="/docs",
    docs_decorator=schema_and_docs,
)
api.add_decorator(public_and_conditional, mode="view")
api.add_router("", router)


def describe_validation_errors(errors: list[dict]) -> str:
    """ "from: expected an ISO 8601 date ...; limit: Input should be less than or equal to 200" """
    parts = []
    for error in errors:
        where = ".".join(str(part) for part in error["loc"][1:]) or str(error["loc"][0])
        parts.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


@api.exception_handler(ValidationError)
def invalid_input(request, exc):
    return api.create_response(
        request, {"detail": describe_validation_errors(exc.errors)}, status=422
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


def is_database_outage(exc: Exception) -> bool:
    """The database is away. Read while pydantic serialises a lazy queryset, the driver's error
    reaches us wrapped in a ValidationError of type get_attribute_error that names it."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, PydanticValidationError):
        return any(
            error["type"] == "get_attribute_error"
            and any(f"{name}:" in error["msg"] for name in ("OperationalError", "InterfaceError"))
            for error in exc.errors()
        )
    return False


@api.exception_handler(Exception)
def server_error(request, exc):
    if is_database_outage(exc):
        return service_unavailable(request)  # 503 with Retry-After, as every page answers
    response = api.create_response(
        request, {"detail": "Internal server error; it has been logged."}, status=500
    )
    # As Django logs an unhandled exception (with its traceback, once), so that error
    # reporting sees API failures like any other.
    log_response(
        "Internal Server Error: %s", request.path, response=response, request=request, exception=exc
    )
    return response


def unknown_endpoint(request):
    """Any other URL under /api/v1/: a 404 in the API's shape, pointing at the documentation."""
    return JsonResponse(
        {"detail": f"No API endpoint at {request.path}; see {reverse('api:openapi-view')}."},
        status=404,
    )


def method_not_allowed_as_json(view):
    """django-ninja answers a method an endpoint lacks (POST, HEAD, ...) with a plain-text 405;
    this answers it in the API's shape, naming the allowed method."""

    @wraps(view)
    def answer_json_405(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        allowed = response["Allow"]
        json_response = JsonResponse(
            {"detail": f"{request.method} is not allowed here; use {allowed}."}, status=405
        )
        json_response["Allow"] = allowed
        return json_response

    return answer_json_405
