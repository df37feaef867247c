"""Admin lists that answer any query string without a 500.

Django's date drill-down (`date_hierarchy`) turns `?<field>__year=` (and month, day) into dates
and catches only some of what can go wrong: a year of 99999999999 overflows, 9999 has no
following year. Any list, with a drill-down or not, also takes `?<date field>__year=` as a plain
lookup, whose bounds are only computed when the list is counted. Such a value is a bad lookup like
any other: the admin then shows the list without it (Django's `?e=1` answer), as it does for a
filter it cannot apply.

The list also links its rows with one `reverse()` per page, not one per row (see
`url_for_result`).
"""

from types import SimpleNamespace

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList

# A primary key no row has, whose digits the admin's URL cannot otherwise hold twice.
_SENTINEL = 987654321987


class DrillDownChangeList(ChangeList):
    def url_for_result(self, result):
        """Django's link to a row's change form. Its `reverse()` walked the resolver for each
        of the page's rows (a twentieth of a meeting list's calls); an integer key is written
        into the URL as its digits, so the list reverses once, with a key no row has, and puts
        each row's key in its place. Any other key is reversed as Django does."""
        pk = getattr(result, self.pk_attname)
        if type(pk) is not int:
            return super().url_for_result(result)
        if not hasattr(self, "_result_url"):
            url = super().url_for_result(SimpleNamespace(**{self.pk_attname: _SENTINEL}))
            parts = url.split(str(_SENTINEL))
            self._result_url = parts if len(parts) == 2 else None
        if self._result_url is None:
            return super().url_for_result(result)
        before, after = self._result_url
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
