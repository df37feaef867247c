"""A full-page cache for anonymous visitors of the stakeholder pages.

Most visitors are anonymous and see the same pages; rendering one takes tens of milliseconds and
a dozen queries. `cache_public_page` serves a stored copy to a visitor who carries no session
cookie, for `TUG_WEB_PAGE_CACHE_SECONDS` (so that "upcoming/past" and announcement dates move on
within that time). Every edit of calendar-visible content bumps a content version (a receiver of
`meetings_changed`, connected in receivers.py), and a page is served only if it was stored under
the current one: an edited meeting shows at once; so does an edit of what only the pages show
(announcements, links; see receivers.py). The version and the page are read together, in one round
trip to the cache. Staff, and anyone else logged in, never get or make a stored page; a session
cookie that is not a logged-in session (a stale one, or one made up to dodge the cache) changes
nothing.

A page is stored under its canonical query (common/canonical.py): only the parameters the view
reads, sorted, so `?_=123` or a trailing `&` finds the stored page; the view itself sees only
those parameters, so what it renders (pagination links) never carries another visitor's junk.
A page rendered afresh for an anonymous visitor takes a slot of the cap on expensive work
(common/slots.py: "search" when it has a `q`, else "render"); a stored page never does.
When every slot is taken (a search flood), a visitor whose page is stored under the current
content version but past its `TUG_WEB_PAGE_CACHE_SECONDS` gets the stored page rather than a
503: a page is kept `TUG_WEB_PAGE_STALE_SECONDS` longer for that, and served only while busy. A
page stored before an edit is never served, busy or not (it may show what the edit withdrew:
an unpublished or deleted meeting); while busy, its visitor gets the 503.

The page is stored as the view made it (status, headers, body), before the middlewares'
`process_response`: on a hit they run again, so per-response headers (Content-Security-Policy,
X-Frame-Options) are fresh. A page that would set a cookie (a CSRF token, a session) is never
stored; cached pages therefore hold no form that needs a token (the agenda request form has a
page of its own), nor anything else secret.

For a client that takes gzip (nearly all), the body is stored compressed, once: GZipMiddleware
leaves a response that already has a Content-Encoding alone, so a hit costs no compression.
Its random padding against BREACH is not needed here: a stored page holds no secret.
"""

import gzip
import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from tug_portal.common import canonical, fair_use, slots
from tug_portal.common.responses import accepts_gzip
from tug_portal.meetings.search import search_text_canonical

CONTENT_VERSION_KEY = "web:page-cache:content-version"
SAFE_METHODS = ("GET", "HEAD")
GZIP_MIN_LENGTH = 200  # GZipMiddleware leaves shorter bodies as they are
SEARCH_TEXT_MAX_LENGTH = 200  # the list filter forms' `q` (web/forms.py)


@dataclass(frozen=True)
class StoredPage:
    content_version: int  # the version current when the page was rendered
    status: int
    headers: dict[str, str]
    body: bytes
    stored_at: float = 0.0  # time.time(); pages stored before it was kept count as old

    def is_fresh(self, version: int) -> bool:
        return (
            self.content_version == version
            and time.time() - self.stored_at < settings.TUG_WEB_PAGE_CACHE_SECONDS
        )

    def is_kept(self) -> bool:
        """Whether it may still be served while every render slot is taken: the cache's expiry
        says so too, but not every cache's clock is ours (Redis expires by its own)."""
        kept = settings.TUG_WEB_PAGE_CACHE_SECONDS + settings.TUG_WEB_PAGE_STALE_SECONDS
        return time.time() - self.stored_at < kept

    def response(self) -> HttpResponse:
        return HttpResponse(self.body, status=self.status, headers=self.headers)


def cache_public_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _is_cacheable_request(request):
            return _private(_vary_on_cookie(view(request, *args, **kwargs)))
        request.GET = _with_canonical_search(
            canonical.page_query(request.resolver_match.view_name, request.GET)
        )
        key = _page_key(request)
        version, stored = _content_version_and_page(
            key, searched=_is_search(request), request=request
        )
        if stored is not None and stored.is_fresh(version):
            fair_use.answered_from_store(request)
            return _vary_on_cookie(stored.response())
        try:
            with slots.slots(_pools(request)):
                response = view(request, *args, **kwargs)
                if hasattr(response, "render"):
                    # A TemplateResponse renders after the view returns; the rendering (and
                    # the lazy queries it runs) is the expensive part: inside the slot.
                    response.render()
        except slots.PoolFull as full:
            if stored is None or not stored.is_kept() or stored.content_version != version:
                # Never a page from before an edit: it may show what the edit withdrew (an
                # unpublished or deleted meeting).
                return fair_use.busy_response(request, retry_after=full.retry_after)
            # Busy with expensive work (a search flood holds the slots): the page as it was
            # stored a moment ago, under the current version, rather than a 503 to a visitor of
            # an ordinary page.
            fair_use.answered_from_store(request)
            return _vary_on_cookie(stored.response())
        # Under the version read BEFORE rendering: a page rendered while an edit commits is
        # stored as old, and the next visit renders it again.
        _store(request, key, response, version)
        return _vary_on_cookie(response)

    return wrapper


def _pools(request) -> list[str]:
    """A search takes a slot of the searches' pool, any other page rendered afresh one of the
    renders' pool. Apart, so that a flood of searches (from many addresses, each within its
    budget) can never take the slots an ordinary page needs: with searches in both pools, the
    home page's visitors got 503s whenever its stored copy ran out during a flood."""
    return ["search"] if _is_search(request) else ["render"]


def _is_search(request) -> bool:
    return bool(request.GET.get("q", "").strip())


