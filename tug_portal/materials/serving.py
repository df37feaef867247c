"""A material's stored file, streamed by the web process (the folder storage; object storage
answers these itself behind its signed URL): strong validators, 304s and one byte range.

- The ETag is strong, a digest of the stored object's identity (its random key, version and
  size: a new version is a new key); Last-Modified is when it was posted or last replaced.
- If-None-Match, If-Modified-Since (and If-Match, If-Unmodified-Since) are Django's own
  `get_conditional_response`.
- Django has no byte ranges: one `bytes=` range is read here (RFC 9110 section 14). Several
  ranges, or a header we cannot read, get the whole file (200), as the RFC allows; a range past
  the end is a 416. If-Range with another validator gets the whole file.

Every answer stays an attachment of the checked type, `nosniff`. It is never compressed on the
way out (common/gzip.py): its ranges and its strong ETag are of the stored bytes.
"""

import hashlib
import re

from django.http import FileResponse, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe, quote_etag

from . import storage
from .models import Material

RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class Unsatisfiable(ValueError):
    """The range starts past the file's end (416)."""


def etag(material: Material) -> str:
    identity = f"{material.file_key}\n{material.version}\n{material.size}"
    return quote_etag(hashlib.sha256(identity.encode()).hexdigest()[:32])


def last_modified(material: Material) -> int:
    return int(material.modified_at.timestamp())


def single_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte (inclusive) of one range; None to send the whole file (several
    ranges, or none we can read); `Unsatisfiable` when it lies past the end."""
    match = RANGE.fullmatch(header.replace(" ", ""))
    if not match or match.group() == "bytes=-":
        return None
    first, last = match.groups()
    if not first:  # "bytes=-500": the last 500 bytes
        if int(last) == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    if last and int(last) < int(first):
        return None  # not a valid range: ignored
    if int(first) >= size:
        raise Unsatisfiable
    return int(first), min(int(last), size - 1) if last else size - 1


def if_range_holds(request, *, tag: str, modified: int) -> bool:
    """No If-Range, or one naming the current file (a strong match, or its exact date)."""
    value = request.headers.get("If-Range", "")
    if not value:
        return True
    if value.startswith(('"', "W/")):
        return value == tag
    return parse_http_date_safe(value) == modified


class _Slice:
    """`length` bytes of an open file from its current position."""

    def __init__(self, file, length: int):
        self.file, self.left = file, length

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        data = self.file.read(size) if size else b""
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.file.close()


def file_response(request, material: Material) -> HttpResponse:
    tag, modified = etag(material), last_modified(material)
    response = get_conditional_response(request, etag=tag, last_modified=modified)
    if response is None:
        response = _file_or_range(request, material, tag=tag, modified=modified)
    response["ETag"] = tag
    response["Last-Modified"] = http_date(modified)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_or_range(request, material: Material, *, tag: str, modified: int) -> HttpResponse:
    opened = storage.materials_storage().open(material.file_key, "rb")
    size = opened.size
    header = request.headers.get("Range", "")
    span = None
    if request.method == "GET" and header and if_range_holds(request, tag=tag, modified=modified):
        try:
            span = single_range(header, size)
        except Unsatisfiable:
            opened.close()
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return refused
    attachment = {
        "as_attachment": True,
        "filename": material.file_name,
        "content_type": material.content_type,
    }
    if span is None:
        return FileResponse(opened, **attachment)
    first, last = span
    opened.seek(first)
    response = FileResponse(_Slice(opened, last - first + 1), status=206, **attachment)
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(last - first + 1)
    return response
