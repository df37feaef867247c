"""Autocomplete widgets that show their chosen rows from what the form's object already read.

Django's autocomplete widget renders only the chosen options, and asks the database for them, one
query per widget: a meeting's agenda of N topics, each with its facilitators, systems and
documents, cost 3 N queries, although the inline had read them all (prefetched, three queries
for the whole agenda). Here the form hands each autocomplete widget the rows its object holds
already (prefetched many-to-many rows, or a foreign key's cached row); when they are exactly the
chosen values, the widget writes its options from them; with nothing chosen it writes none.
Otherwise (a bound form's other choices, a relation with `limit_choices_to`, rows not loaded)
Django's own query runs, unchanged.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple


class _LoadedChoices:
    loaded = None  # the object's related rows, when it had read them (set by LoadedChoicesForm)

    def optgroups(self, name, value, attr=None):
        objects = self._loaded_choices(value)
        if objects is None:
            return super().optgroups(name, value, attr)
        # Django's AutocompleteMixin.optgroups, its query replaced by the loaded rows.
        default = (None, [], 0)
        has_selected = False
        selected_choices = self._selected(value)
        if not self.is_required and not self.allow_multiple_selected:
            default[1].append(self.create_option(name, "", "", False, 0))
        to_field_name = self._to_field_name()
        label = self.choices.field.label_from_instance
        for obj in objects:
            option_value = getattr(obj, to_field_name)
            selected = str(option_value) in value and (
                has_selected is False or self.allow_multiple_selected
            )
            has_selected |= selected
            default[1].append(
                self.create_option(
                    name, option_value, label(obj), selected_choices, len(default[1])
                )
            )
        return [default]

    def _selected(self, value) -> set[str]:
        return {str(v) for v in value if str(v) not in self.choices.field.empty_values}

    def _to_field_name(self) -> str:
        remote_opts = self.field.remote_field.model._meta
        to_field = getattr(self.field.remote_field, "field_name", remote_opts.pk.attname)
        return remote_opts.get_field(to_field).attname

    def _loaded_choices(self, value):
        """The loaded rows, when they are exactly the chosen values (in the order the choices'
        query would give them: the model's ordering, as the prefetch read them); no rows when
        nothing is chosen (Django's query for none, `pk__in=[]`, was built and compiled to learn
        that it asks for nothing: a new object's widgets, an agenda's new-topic row)."""
        if not self._selected(value):
            return []
        if self.loaded is None or self.field.remote_field.limit_choices_to:
            return None
        to_field_name = self._to_field_name()
        if {str(getattr(obj, to_field_name)) for obj in self.loaded} != self._selected(value):
            return None
        return self.loaded


class LoadedAutocompleteSelect(_LoadedChoices, AutocompleteSelect):
    pass


class LoadedAutocompleteSelectMultiple(_LoadedChoices, AutocompleteSelectMultiple):
    pass


def _loaded_rows(instance, name: str):
    """The rows `instance` holds for its relation `name` without a query, or None."""
    prefetched = getattr(instance, "_prefetched_objects_cache", {})
    if name in prefetched:
        return list(prefetched[name])
    field = instance._meta.get_field(name)
    if field.many_to_one and field.is_cached(instance):
        row = field.get_cached_value(instance)
        return [] if row is None else [row]
    return None


class LoadedChoicesForm(forms.ModelForm):
    """Hands each loaded-choices autocomplete widget its object's rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # inside the related wrapper
            if isinstance(widget, _LoadedChoices):
                widget.loaded = _loaded_rows(self.instance, name)


class LoadedAutocompleteAdmin:
    """A ModelAdmin or inline mixin: its autocomplete fields use the widgets above (its form
    derives from LoadedChoicesForm to hand them the rows)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LoadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = LoadedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
