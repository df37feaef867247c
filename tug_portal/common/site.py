"""The portal's public address. Every absolute URL the portal writes (pages, calendar feeds, the
Atom feed, the API, mails and their headers) is built here, from settings.SITE_URL, never from a
request's Host: a feed or a mail has no request, and all of them must agree."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """The public URL of a path of this site ("/meetings/x/" -> "https://portal.example.org/...")."""
    if not path.startswith("/"):
        raise ValueError(f"a path of this site starts with '/': {path!r}")
    return f"{settings.SITE_URL}{path}"
