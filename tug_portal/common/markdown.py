"""Markdown to safe HTML: staff write Markdown, stakeholders see sanitized HTML.

markdown renders, nh3 (an allow-list sanitizer) removes anything that could run script, and
links are given rel="noopener noreferrer nofollow" so an agenda cannot be used for SEO spam.
"""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "h5", "hr", "i", "li",
    "ol", "p", "pre", "q", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(text: str) -> SafeString:
    html = markdown_lib.markdown(text or "", extensions=["sane_lists", "tables"])
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just sanitized it


def stored_or_rendered(text: str, stored: str) -> SafeString:
    """The HTML stored when `text` was saved (it went through render_markdown then); rendered
    now only for a row saved without it (written by bulk_create or .update())."""
    if stored or not text:
        return mark_safe(stored)  # noqa: S308 - render_markdown's sanitized output
    return render_markdown(text)
