"""A list's page and the size of the whole list, in one query.

Every list page shows its count ("25 past meetings", "Page 2 of 2"). Django's Paginator reads
it with a COUNT query of its own before the page's rows: on a page rendered afresh that second
query cost about as much as the page's (most of it the ORM's work of building the SQL, not the
database's). Here the count comes with the rows, as a window (`COUNT(*) OVER ()`, which SQLite
and PostgreSQL both evaluate over the whole filtered list before the LIMIT), so one query answers
both. The numbers are those a separate COUNT would give (tests/web/test_pagination.py)."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import Http404

# The annotation carrying the whole list's size on each row of the page.
LIST_SIZE = "list_size_of_page"
# The largest OFFSET the databases take (a 64-bit integer): a page starting past it is past the
# last of any list, and is not asked for (SQLite and PostgreSQL refuse it with an error).
LARGEST_OFFSET = 2**63 - 1


def paginate(queryset: QuerySet, number: int, per_page: int) -> Page:
    """Page `number` (from 1) of `queryset`; a 404 for a page past the last (page 1 of an
    empty list is a page with no rows)."""
    if queryset.query.distinct:
        # The window would count rows before DISTINCT removes any: count them apart.
        return _paginate_with_count_query(queryset, number, per_page)
    first = (number - 1) * per_page
    if first + per_page > LARGEST_OFFSET:
        raise _no_such_page(number)
    rows = list(queryset.annotate(**{LIST_SIZE: Window(Count("pk"))})[first : first + per_page])
    paginator = Paginator(queryset, per_page)
    if rows:
        # Paginator.count is a cached property: the value is what it would have read. (Rows
        # are model instances, or dicts for a `values()` list.)
        first_row = rows[0]
        paginator.count = (
            first_row[LIST_SIZE] if isinstance(first_row, dict) else getattr(first_row, LIST_SIZE)
        )
    elif number == 1:
        paginator.count = 0
    else:
        raise _no_such_page(number)
    return Page(rows, number, paginator)


def _paginate_with_count_query(queryset: QuerySet, number: int, per_page: int) -> Page:
    try:
        return Paginator(queryset, per_page).page(number)
    except Exception as error:  # EmptyPage or InvalidPage
        raise _no_such_page(number) from error


def _no_such_page(number: int) -> Http404:
    return Http404(f"There is no page {number} of this list.")
