"""Django's GZipMiddleware, except for answers that offer byte ranges (`Accept-Ranges: bytes`:
a material's download). Their ranges, Content-Length and strong ETag are those of the stored
bytes: compressed on the way out, a 206's body would no longer be the range it names, and the
middleware would weaken the ETag that If-Range must match strongly. (Such files, PDFs, Office
documents, audio and video, are compressed already.) And for a client that refuses gzip with
a weight of zero ("gzip;q=0"). A client that accepts gzip otherwise spelled ("GZIP", "*") gets
it, as from the page cache and the feeds (Django's looks for the lower-case word only). And a 304
names its ETag in the weak form its client sent, when that is the form the compressed 200 had
(Django's leaves a 304 alone: it named the strong form, which a cache could not match)."""

import copy

from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.utils.cache import patch_vary_headers

from .responses import accepts_gzip


class GZipMiddleware(DjangoGZipMiddleware):
    def process_response(self, request, response):
        if response.get("Accept-Ranges") == "bytes":
            return response
        if not accepts_gzip(request):
            # Django's looks for the word only: "gzip;q=0" (refused) got gzip.
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        if response.status_code == 304:
            _weak_as_sent(request, response)
        if request.META.get("HTTP_ACCEPT_ENCODING") != "gzip":
            # Django's reads the whole header for the word (90 lines of 60 KB: 0.3 s); it is
            # told what accepts_gzip, which reads its start, decided.
            request = copy.copy(request)  # Django's reads only this header of the request
            request.META = {**request.META, "HTTP_ACCEPT_ENCODING": "gzip"}
        return super().process_response(request, response)


def _weak_as_sent(request, response) -> None:
    """A 304 for a client that accepts gzip names the weak form of its ETag when the client
    sent that form: what its compressed 200 named. (A client sent the strong form for a 200
    that was not compressed, a feed's or one too short; a client refusing gzip gets the
    strong form, as its 200.)"""
    etag = response.get("ETag", "")
    if not etag or etag.startswith("W/"):
        return
    sent = {tag.strip() for tag in request.META.get("HTTP_IF_NONE_MATCH", "")[:8192].split(",")}
    if f"W/{etag}" in sent:
        response["ETag"] = f"W/{etag}"
