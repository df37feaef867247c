"""The admin's forms written in plain Python, with the markup Django's templates make, byte for
byte: the widget templates the admin's forms use (beside the filter forms' ones,
`web/form_renderer.py`), the labels, the error lists, a formset's management form, the admin's
fieldset (`admin/includes/fieldset.html`, which every change form and stacked inline includes) and
its list of apps and models (`admin/app_list.html`: the sidebar of every admin page, the index).
tests/common/test_admin_markup.py renders every registered admin's add and change forms (with the
demo data, and in error), its lists and its index both ways and compares them.

Why: a meeting's change form has about 100 fields; each went through three to five templates
(the fieldset's loop, the label, the widget, its attributes, its error list), and the template
engine's walk was four fifths of the page's time; the sidebar's ~40 models cost a sixth of a
list's. As in `web/form_renderer.py`, the widgets, the forms, the admin's helpers and every
context they build stay Django's; only the last step, turning that context into markup, is ours,
for the templates below. Any other template, or a context of a kind not foreseen here, is
rendered by Django's templates unchanged.
"""

from functools import cache
from pathlib import Path
from urllib.parse import quote

import django.contrib.admin
from django.contrib.admin import helpers
from django.forms import BoundField
from django.forms.utils import ErrorList
from django.template import Template
from django.template.base import render_value_in_context
from django.templatetags.static import static
from django.utils.html import strip_spaces_between_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from tug_portal.web.form_renderer import (
    WRITERS,
    PlainWidgetRenderer,
    _attrs,
    _input,
    _text,
    escaped,
)

# --- Widgets, labels, error lists -----------------------------------------------------------
# Each writer returns its template's whole output (with the trailing newline an include keeps),
# or None for a context it does not know (Django's template then renders it).


def _included_input(widget: dict) -> str:
    """date.html, time.html, checkbox.html...: `{% include "…/input.html" %}` and a newline."""
    return _input(widget) + "\n"


def _textarea(widget: dict) -> str:
    """django/forms/widgets/textarea.html."""
    value = _text(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>\n'
    )


def _admin_paragraph(css_class: str):
    """admin/widgets/date.html and time.html: Django's date or time input in a paragraph."""

    def write(widget: dict) -> str:
        return f'<p class="{css_class}">\n  {_included_input(widget)}\n</p>\n'

    return write


def _admin_url(widget: dict, context: dict) -> str:
    """admin/widgets/url.html: the current link above the input."""
    tag = _input(widget)
    if not context.get("url_valid"):
        return tag + "\n"
    return (
        f'<p class="url">{_text(context["current_label"])} <a href="{_text(widget["href"])}">'
        f"{_text(widget['value'])}</a><br>{_text(context['change_label'])} {tag}</p>\n"
    )


def _split_datetime(widget: dict, context: dict) -> str | None:
    """admin/widgets/split_datetime.html: its two inputs, each by its own template."""
    date_widget, time_widget = widget["subwidgets"]
    date_writer = INCLUDED_INPUTS.get(date_widget["template_name"])
    time_writer = INCLUDED_INPUTS.get(time_widget["template_name"])
    if date_writer is None or time_writer is None:
        return None
    return (
        f'<p class="datetime">\n  {_text(context["date_label"])} {date_writer(date_widget)}<br>\n'
        f"  {_text(context['time_label'])} {time_writer(time_widget)}\n</p>\n"
    )


# The related widget's links, as the template writes them before `{% spaceless %}` (the
# whitespace inside each tag stays; between tags it goes).
_CHANGE_LINK = """<a class="related-widget-wrapper-link change-related" id="change_id_{name}"
            data-href-template="{template_url}?{params}"
            data-popup="yes"
            title="{title}">
            <img src="{icon}" alt="" width="24" height="24">
        </a>"""
_ADD_LINK = """<a class="related-widget-wrapper-link add-related" id="add_id_{name}"
            data-popup="yes"
            href="{url}?{params}"
            title="{title}">
            <img src="{icon}" alt="" width="24" height="24">
        </a>"""