def _pages_cache(*, searched: bool):
    """Where a page is stored: a search's page apart (settings.CACHES["searched_pages"]), so
    that a flood of different searches, each a new page, pushes no other page out."""
    return caches["searched_pages"] if searched else cache


def content_version_bump(**kwargs) -> None:
    """The `meetings_changed` receiver: every stored page is out of date from now on."""
    try:
        cache.incr(CONTENT_VERSION_KEY)
    except ValueError:  # No version yet (a cleared or evicted cache): start a new one.
        cache.set(CONTENT_VERSION_KEY, _new_content_version(), timeout=None)


def content_version_bump_on_commit(**kwargs) -> None:
    """For edits of what only the pages show (announcements, links): once the edit commits, so
    that a page rendered meanwhile from the old rows is not stored under the new version."""
    transaction.on_commit(content_version_bump, robust=True)


def _new_content_version() -> int:
    # Random: no page stored before the version was lost carries it (bumps count up from it).
    return secrets.randbits(62)


# Where a request keeps the content version it read: the spelling check, the page cache and
# the view each need it, and each read is a round trip to Redis.
_REQUEST_VERSION = "_tug_content_version"


def _content_version_and_page(
    key: str | None, *, searched: bool = False, request=None
) -> tuple[int, StoredPage | None]:
    """The current content version and the page stored under `key` (none without a key), in
    one cache read (two for a search's page, kept apart). `request`: the version it read
    already, if any, is used, and the one read is kept on it."""
    version = getattr(request, _REQUEST_VERSION, None)
    if version is not None:
        return version, (_pages_cache(searched=searched).get(key) if key is not None else None)
    together = key is not None and not searched
    found = cache.get_many([CONTENT_VERSION_KEY, key] if together else [CONTENT_VERSION_KEY])
    version = found.get(CONTENT_VERSION_KEY)
    if version is None:  # a cleared or evicted cache: the first process to see it starts one
        cache.add(CONTENT_VERSION_KEY, _new_content_version(), timeout=None)
        version = cache.get(CONTENT_VERSION_KEY)
    if request is not None:
        setattr(request, _REQUEST_VERSION, version)
    if key is not None and searched:
        return version, _pages_cache(searched=True).get(key)
    return version, found.get(key)


def content_version(request=None) -> int:
    """The current content version alone (for an answer kept in another cache): the one this
    `request` read already, if any (read before its data, as fragments.py needs)."""
    version, _ = _content_version_and_page(None, request=request)
    return version


def _is_cacheable_request(request) -> bool:
    # Without a session cookie nobody is logged in: the user is not even looked up. With one,
    # only a real logged-in session counts (one indexed query; a malformed key costs none).
    return request.method in SAFE_METHODS and (
        settings.SESSION_COOKIE_NAME not in request.COOKIES or not request.user.is_authenticated
    )


def _with_canonical_search(query):
    """The free text `q` as the search reads it (its usable terms), so that `q=drrs 123` and
    `q=drrs 456` share one stored page. The view sees the same, so the page it renders (the
    search box, the pagination links) is the one stored. Text longer than the form takes is
    left as sent: the form refuses it, and an error is never stored."""
    texts = query.getlist("q")
    if not texts or any(len(text) > SEARCH_TEXT_MAX_LENGTH for text in texts):
        return query
    canonical_query = query.copy()
    canonical_query.setlist("q", [search_text_canonical(text) for text in texts])
    canonical_query._mutable = False
    return canonical_query


def _is_htmx(request, header: str) -> bool:
    # As django-htmx reads them: the header present and "true", else absent.
    return request.headers.get(header) == "true"


def _page_key(request) -> str:
    """Path, canonical query string (request.GET, already made canonical), the htmx headers that
    choose page or fragment, the encoding. Hashed: a query string can be long and hold any
    character."""
    query = sorted(request.GET.lists())
    htmx = (_is_htmx(request, "HX-Request"), _is_htmx(request, "HX-History-Restore-Request"))
    variant = (request.path, query, htmx, accepts_gzip(request))
    digest = hashlib.sha256(repr(variant).encode()).hexdigest()
    return f"web:page:{digest}"


def _store(request, key: str, response, version: int) -> None:
    if _is_storable(request, response):
        page = _stored_page(request, response, version)
        # Kept past its freshness, for the busy moments above; never served after that.
        timeout = settings.TUG_WEB_PAGE_CACHE_SECONDS + settings.TUG_WEB_PAGE_STALE_SECONDS
        _pages_cache(searched=_is_search(request)).set(key, page, timeout=timeout)


def _stored_page(request, response, version: int) -> StoredPage:
    """What GZipMiddleware would make of the page for this client, made once."""
    # Whether or not it is compressed, the page depends on Accept-Encoding.
    patch_vary_headers(response, ("Accept-Encoding",))
    headers = dict(response.items())
    body = response.content
    if accepts_gzip(request) and len(body) >= GZIP_MIN_LENGTH and "Content-Encoding" not in headers:
        body = gzip.compress(body, mtime=0)
        headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
    return StoredPage(
        content_version=version,
        status=response.status_code,
        headers=headers,
        body=body,
        stored_at=time.time(),
    )


def _is_storable(request, response) -> bool:
    """A plain 200 that leaves nothing behind for this visitor: no cookie set now, no CSRF token
    or session the middlewares would set one for on the way out."""
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and (session.modified or not session.is_empty()))
    )


def _private(response):
    """A page rendered for one visitor (staff see drafts in it): no shared cache may keep it,
    whether or not it honours Vary: Cookie."""
    patch_cache_control(response, private=True)
    return response


def _vary_on_cookie(response):
    # Whether a stored page was served depends on the session cookie: tell shared caches too.
    patch_vary_headers(response, ("Cookie",))
    return response
