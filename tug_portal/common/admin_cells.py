"""The cells of an admin list's rows, as Django's `items_for_result` makes them, byte for byte,
with what is the same for every row of a column worked out once per page.

Why: Django works each cell out from scratch. It looks the column's name up among the model's
fields (raising and catching FieldDoesNotExist for a column that is a method: five of the meeting
list's eight), asks the admin for its empty value, parses the row's link (and, once the list is
sorted or filtered, resolves it again) and writes the cell through `format_html`: the 400 cells
of a page of meetings were half of its time. Here each column is looked up once; each value is
still shown by Django's own `display_for_field` / `display_for_value`, and the link is the list's
own (`DrillDownChangeList.preserved_url_for_result`). A list whose rows are edited in place
(`list_editable`: rows with forms), or whose list class is not the project's, gets Django's
`results()` unchanged. tests/common/test_admin_cells.py holds the cells equal to Django's.
"""

import datetime
from dataclasses import dataclass

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    items_for_result,
    results,
)
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.urls import NoReverseMatch
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from tug_portal.common.admin_lists import DrillDownChangeList
from tug_portal.web.form_renderer import escaped

_MISSING = object()


@dataclass(frozen=True)
class _Column:
    """One `list_display` entry, as each of its cells needs it."""

    name: object  # the entry: a field's or a method's name, or a callable
    field: models.Field | None  # the model's field of that name (Django's `f`)
    function: object  # what is called with the row: the callable, or the admin's method
    css_class: str  # "field-<name>"
    linked: bool  # the cell links to the row's change form
    tag: str  # "th" for the first linked column, else "td"


def _columns(cl) -> list[_Column]:
    """Django's per-cell decisions, taken once: which field or method each column shows, which
    columns link to the row and which of them is the row's heading (`items_for_result`'s
    `link_in_col` and `first`)."""
    model_admin, opts = cl.model_admin, cl.lookup_opts
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        try:
            field, function = _get_non_gfk_field(opts, name), None
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            field = None
            if callable(name):
                function = name
            elif hasattr(model_admin, name) and name != "__str__":
                function = getattr(model_admin, name)
            else:
                function = None  # the model's attribute, looked up on each row
        if cl.list_display_links is None:
            linked = False
        else:
            linked = (first and not cl.list_display_links) or name in cl.list_display_links
        tag = "th" if linked and first else "td"
        first = first and not linked
        css_class = f"field-{_coerce_field_name(name, index)}"
        columns.append(_Column(name, field, function, css_class, linked, tag))
    return columns


def _model_attribute(name: str, row, model_admin):
    """`lookup_field`'s (attr, value) for a name that is no field nor the admin's: the row's
    attribute (called when callable), or a path through related rows; (None, None) when the
    path breaks, as Django's (None, None, None)."""
    attr = getattr(row, name, _MISSING)
    if callable(attr):
        value = attr()
    else:
        if attr is _MISSING:
            attr = row
            for part in name.split(LOOKUP_SEP):
                attr = getattr(attr, part, _MISSING)
                if attr is _MISSING:
                    return None, None
        value = attr
    if hasattr(model_admin, "model") and hasattr(model_admin.model, name):
        attr = getattr(model_admin.model, name)
    return attr, value


def _shown(column: _Column, row, model_admin, empty: str) -> tuple[object, str]:
    """The cell's contents and its classes, as `items_for_result` makes them."""
    field = column.field
    try:
        if field is not None:
            attr, value = None, getattr(row, column.name)
        elif column.function is not None:
            attr, value = column.function, column.function(row)
        else:
            attr, value = _model_attribute(column.name, row, model_admin)
    except ObjectDoesNotExist:
        return empty, column.css_class
    empty = getattr(attr, "empty_value_display", empty)
    if isinstance(value, str) and value.strip() == "":
        value = ""
    if field is None or field.auto_created:
        css_class = "action-checkbox" if column.name == "action_checkbox" else column.css_class
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        shown = display_for_value(value, empty, boolean)
        if isinstance(value, (datetime.date, datetime.time)):
            css_class += " nowrap"
        return shown, css_class
    if isinstance(field.remote_field, models.ManyToOneRel):
        related = getattr(row, field.name)
        shown = empty if related is None else related
    else:
        shown = display_for_field(value, field, empty, avoid_link=column.linked)
    css_class = column.css_class
    if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
        css_class += " nowrap"
    return shown, css_class


def _cell(cl, column: _Column, row, empty: str) -> str:
    shown, css_class = _shown(column, row, cl.model_admin, empty)
    if not column.linked:
        return mark_safe(f'<td class="{css_class}">{escaped(shown)}</td>')  # noqa: S308 - escaped as format_html does
    try:
        url = cl.preserved_url_for_result(row)
    except NoReverseMatch:
        contents = escaped(shown)
    else:
        opener = ""
        if cl.is_popup:
            key = str(cl.to_field) if cl.to_field else cl.lookup_opts.pk.attname
            opener = format_html(' data-popup-opener="{}"', row.serializable_value(key))
        contents = f'<a href="{escaped(url)}"{opener}>{escaped(shown)}</a>'
    tag = column.tag
    return mark_safe(f'<{tag} class="{css_class}">{contents}</{tag}>')  # noqa: S308 - escaped as format_html does


def result_rows(cl):
    """What Django's `results(cl)` gives the list's template: a ResultList of cells per row."""
    if cl.formset or not isinstance(cl, DrillDownChangeList):
        yield from results(cl)
        return
    columns = _columns(cl)
    empty = cl.model_admin.get_empty_value_display()
    for row in cl.result_list:
        if row._meta is not cl.lookup_opts:  # a row of another model: its columns looked up
            yield ResultList(None, items_for_result(cl, row, None))
        else:
            yield ResultList(None, [_cell(cl, column, row, empty) for column in columns])
