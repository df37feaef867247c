"""Admin lists that answer any query string without a 500.

Django's date drill-down (`date_hierarchy`) turns `?<field>__year=` (and month, day) into dates
and catches only some of what can go wrong: a year of 99999999999 overflows, 9999 has no
following year. Any list, with a drill-down or not, also takes `?<date field>__year=` as a plain
lookup, whose bounds are only computed when the list is counted. Such a value is a bad lookup like
any other: the admin then shows the list without it (Django's `?e=1` answer), as it does for a
filter it cannot apply.

The list also links its rows with one `reverse()` per page, not one per row (see
`url_for_result`), and keeps its query string in them once per page too.
"""

from types import SimpleNamespace

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList

# A primary key no row has, whose digits the admin's URL cannot otherwise hold twice.
_SENTINEL = 987654321987


class DrillDownChangeList(ChangeList):
    def url_for_result(self, result):
        """Django's link to a row's change form. Its `reverse()` walked the resolver for each
        of the page's rows (a twentieth of a meeting list's calls); an integer key is written
        into the URL as its digits, so the list reverses once, with a key no row has, and puts
        each row's key in its place. Any other key is reversed as Django does."""
        return self._per_page(result, "_result_url", super().url_for_result)

    def preserved_url_for_result(self, result):
        """The row's link with the list's query string kept for the way back, as Django's
        cells write it (`add_preserved_filters`, which parses the link and, once the list is
        sorted or filtered, resolves it again: for each row). Made once per page as above."""

        def preserved(row):
            context = {"preserved_filters": self.preserved_filters, "opts": self.opts}
            return add_preserved_filters(context, self.url_for_result(row))

        return self._per_page(result, "_preserved_url", preserved)

    def _per_page(self, result, memo: str, link_of):
        """`link_of(result)`, made once for the page with the sentinel key in place of the
        row's, then the row's key put in; Django's own for a key that is not an integer, or a
        link where the sentinel is not found exactly once."""
        pk = getattr(result, self.pk_attname)
        if type(pk) is not int:
            return link_of(result)
        if not hasattr(self, memo):
            parts = link_of(SimpleNamespace(**{self.pk_attname: _SENTINEL})).split(str(_SENTINEL))
            setattr(self, memo, parts if len(parts) == 2 else None)
        parts = getattr(self, memo)
        if parts is None:
            return link_of(result)
        before, after = parts
        return f"{before}{pk}{after}"

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        # A lookup's date bounds are computed when the query is compiled (the count), before
        # anything is sent to the database.
        try:
            return super().get_results(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


def guard_drill_downs(site) -> None:
    """Every registered admin, ours and the libraries' (axes, ...), lists with
    DrillDownChangeList (unless it chose a list class of its own)."""
    for model_admin in site._registry.values():
        if model_admin.get_changelist(None) is ChangeList:
            model_admin.get_changelist = lambda request, **kwargs: DrillDownChangeList
