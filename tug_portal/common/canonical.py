"""Canonical names of what a request asks for, so that cache-busting does not make it new.

`?_=1718000000`, a trailing `&`, `limit=0200` or the parameters in another order ask for the same
thing as the plain URL. Two names are made here:

- the *service key* the fair-use budgets count (fair_use.py): the URL's path and only the
  parameters its view reads, each value normalized (trimmed, lower case, `0200` → `200`, a
  comma list sorted), empty ones dropped, sorted. It may merge requests the view tells apart
  (`q=DRRS` and `q=drrs`), which for counting is the safe side.
- the *page query* the anonymous page cache stores a page under (web/cache.py): only the
  parameters the view reads, each with the one value it reads (the last, as a form's
  `QueryDict.get`), exactly as sent (the cache sorts them), so that two requests sharing a
  stored page would have rendered the same page, and `?system=X&system=X...` is not a new page
  for every number of copies.

KNOWN_PARAMETERS lists, per URL name, the query parameters each view reads; a view not named
reads none. Tests pin the lists against the forms, the feed URLs and the API's schemas
(tests/common/test_canonical.py): a parameter missing here would make the page cache serve one
variant's page for another.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

FEED_PARAMETERS = ("system", "history", "alarm")
MEETING_FILTERS = ("q", "system", "page", "when")
API_PAGE = ("limit", "offset")

KNOWN_PARAMETERS: dict[str, tuple[str, ...]] = {
    "calendars:feed_all": FEED_PARAMETERS,
    "calendars:feed_program": FEED_PARAMETERS,
    "calendars:meeting_ics": ("alarm",),
    "web:dashboard": (*MEETING_FILTERS, "program"),
    "web:program_detail": MEETING_FILTERS,
    "web:announcement_list": ("q", "system", "page", "kind", "program"),
    "web:agenda_request": ("meeting",),
    "reminders:subscribe": ("program", "sent"),
    "api:meeting_list": (*API_PAGE, "program", "system", "from", "to", "status", "updated_since"),
    "api:announcement_list": (*API_PAGE, "system", "kind"),
}

NUMBER = re.compile(r"^[+-]?\d+$")


def known_parameters(url_name: str) -> tuple[str, ...]:
    return KNOWN_PARAMETERS.get(url_name, ())


def normalized(value: str) -> str:
    """ "  DRRS " → "drrs", "0200" → "200", "30,1440,30" → "1440,30" (numbers sort as numbers)."""
    parts = [part.strip().lower() for part in value.split(",")]
    parts = [canonical_number(part) if NUMBER.match(part) else part for part in parts if part]
    if len(parts) > 1:
        parts = sorted(set(parts), key=lambda part: (not NUMBER.match(part), _number(part), part))
    return ",".join(parts)


def canonical_number(part: str) -> str:
    """ "+007" → "7", "-0" → "0": written one way without converting it to an int, which
    Python refuses beyond 4,300 digits (a 500 for any long parameter)."""
    part = ascii_digits(part)
    negative = part.startswith("-")
    digits = part.lstrip("+-").lstrip("0") or "0"
    return f"-{digits}" if negative and digits != "0" else digits


def ascii_digits(text: str) -> str:
    """ "٢٠" → "20": `\\d` and int() read every script's decimal digits, so a number written in
    them is the same number to a view."""
    if text.isascii():
        return text
    return "".join(
        str(digit) if (digit := unicodedata.decimal(char, None)) is not None else char
        for char in text
    )


def _number(part: str) -> tuple[int, int, str]:
    """Orders canonical non-negative numbers as numbers, whatever their length (by length,
    then digits); negative ones (no parameter takes them) first, in a fixed order."""
    if not NUMBER.match(part):
        return (0, 0, "")
    if part.startswith("-"):
        return (-1, -len(part), part)
    return (1, len(part), part)


def service_key(url_name: str, path: str, query: QueryDict) -> str:
    """ "web:dashboard /?q=drrs&when=all": the same for every spelling of the same request."""
    pairs = sorted(
        {
            (name, value)
            for name in known_parameters(url_name)
            for value in map(normalized, query.getlist(name))
            if value
        }
    )
    encoded = "&".join(f"{name}={value}" for name, value in pairs)
    return f"{url_name} {path}" + (f"?{encoded}" if encoded else "")


FIRST_PAGE = "1"  # what a list shows when no page is asked for

# What the list pages' forms read a page number with (web/forms.py: an IntegerField, which takes
# "2.0", "1_0", " +02 " and "٢" too: int() does).
_PAGE_NUMBER = forms.IntegerField()


def _page_number(value: str) -> str:
    """The number the page's form reads, written one way; a value it refuses, as sent."""
    try:
        number = _PAGE_NUMBER.to_python(value)
    except ValidationError:
        return value
    return value if number is None else str(number)


def page_query(url_name: str, query: QueryDict) -> QueryDict:
    """The query with only the parameters the view reads, each with the value it reads (the
    last one sent), as sent (but for the page number, written one way), in the order sent (the
    page cache sorts them for its key). The pages' views read one value of each parameter, and
    read an empty one, and page 1, as not sent: those are left out."""
    known = set(known_parameters(url_name))
    kept = QueryDict(mutable=True)
    for name in query:
        if name in known:
            value = query[name]  # QueryDict: the last value, which the view's form reads
            if name == "page":  # 1, 01, +1: one page, stored once (the view reads an integer)
                value = _page_number(value)
            as_not_sent = value == "" or (name == "page" and value == FIRST_PAGE)
            if not as_not_sent:
                kept[name] = value
    kept._mutable = False
    return kept
