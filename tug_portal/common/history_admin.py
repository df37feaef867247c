"""The admin base for every model whose changes django-simple-history records.

django-simple-history's history form (`<object>/history/<version>/`) shows an old version in the
change form and, on POST, saves it back ("Revert"). It only checks that the user may *view* the
object's history, so a view-only user could POST any field values through it. Every history
admin of the portal derives from `HistoryAdmin`, which refuses that POST without the change
permission (tests/hardening/test_history_admin.py checks every registered model). An object or
version id that is no id at all ("abc") is a 404, not the ValueError django-simple-history lets
through (a 500).
"""

from datetime import datetime

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper


class ChangesAsStaffReadThem(HistoricalRecordContextHelper):
    """A history's list of changes written as the rest of the admin writes values: an instant
    in local time ("Tue 12 Mar 2030 10:00 PDT", not "2030-03-12 17:00:00+00:00"; a model admin
    may say whose: `local_label`), and a relation newly chosen or emptied as nothing, not as
    "Deleted meeting (pk=None)" (django-simple-history's word for a missing row)."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if isinstance(value, DeletedObject) and value.pk is None:
            return "—"
        if isinstance(value, datetime):
            return self.local_label(value)
        return value

    def local_label(self, instant: datetime) -> str:
        return f"{timezone.localtime(instant):%a %d %b %Y %H:%M %Z}"


class HistoryAdmin(SimpleHistoryAdmin):
    history_changes = ChangesAsStaffReadThem  # how its history page writes each change

    def get_historical_record_context_helper(self, request, historical_record):
        return self.history_changes(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history_model = getattr(self.model, self.model._meta.simple_history_manager_attribute).model
        try:
            self.model._meta.pk.to_python(unquote(object_id))
            history_model._meta.pk.to_python(version_id)
        except ValidationError as error:
            raise Http404("No such version.") from error
        if request.method not in ("GET", "HEAD"):
            obj = self.get_object(request, unquote(object_id))
            # A row no longer there (deleted, or hidden from this user) is saved again from its
            # history: an add, for those who may add it (an outside try's viewer did otherwise).
            # (No such version at all is left to the view's own 404.)
            brought_back = obj is None and history_model.objects.filter(pk=version_id).exists()
            if not self.has_change_permission(request, obj) or (
                brought_back and not self.has_add_permission(request)
            ):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
