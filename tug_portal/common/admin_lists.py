"""Admin lists that answer any query string without a 500.

Django's date drill-down (`date_hierarchy`) turns `?<field>__year=` (and month, day) into dates
and catches only some of what can go wrong: a year of 99999999999 overflows, 9999 has no
following year. Any list, with a drill-down or not, also takes `?<date field>__year=` as a plain
lookup, whose bounds are only computed when the list is counted. Such a value is a bad lookup like
any other: the admin then shows the list without it (Django's `?e=1` answer), as it does for a
filter it cannot apply.
"""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class DrillDownChangeList(ChangeList):
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
