"""Admin addresses reversed once per URLconf, script prefix and language, not at each use.

Why: every admin page's sidebar (the list of apps and models) reversed two addresses per model,
~75 walks of the resolver a page for the same few dozen names: a twelfth of the meeting list's
time. An address depends only on the name and its arguments, the URLconf (its resolver), the
script prefix the request runs under and the language, so it is kept under all of them; a new
URLconf (tests swap it; `clear_url_caches` makes a new resolver) or prefix is reversed afresh.
"""

from functools import lru_cache

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


def reverse_once(viewname: str, *, kwargs=None, current_app=None) -> str:
    """`reverse(viewname, kwargs=kwargs, current_app=current_app)`, remembered (a name that
    does not reverse raises NoReverseMatch each time, as reverse does)."""
    return _reversed(
        get_resolver(get_urlconf()),
        get_script_prefix(),
        get_language(),
        viewname,
        tuple(sorted((kwargs or {}).items())),
        current_app,
    )


@lru_cache(maxsize=1024)
def _reversed(resolver, prefix, language, viewname, kwargs, current_app) -> str:
    return reverse(viewname, kwargs=dict(kwargs), current_app=current_app)


def forget() -> None:
    _reversed.cache_clear()
