"""Every admin search is bounded before it reaches a query: a list's `?q=` and an autocomplete's
`?term=` keep their first MAX_WORDS words, each cut to MAX_WORD_LENGTH letters; a list's sort
(`?o=1.-2.3`) its first MAX_SORT_FIELDS columns.

Why: Django's admin makes each word a condition on every search field. An outside try sent a
view-only user's search of 800 words (1.2 s a request) and of 1,000 (SQLite refused the query
as "Expression tree is too large": answered 503, "cannot reach its database"); one 50,000-letter
word is a LIKE pattern SQLite refuses too. Staff type a few words; a list says when it searched
fewer than were typed, and its search box shows what it searched. A sort by 3,000 columns cost
0.2-0.46 s; no list has more than a dozen. `StaffAdminSite.admin_view` applies it to every admin
view, Django's and other apps' included.
"""

import re
from functools import wraps

from django.contrib import messages
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR
from django.utils.text import smart_split

MAX_WORDS = 10  # more is not a search staff type; each word is a condition of the query
MAX_WORD_LENGTH = 200  # a title's length; a quoted phrase is one word
AUTOCOMPLETE_VAR = "term"  # what Django's autocomplete view reads
MAX_SORT_FIELDS = 12
SORT_FIELD = re.compile(r"-?\d{1,3}", re.ASCII)


def bounded(typed: str) -> tuple[str, list[str]]:
    """`typed` within the bounds, and what was cut, said for staff (empty when nothing was)."""
    words = list(smart_split(typed))
    if len(words) <= MAX_WORDS and all(len(word) <= MAX_WORD_LENGTH for word in words):
        return typed, []
    said = []
    if len(words) > MAX_WORDS:
        said.append(f"Searched for the first {MAX_WORDS} words only.")
    if any(len(word) > MAX_WORD_LENGTH for word in words[:MAX_WORDS]):
        said.append(f"Searched for the first {MAX_WORD_LENGTH} letters of each word only.")
    kept = [_cut(word) for word in words[:MAX_WORDS]]
    searched = " ".join(word for word in kept if word)
    if list(smart_split(searched)) != [word for word in kept if word]:
        # Joined by single spaces, the kept words can pair their quotes otherwise (a third
        # outside try: a backslash before a newline, then before a space, made 883 words of
        # ten). What is searched is then the plain words: no quote or backslash left to pair.
        plain = "".join(letter for letter in typed if letter not in "\"'\\").split()
        searched = " ".join(word[:MAX_WORD_LENGTH] for word in plain[:MAX_WORDS])
    return searched, said


def _cut(word: str) -> str:
    """`word` (one of smart_split's: a word, or a phrase in quotes) cut to MAX_WORD_LENGTH
    letters, still one word: a phrase cut keeps its closing quote (an outside try's phrases cut
    without it were split again into 883 words). A word that would not stay whole so (quotes
    inside it) keeps its letters up to the first space, quotes and backslashes left out."""
    if len(word) <= MAX_WORD_LENGTH:
        return word
    quote = word[0] if word[0] in "\"'" else ""
    cut = word[: MAX_WORD_LENGTH - len(quote)].rstrip("\\") + quote
    if list(smart_split(cut)) == [cut]:
        return cut
    letters = "".join(letter for letter in word if letter not in "\"'\\")
    return letters.split(maxsplit=1)[0][:MAX_WORD_LENGTH] if letters.split() else ""


def bounded_search(view):
    """`view` given a request whose search is bounded. A list (the `q` of its search box) says
    what it cut; an autocomplete (`term`, answered as JSON) has nowhere to say it, and leaves
    no message for the next page either."""

    @wraps(view)
    def bounded_view(request, *args, **kwargs):
        for name, says in ((SEARCH_VAR, True), (AUTOCOMPLETE_VAR, False)):
            typed = request.GET.get(name)
            if not typed:
                continue
            searched, said = bounded(typed)
            if not said:
                continue
            _replace_parameter(request, name, searched)
            for message in said if says else ():
                messages.warning(request, message)
        sort = request.GET.get(ORDER_VAR)
        if sort:
            kept = _sort_kept(sort)
            if kept != sort:
                _replace_parameter(request, ORDER_VAR, kept)
        return view(request, *args, **kwargs)

    return bounded_view


def _sort_kept(sort: str) -> str:
    """`?o=1.-2.3`: the first MAX_SORT_FIELDS columns, each a column's number with or without
    its minus (what Django reads; it ignores anything else, but copied even 60,000 nines into
    every column's link: a 2.3 MB page)."""
    fields = sort.split(".", MAX_SORT_FIELDS)[:MAX_SORT_FIELDS]
    return ".".join(field for field in fields if SORT_FIELD.fullmatch(field))


def _replace_parameter(request, name: str, value: str) -> None:
    request.GET = request.GET.copy()  # the request's own is immutable
    request.GET[name] = value
