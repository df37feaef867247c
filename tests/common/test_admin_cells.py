"""An admin list's cells, made once per column (common/admin_cells.py), are the ones Django's
`items_for_result` makes: every registered admin's list, sorted, searched, filtered and in a
popup, and a list with a column of every kind."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import results
from django.test import RequestFactory
from django.urls import reverse

from tug_portal.common import admin_cells
from tug_portal.common.admin_lists import DrillDownChangeList
from tug_portal.meetings.models import Meeting

pytestmark = pytest.mark.django_db

# As staff ask for a list: plain, sorted (its query string kept in each row's link), searched,
# filtered, chosen from a popup (a link that hands its key to the opener).
QUERIES = ["", "?o=1", "?q=a&o=-1", "?is_published__exact=1", "?_popup=1&_to_field=id"]


def _rows(rows) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in rows]


def _ours_and_djangos(cl):
    return _rows(admin_cells.result_rows(cl)), _rows(results(cl))


def test_every_admin_lists_djangos_cells(admin_client, demo):
    compared = 0
    for model in admin.site._registry:
        path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for query in QUERIES:
            page = admin_client.get(path + query)
            if page.status_code != 200 or page.context is None or "cl" not in page.context:
                continue  # a query this list refuses (a redirect with ?e=1, a 400)
            ours, djangos = _ours_and_djangos(page.context["cl"])
            assert ours == djangos, (path + query, ours, djangos)
            compared += len(ours)
    assert compared > 100


def test_the_meeting_list_keeps_its_filters_in_each_rows_link(admin_client, demo):
    path = reverse("admin:meetings_meeting_changelist")

    page = admin_client.get(path + "?status__exact=scheduled&o=-3")

    ours, djangos = _ours_and_djangos(page.context["cl"])
    assert ours == djangos
    assert "_changelist_filters=status__exact%3Dscheduled%26o%3D-3" in ours[0][1]


class EveryKindOfColumn(admin.ModelAdmin):
    """A column of each kind Django's cells tell apart."""

    list_display = [  # (and the action checkbox, which Django puts first)
        "__str__",
        "id",  # the auto-created key
        "title",  # a field, linked
        "program",  # a foreign key
        "status",  # choices
        "is_published",  # a boolean field
        "recording_available_until",  # a date, often empty
        "starts_at",  # a date and time
        "local_start",  # a property of the model
        "program__acronym",  # a related lookup
        "notes",  # text, often blank
        "shown_date",  # an admin method returning a date
        "is_recorded_icon",  # an admin method shown as a boolean
        "blank_method",  # an admin method with an empty value of its own
        lambda meeting: meeting.slug.upper(),
    ]
    list_display_links = ["title", "__str__"]

    @admin.display(description="Date")
    def shown_date(self, meeting):
        return meeting.local_start.date()

    @admin.display(boolean=True)
    def is_recorded_icon(self, meeting):
        return meeting.is_recorded

    @admin.display(empty_value="(none)")
    def blank_method(self, meeting):
        return "" if meeting.pk % 2 else None


@pytest.mark.parametrize("query", QUERIES)
def test_a_list_with_every_kind_of_column_has_djangos_cells(demo, admin_user, query):
    model_admin = EveryKindOfColumn(Meeting, admin.site)
    model_admin.get_changelist = lambda request, **kwargs: DrillDownChangeList
    Meeting.objects.filter(pk=Meeting.objects.first().pk).update(
        recording_available_until=date(2030, 1, 1), notes="  "
    )
    request = RequestFactory().get(reverse("admin:meetings_meeting_changelist") + query)
    request.user = admin_user
    request.resolver_match = None
    cl = model_admin.get_changelist_instance(request)
    cl.formset = None  # (as the list's view sets it, when no column is edited in place)

    ours, djangos = _ours_and_djangos(cl)

    assert ours == djangos
    assert len(ours) == Meeting.objects.count()
    assert len(ours[0]) == 15 + (not cl.is_popup)  # a popup has no actions


def test_a_list_with_rows_edited_in_place_is_djangos(admin_client, demo):
    """(The agenda requests' status is edited in the list: Django's rows, with their forms.)"""
    page = admin_client.get(reverse("admin:meetings_agendarequest_changelist"))

    ours, djangos = _ours_and_djangos(page.context["cl"])

    assert ours == djangos
