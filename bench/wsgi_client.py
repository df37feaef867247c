"""Requests through the portal's full stack, in this process: a WSGI call of
`tug_portal.wsgi.application`, the object gunicorn calls, with the environ a server builds.
Every middleware, the URL resolver, the view, the template and the response iterator run; only
the socket and the HTTP parsing of a server are left out (the load run, bench/load.py, measures
those)."""

import io
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

# Headers a browser or a calendar client sends (a compressed answer is what they get).
CLIENT_HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "tug-bench"}


class UnexpectedResponse(Exception):
    pass


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def _environ(url: str, headers: dict[str, str]) -> dict:
    parts = urlsplit(url)
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in {**CLIENT_HEADERS, **headers}.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def get(url: str, *, headers: dict[str, str] | None = None, expect: int = 200) -> Response:
    """GET `url` (a path with an optional query) through the WSGI application; the whole body
    is read, as a server would, and the status checked."""
    from tug_portal.wsgi import application

    started: dict = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)

    result = application(_environ(url, headers or {}), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    if started["status"] != expect:
        raise UnexpectedResponse(f"GET {url} answered {started['status']}, not {expect}")
    return Response(started["status"], started["headers"], body)