_DELETE_LINK = """<a class="related-widget-wrapper-link delete-related" id="delete_id_{name}"
            data-href-template="{template_url}?{params}"
            data-popup="yes"
            title="{title}">
            <img src="{icon}" alt="" width="24" height="24">
        </a>"""
_VIEW_LINK = """<a class="related-widget-wrapper-link view-related" id="view_id_{name}"
             data-href-template="{template_url}?{params}"
             title="{title}">
            <img src="{icon}" alt="" width="24" height="24">
          </a>"""


def _title(message: str, model) -> str:
    """`{% blocktranslate %}… {{ model }}{% endblocktranslate %}`: the model's name escaped."""
    return gettext(message) % {"model": _text(model)}


def _related_widget_wrapper(context: dict) -> str | None:
    """admin/widgets/related_widget_wrapper.html: the widget, then its change, add, delete and
    view links (which the admin's RelatedObjectLookups.js finds by their ids and classes)."""
    limited = context["model_has_limit_choices_to"]
    if callable(limited):  # the template would call it
        return None
    links = []
    if not context["is_hidden"]:
        name, model = _text(context["name"]), context["model"]
        params = _text(context["url_params"])
        if context["can_change_related"]:
            links.append(
                _CHANGE_LINK.format(
                    name=name,
                    template_url=_text(context["change_related_template_url"]),
                    params=params,
                    title=_title("Change selected %(model)s", model),
                    icon=_text(static("admin/img/icon-changelink.svg")),
                )
            )
        if context["can_add_related"]:
            links.append(
                _ADD_LINK.format(
                    name=name,
                    url=_text(context["add_related_url"]),
                    params=params,
                    title=_title("Add another %(model)s", model),
                    icon=_text(static("admin/img/icon-addlink.svg")),
                )
            )
        if context["can_delete_related"]:
            links.append(
                _DELETE_LINK.format(
                    name=name,
                    template_url=_text(context["delete_related_template_url"]),
                    params=params,
                    title=_title("Delete selected %(model)s", model),
                    icon=_text(static("admin/img/icon-deletelink.svg")),
                )
            )
        if context["can_view_related"]:
            links.append(
                _VIEW_LINK.format(
                    name=name,
                    template_url=_text(context["change_related_template_url"]),
                    params=_text(context["view_related_url_params"]),
                    title=_title("View selected %(model)s", model),
                    icon=_text(static("admin/img/icon-viewlink.svg")),
                )
            )
    reference = "" if limited else f'data-model-ref="{_text(context["model_name"])}"'
    return (
        f'<div class="related-widget-wrapper" {reference}>\n'
        f"    {escaped(context['rendered_widget'])}\n"
        f"    \n        {strip_spaces_between_tags(''.join(links))}\n    \n</div>\n"
    )


def _label(context: dict) -> str:
    """django/forms/label.html (and its attributes, django/forms/attrs.html)."""
    label = escaped(context["label"])
    if not context["use_tag"]:
        return f"{label}\n"
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>\n"


