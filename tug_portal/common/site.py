"""The portal's public address. Every absolute URL the portal writes (pages, calendar feeds, the
Atom feed, the API, mails and their headers) is built here, from settings.SITE_URL, never from a
request's Host: a feed or a mail has no request, and all of them must agree."""

import re

from django.conf import settings


def absolute_url(path: str) -> str:
    """The public URL of a path of this site ("/meetings/x/" -> "https://portal.example.org/...")."""
    if not path.startswith("/"):
        raise ValueError(f"a path of this site starts with '/': {path!r}")
    return f"{settings.SITE_URL}{path}"


# A link to a page of this site in HTML or Markdown written for the site ("/meetings/x/"): it
# leads nowhere from a mail client or a feed reader. (Protocol-relative "//host" is left alone.)
RELATIVE_HTML_LINK = re.compile(r'(\b(?:href|src)=")/(?!/)')
RELATIVE_MARKDOWN_LINK = re.compile(r"(\]\()/(?!/)")


def absolute_links_in_html(html: str) -> str:
    """Sanitized HTML (as render_markdown returns it) with the site's address in front of each
    of its own links."""
    return RELATIVE_HTML_LINK.sub(lambda match: f"{match.group(1)}{absolute_url('/')}", html)


def absolute_links_in_markdown(text: str) -> str:
    return RELATIVE_MARKDOWN_LINK.sub(lambda match: f"{match.group(1)}{absolute_url('/')}", text)
