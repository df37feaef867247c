"""Requests refused before any view, session, CSRF check or limiter looks at them.

- `RequestSizeMiddleware`: a body larger than the portal ever needs is answered 413 before
  anything reads it (Django would otherwise parse a multipart body, spooling its files to disk,
  as soon as the CSRF check asks for `request.POST`). The limit is `TUG_MAX_REQUEST_BYTES`; the
  admin's agenda upload gets `TUG_MAX_IMPORT_REQUEST_BYTES` (the importer's file limit and room for
  the form), and the admin's material forms `TUG_MATERIALS_MAX_REQUEST_BYTES`, for staff only
  (`StaffUploadSizeMiddleware`, after authentication and before anything parses the body). A
  chunked body, which carries no Content-Length, is read up to `TUG_MAX_REQUEST_BYTES` and no
  further, whoever sends it.
- `NulInputMiddleware` (after `StaffUploadSizeMiddleware`, as it parses form bodies): no field
  of the portal accepts a NUL character, and PostgreSQL refuses one in any text it is given (a
  DataError, a 500), so a query or form value holding one is answered 400 here, once, instead
  of in every view that looks a value up. It is the first to read a form, so a form with more
  files or fields than Django reads (`DATA_UPLOAD_MAX_NUMBER_FILES`,
  `DATA_UPLOAD_MAX_NUMBER_FIELDS`) is refused here too, with words saying so instead of a bare
  "Bad Request".
"""

import io

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent, TooManyFilesSent
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse

NUL_MESSAGE = "The request holds a NUL character (\\0), which no field accepts."
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def plain_refusal(status: int, message: str) -> HttpResponse:
    response = HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _admin_path(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:  # a URL configuration without the admin (some tests)
        return None


def body_limit(request) -> int:
    upload = _admin_path("admin:importer_agendaimport_add")
    if upload and request.path.startswith(upload):
        return settings.TUG_MAX_IMPORT_REQUEST_BYTES
    # The admin's forms that carry meeting materials (the meeting's inline, a topic's, the
    # material's own page and the several-files upload): as large as a recording may be.
    material_forms = (
        _admin_path("admin:app_list", app_label="materials"),
        _admin_path("admin:meetings_meeting_changelist"),
    )
    if any(prefix and request.path.startswith(prefix) for prefix in material_forms):
        return settings.TUG_MATERIALS_MAX_REQUEST_BYTES
    return settings.TUG_MAX_REQUEST_BYTES


def too_large(request, limit: int) -> HttpResponse:
    _leave_body_unread(request)
    return plain_refusal(
        413, f"The request is larger than the portal accepts ({limit // 1024} KB at most)."
    )


def _leave_body_unread(request) -> None:
    """A refused body is never read. Django's development server (`make run`) reads whatever
    its application left unread into memory as it closes the request (a gigabyte for a
    gigabyte's POST); its input stream marked as read makes it read nothing. Gunicorn's input
    is another kind of stream, which it skips in small pieces."""
    stream = request.META.get("wsgi.input")
    if isinstance(stream, LimitedStream):
        stream._pos = stream.limit


def declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def is_chunked(request) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit(request)
        length = declared_length(request)
        if length is not None and length > limit:
            return too_large(request, limit)
        if length is None and is_chunked(request):
            # Django reads no body without a Content-Length; read this one, bounded, and hand it
            # on as if it had declared its length. Bounded by the limit every request has, on
            # every path: who is asking is not known yet, and a browser sends staff's large
            # uploads with their length.
            limit = settings.TUG_MAX_REQUEST_BYTES
            body = request.META["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return too_large(request, limit)
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = LimitedStream(io.BytesIO(body), len(body))
        return self.get_response(request)


class StaffUploadSizeMiddleware:
    """The admin's material and agenda forms may carry a larger body than any other request
    (`body_limit`), but only for staff: after authentication, and before anything parses the
    body (the CSRF check would spool an anonymous upload to disk), a body larger than
    `TUG_MAX_REQUEST_BYTES` from anyone else is refused unread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = declared_length(request) or 0
        if length > settings.TUG_MAX_REQUEST_BYTES and not request.user.is_staff:
            return too_large(request, settings.TUG_MAX_REQUEST_BYTES)
        return self.get_response(request)


def holds_nul(query_dict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in query_dict.lists()
    )


class NulInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            form_nul = is_form(request) and holds_nul(request.POST)
        except TooManyFilesSent:
            return plain_refusal(
                400,
                f"Too many files in one request: send at most "
                f"{settings.TUG_MATERIALS_MAX_FILES_PER_UPLOAD} files at once. Nothing was saved.",
            )
        except TooManyFieldsSent:
            return plain_refusal(400, "The form holds too many fields. Nothing was saved.")
        if holds_nul(request.GET) or form_nul:
            if request.path.startswith("/api/"):
                # The API's clients read its documented error shape ({"detail": ...}).
                return JsonResponse({"detail": NUL_MESSAGE}, status=400)
            return plain_refusal(400, NUL_MESSAGE)
        return self.get_response(request)


def is_form(request) -> bool:
    return request.method == "POST" and request.content_type in FORM_TYPES