def _error_list(context: dict) -> str | None:
    """django/forms/errors/list/ul.html (default.html includes it)."""
    errors = context.get("errors")
    if not isinstance(errors, ErrorList):
        return None
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    error_id = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{escaped(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{error_id}>{items}</ul>'


def _hidden_only_form(context: dict) -> str | None:
    """django/forms/div.html for a form of hidden fields only (a formset's management form)."""
    if context["fields"]:
        return None
    errors = escaped(context["errors"])
    hidden = "".join(escaped(field) for field in context["hidden_fields"])
    if context["errors"]:
        return f"{errors}\n\n  <div>{hidden}</div>\n\n\n\n"
    return f"{errors}\n\n\n\n  {hidden}\n\n"


# The templates that are `{% include "…/input.html" %}` and a newline: their whole output, as
# another template including them gets it.
INCLUDED_INPUTS = {
    f"django/forms/widgets/{kind}.html": _included_input
    for kind in (
        "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password",
        "search", "tel", "text", "time", "url",
    )
}  # fmt: skip
# Writers given the template's `widget` only (as in web/form_renderer.py) ...
NESTED_WRITERS = {
    **WRITERS,
    **INCLUDED_INPUTS,
    "django/forms/widgets/textarea.html": _textarea,
    "admin/widgets/date.html": _admin_paragraph("date"),
    "admin/widgets/time.html": _admin_paragraph("time"),
}
# ... and those given the whole context.
CONTEXT_WRITERS = {
    "admin/widgets/url.html": lambda context: _admin_url(context["widget"], context),
    "admin/widgets/split_datetime.html": lambda context: _split_datetime(
        context["widget"], context
    ),
    "admin/widgets/related_widget_wrapper.html": _related_widget_wrapper,
    "django/forms/label.html": _label,
    "django/forms/errors/list/ul.html": _error_list,
    "django/forms/errors/list/default.html": _error_list,
    "django/forms/div.html": _hidden_only_form,
}


class AdminFormRenderer(PlainWidgetRenderer):
    """The project's form renderer (settings.FORM_RENDERER): Django's template renderer, except
    that the templates above are written in Python (the same markup, stripped as
    `BaseRenderer.render` strips it)."""

    writers = NESTED_WRITERS

    def render(self, template_name, context, request=None):
        writer = CONTEXT_WRITERS.get(template_name)
        markup = writer(context) if writer is not None else None
        if markup is None:  # a widget's template (the parent's lookup), or Django's
            return super().render(template_name, context, request=request)
        return markup.strip()


# --- The admin's fieldset -------------------------------------------------------------------


@cache
def djangos_template(engine, name: str) -> Template:
    """Django's own admin template `name` (the project's templates/ holds the tag that writes it
    instead, under the same name)."""
    source = Path(django.contrib.admin.__file__).parent / "templates" / name
    return Template(source.read_text(), engine=engine)


def render_djangos(context, name: str) -> str:
    """Django's own admin template `name`, rendered in the tag's context: what each writer
    falls back to for a context it does not know."""
    return djangos_template(context.template.engine, name).render(context)


def _get(field, name):
    """`{{ field.field.<name> }}`: a bound field's attribute, or a read-only field's key."""
    if isinstance(field, dict):
        return field.get(name)
    return getattr(field, name)


def _admin_label(field) -> str:
    """`{{ field.label_tag }}`: the admin's `AdminField.label_tag()`, then Django's
    `BoundField.label_tag()` and its template (`_label` above) in one step, not through the
    form's rendering (a change form has ~65 labels, and that plumbing was most of their cost).
    Django's own for a read-only field, or a field, form or renderer of another kind."""
    bound = field.field
    form = getattr(bound, "form", None)
    if (
        type(field) is not helpers.AdminField
        or type(bound) is not BoundField
        or type(form.renderer) is not AdminFormRenderer
        or form.template_name_label != "django/forms/label.html"
    ):
        return field.label_tag()
    # AdminField.label_tag: the label escaped, the admin's classes, no suffix for a checkbox.
    required = bound.field.required
    classes = [
        name
        for name, wanted in [
            ("vCheckboxLabel", field.is_checkbox),
            ("required", required),
            ("inline", not field.is_first),
        ]
        if wanted
    ]
    attrs = {"class": " ".join(classes)} if classes else {}
    contents = escaped(bound.label)
    if field.is_checkbox:
        suffix = ""
    else:
        suffix = bound.field.label_suffix
        if suffix is None:
            suffix = form.label_suffix
    # BoundField.label_tag: the suffix unless the label ends in punctuation, `for` its widget.
    if suffix and contents and contents[-1] not in gettext(":?.!"):
        contents = escaped(contents) + escaped(suffix)
    widget = bound.field.widget
    id_ = widget.attrs.get("id") or bound.auto_id
    if id_:
        id_for_label = widget.id_for_label(id_)
        if id_for_label:
            attrs = {**attrs, "for": id_for_label}
        if required and hasattr(form, "required_css_class"):
            if "class" in attrs:
                attrs["class"] += " " + form.required_css_class
            else:
                attrs["class"] = form.required_css_class
    context = {"label": contents, "attrs": attrs, "use_tag": bool(id_), "tag": "label"}
    return mark_safe(_label(context).strip())  # noqa: S308 - written as the template writes it


def _admin_field(line_is_single: bool, field, out: list) -> None:
    """One field of a line: the template's inner `{% for field in line %}` body."""
    bound = field.field
    readonly = field.is_readonly
    name = _get(bound, "name")
    is_hidden = _get(bound, "is_hidden")
    errors = "" if line_is_single or readonly else escaped(field.errors())
    classes = ""
    if not line_is_single:
        classes = " fieldBox"
        if name:
            classes += f" field-{_text(name)}"
        if errors:  # (the template asks for them twice; rendered once here)
            classes += " errors"
        if is_hidden:
            classes += " hidden"
    if field.is_checkbox:
        classes += " checkbox-row"
    out.append(
        f"\n                <div>\n                    {errors}\n"
        f'                        <div class="flex-container{classes}">\n'
        "                            "
    )
    label = escaped(_admin_label(field))
    if field.is_checkbox:
        out.append(f"\n                                {escaped(bound)}{label}\n")
    else:
        out.append(f"\n                                {label}\n                                ")
        if readonly:
            contents = escaped(field.contents())
            out.append(
                f'\n                                    <div class="readonly">{contents}</div>\n'
            )
        else:
            out.append(f"\n                                    {escaped(bound)}\n")
        out.append("                                \n")
    out.append("                            \n                        </div>\n                    ")
    help_text = _get(bound, "help_text")
    if help_text:
        help_class = " hidden" if is_hidden else ""
        label_id = _get(bound, "id_for_label")
        help_id = f' id="{_text(label_id)}_helptext"' if label_id else ""
        out.append(
            f'\n                        <div class="help{help_class}"{help_id}>\n'
            f"                            <div>{help_text}</div>\n"
            "                        </div>\n                    "
        )
    out.append("\n                </div>\n            ")


def _fieldset(context) -> str:
    """admin/includes/fieldset.html, from the include's context (`fieldset`, `heading_level`,
    `prefix`, `id_prefix`, `id_suffix`)."""
    fieldset = context["fieldset"]
    name, collapsible = fieldset.name, fieldset.is_collapsible
    heading_id = "-".join(
        render_value_in_context(context[key], context) if key in context else ""
        for key in ("prefix", "id_prefix", "id_suffix")
    )
    out = [f'<fieldset class="module aligned {_text(fieldset.classes)}"']
    if name:
        out.append(f' aria-labelledby="{heading_id}-heading"')
    out.append(">\n    ")
    if name:
        level = render_value_in_context(context.get("heading_level") or 2, context)
        out.append(
            f"\n        {'<details><summary>' if collapsible else ''}\n"
            f'        <h{level} id="{heading_id}-heading" class="fieldset-heading">'
            f"{_text(name)}</h{level}>\n"
            f"        {'</summary>' if collapsible else ''}\n    "
        )
    out.append("\n    ")
    if fieldset.description:
        out.append(f'\n        <div class="description">{fieldset.description}</div>\n    ')
    out.append("\n    ")
    for line in fieldset:
        single = len(line.fields) == 1
        line_errors = escaped(line.errors()) if single else ""
        fields = list(line)
        classes = " errors" if single and line_errors else ""
        if not line.has_visible_field:
            classes += " hidden"
        for field in fields:
            name_of_field = _get(field.field, "name")
            if name_of_field:
                classes += f" field-{_text(name_of_field)}"
        opening = line_errors if single else '<div class="flex-container form-multiline">'
        out.append(
            f'\n        <div class="form-row{classes}">\n            {opening}\n            '
        )
        for field in fields:
            _admin_field(single, field, out)
        out.append(f"\n            {'' if single else '</div>'}\n        </div>\n    ")
    out.append(f"\n    {'</details>' if name and collapsible else ''}\n</fieldset>")
    return "".join(out)


def fieldset_markup(context) -> str:
    """What `{% admin_fieldset %}` writes: the fieldset, or Django's template for a fieldset of
    a kind not foreseen (not the admin's helpers)."""
    if isinstance(context.get("fieldset"), helpers.Fieldset):
        return mark_safe(_fieldset(context))  # noqa: S308 - every value escaped as the template does
    return djangos_fieldset(context)


def djangos_fieldset(context) -> str:
    """Django's template, rendered as its include would (without the trailing newline, which
    the template holding the tag writes)."""
    markup = render_djangos(context, "admin/includes/fieldset.html")
    return mark_safe(markup.strip())  # noqa: S308 - an autoescaped template


# --- The admin's list of apps and models (the sidebar on every page, and the index) --------


def _within(part, path: str) -> bool:
    """`{% if part in path %}`, which is false when `in` fails (no URL)."""
    try:
        return part in path
    except TypeError:
        return False


def _app_model(app_label: str, model: dict, path: str, show_changelinks) -> str:
    """One model's row: the template's inner `{% for model in app.models %}` body."""
    name = _text(model["object_name"].lower())
    row_id = f"{app_label}-{name}"
    admin_url, add_url = model.get("admin_url"), model.get("add_url")
    current = _within(admin_url, path)
    row_class = f"model-{name}{' current-model' if current else ''}"
    out = [
        f'\n          \n            <tr class="{row_class}">\n'
        f'              <th scope="row" id="{row_id}">\n                '
    ]
    if admin_url:
        aria = ' aria-current="page"' if current else ""
        out.append(
            f'\n                  <a href="{_text(admin_url)}"{aria}>{_text(model["name"])}</a>\n'
            "                "
        )
    else:
        out.append(f"\n                  {_text(model['name'])}\n                ")
    out.append("\n              </th>\n\n              ")
    if add_url:
        out.append(
            f'\n                <td><a href="{_text(add_url)}" class="addlink" '
            f'aria-describedby="{row_id}">{_text(gettext("Add"))}</a></td>\n              '
        )
    else:
        out.append("\n                <td></td>\n              ")
    out.append("\n\n              ")
    if admin_url and show_changelinks:
        kind, label = ("viewlink", "View") if model.get("view_only") else ("changelink", "Change")
        link = (
            f'<a href="{_text(admin_url)}" class="{kind}" aria-describedby="{row_id}">'
            f"{_text(gettext(label))}</a>"
        )
        cell = f"\n                  <td>{link}</td>\n                "
        out.append(f"\n                {cell}\n              ")
    elif show_changelinks:
        out.append("\n                <td></td>\n              ")
    out.append("\n            </tr>\n          \n        ")
    return "".join(out)


def app_list_markup(context) -> str:
    """admin/app_list.html, from the context its include gives (`app_list`, `show_changelinks`,
    `request`); Django's template for an app or model entry without the keys Django gives it."""
    try:
        return _app_list(context)
    except KeyError:
        return djangos_app_list(context)


def djangos_app_list(context) -> str:
    return render_djangos(context, "admin/app_list.html")


def _app_list(context) -> str:
    app_list = context.get("app_list")
    if not app_list:
        message = _text(gettext("You don’t have permission to view or edit anything."))
        return mark_safe(f"\n\n\n  <p>{message}</p>\n\n")  # noqa: S308 - escaped
    request = context.get("request")
    path = quote(request.path) if request is not None else ""
    show_changelinks = context.get("show_changelinks")
    out = ["\n\n\n  "]
    for app in app_list:
        app_label = _text(app["app_label"])
        current = " current-app" if _within(app["app_url"], path) else ""
        title = gettext("Models in the %(name)s application") % {"name": _text(app["name"])}
        out.append(
            f'\n    <div class="app-{app_label} module{current}">\n      <table>\n'
            f'        <caption>\n          <a href="{_text(app["app_url"])}" class="section" '
            f'title="{title}">{_text(app["name"])}</a>\n        </caption>\n'
            '        <thead class="visually-hidden">\n          <tr>\n'
            f'            <th scope="col">{_text(gettext("Model name"))}</th>\n'
            f'            <th scope="col">{_text(gettext("Add link"))}</th>\n'
            f'            <th scope="col">{_text(gettext("Change or view list link"))}</th>\n'
            "          </tr>\n        </thead>\n        "
        )
        out.extend(_app_model(app_label, model, path, show_changelinks) for model in app["models"])
        out.append("\n      </table>\n    </div>\n  ")
    out.append("\n\n")
    return mark_safe("".join(out))  # noqa: S308 - every value escaped as the template does
