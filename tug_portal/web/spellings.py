"""One URL per list page: a system code or program slug not in its own spelling is moved.

`/?system=oms`, `/?system=OmS` and `/?system=OMS` show the same page (the selectors' rules take a
code or slug in any case), but the page cache stores a page per URL, and a page repeats the
spelling it was asked with in its links (`{% querystring %}`). So a GET or HEAD that names a
system (`?system=`) or a program (`?program=`, or the path's slug) in another spelling than its
own is answered 301 with the canonical URL: the same path and parameters, in the same order, each
code and slug as its system or program spells it (`/programs/TUG/?system=oms&when=all` →
`/programs/tug/?system=OMS&when=all`). Only canonical pages are then rendered and stored. A value
that names nothing is left as it is: the page says why (400) or is a 404.

The systems and programs are the pages' kept ones (reference.py): no query, one cache read of
the content version. Calendar feeds take any spelling without a redirect (calendars/feed_specs.py
keys them by the rules' keys: one stored feed), so that no subscribed client is sent elsewhere.
"""

from functools import wraps

from django.http import HttpResponsePermanentRedirect
from django.urls import reverse

from tug_portal.meetings.selectors import program_slug_spelled, system_code_spelled

from .cache import content_version
from .reference import reference


def canonical_spellings(view):
    """For the lists and a program's page (a path's `slug` is a program's). Outside
    `cache_public_page`: a moved request never reaches the cache."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method in ("GET", "HEAD") and (url := _canonical_url(request, args, kwargs)):
            return HttpResponsePermanentRedirect(url)
        return view(request, *args, **kwargs)

    return wrapper


def _canonical_url(request, args, kwargs) -> str | None:
    """The URL with every code and slug in its own spelling; None when it is that already."""
    named = [name for name in ("system", "program") if name in request.GET]
    slug = kwargs.get("slug")
    if not named and slug is None:
        return None  # nothing to spell: no cache read
    kept = reference(version=content_version(request))
    query = request.GET.copy()
    for name in named:
        spelled, items = (
            (system_code_spelled, kept.systems)
            if name == "system"
            else (program_slug_spelled, kept.programs)
        )
        query.setlist(name, [spelled(value, items) for value in request.GET.getlist(name)])
    path = request.path
    if slug is not None and (own := program_slug_spelled(slug, kept.programs)) != slug:
        path = reverse(request.resolver_match.view_name, args=args, kwargs={**kwargs, "slug": own})
    if path == request.path and query == request.GET:
        return None
    return f"{path}?{query.urlencode()}" if query else path
