"""The admin's inline formsets build their empty form once.

Django's `BaseFormSet.empty_form` is a property that builds a new form (every field and widget
deep-copied, the formset's fields added) each time it is read, and a change form reads it for each
inline formset about four times: the inline's column headings (`fields()`), its media, the rows
the template walks, the media again. A meeting's change form built twelve empty forms, a tenth of
its calls. The admin only reads and renders it (never binds or changes it), so one per formset
is the same markup; it is still built afresh for each request, as the formset is.
"""

from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property


class AdminInlineFormSet(BaseInlineFormSet):
    @cached_property
    def empty_form(self):
        return super().empty_form


def build_empty_forms_once(site) -> None:
    """Every registered admin's inlines, ours and the libraries', that use Django's inline
    formset use AdminInlineFormSet (an inline with a formset class of its own keeps it)."""
    for model_admin in site._registry.values():
        for inline in model_admin.inlines:
            if inline.formset is BaseInlineFormSet:
                inline.formset = AdminInlineFormSet
