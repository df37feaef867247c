"""The admin's inline formsets written in plain Python, with the markup Django's templates make,
byte for byte: `admin/edit_inline/stacked.html` (a meeting's topics, its materials) and
`admin/edit_inline/tabular.html` (dial-ins, links, offsets). tests/common/test_admin_markup.py
renders every registered admin's forms both ways and compares them.

Why: after the fieldset (common/admin_markup.py), the stacked topics' template walk was the
largest part of a meeting's change form (~25 ms of it), the tabular ones ~9 ms. As there, every
object the templates read (the admin's `InlineAdminFormSet`, its forms, fieldsets, fields) stays
Django's; only the markup is written here, and an inline formset of a kind not foreseen (not the
admin's helpers) is rendered by Django's template unchanged. The ids, classes and
`data-inline-formset` that inlines.js reads are the template's.
"""

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_modify import cell_count
from django.contrib.admin.utils import quote
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext

from tug_portal.common import admin_markup
from tug_portal.web.form_renderer import _text, escaped


def _safe_filter(function, value) -> str:
    """A `stringfilter` marked `is_safe` (capfirst, striptags) and then `{{ }}`: escaped
    unless the value was safe."""
    value = str(value)
    result = function(value)
    if isinstance(value, SafeData):
        result = mark_safe(result)  # noqa: S308 - the value was safe, as the filter keeps it
    return escaped(result)


def _capfirst(value) -> str:
    return _safe_filter(lambda text: text and text[0].upper() + text[1:], value)


def _heading(formset) -> str:
    """The `<h2>` both templates write: the model's name, plural unless one row at most."""
    opts = formset.opts
    name = opts.verbose_name if formset.formset.max_num == 1 else opts.verbose_name_plural
    prefix = _text(formset.formset.prefix)
    return (
        f'  <h2 id="{prefix}-heading" class="inline-heading">\n  \n    {_capfirst(name)}\n  \n'
        f"  </h2>\n"
    )


def _change_link(context, formset, form) -> str:
    """`{% url …|admin_urlname:'change' original.pk|admin_urlquote %}` and its link."""
    opts = form.model_admin.opts
    request = context.get("request")
    current_app = None
    if request is not None:
        current_app = getattr(request, "current_app", None)
        if current_app is None and request.resolver_match is not None:
            current_app = request.resolver_match.namespace
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=[quote(form.original.pk)],
        current_app=current_app,
    )
    if formset.has_change_permission:
        kind, label = "inlinechangelink", gettext("Change")
    else:
        kind, label = "inlineviewlink", gettext("View")
    return f'<a href="{escaped(url)}" class="{kind}">{_text(label)}</a>'


def _shows_change_link(form) -> bool:
    return bool(form.model_admin.show_change_link and form.model_admin.has_registered_model)


def _fieldsets(context, form, parent_counter: int) -> str:
    """`{% include "admin/includes/fieldset.html" with heading_level=4 … %}` per fieldset."""
    out = []
    for counter, fieldset in enumerate(form):
        with context.push(
            fieldset=fieldset,
            heading_level=4,
            prefix=fieldset.formset.prefix,
            id_prefix=parent_counter,
            id_suffix=counter,
        ):
            out.append(f"\n      {admin_markup.fieldset_markup(context)}\n\n    ")
    return "".join(out)


def _stacked(context, formset) -> str:
    prefix = _text(formset.formset.prefix)
    collapsible = formset.is_collapsible
    out = [
        '\n<div class="js-inline-admin-formset inline-group"\n'
        f'     id="{prefix}-group"\n     data-inline-type="stacked"\n'
        f'     data-inline-formset="{_text(formset.inline_formset_data())}">\n'
        f'<fieldset class="module {_text(formset.classes)}" aria-labelledby="{prefix}-heading">\n'
        f"  {'<details><summary>' if collapsible else ''}\n",
        _heading(formset),
        f"  {'</summary>' if collapsible else ''}\n"
        f"{escaped(formset.formset.management_form)}\n"
        f"{escaped(formset.formset.non_form_errors())}\n\n",
    ]
    forms = list(formset)
    name = _capfirst(formset.opts.verbose_name)
    can_delete = formset.formset.can_delete and formset.has_delete_permission
    for counter, form in enumerate(forms):
        empty = counter == len(forms) - 1 and formset.has_add_permission
        original = form.original
        classes = " has_original" if original or form.show_url else ""
        if empty:
            classes += " empty-form last-related"
        row_id = "empty" if empty else counter
        if original:
            label = _text(original)
            if _shows_change_link(form):
                label += " " + _change_link(context, formset, form)
            label += "\n"
        else:
            label = f"#{counter + 1}"
        out.append(
            f'<div class="inline-related{classes}" id="{prefix}-{row_id}">\n'
            f'  <h3><b>{name}:</b> <span class="inline_label">{label}</span>\n      '
        )
        if form.show_url:
            out.append(f'<a href="{_text(form.absolute_url)}">{_text(gettext("View on site"))}</a>')
        out.append("\n    ")
        if can_delete and original:
            deletion = form.deletion_field()
            out.append(
                f'<span class="delete">{escaped(deletion.field)} '
                f"{escaped(deletion.label_tag())}</span>"
            )
        out.append("\n  </h3>\n  ")
        errors = form.form.non_field_errors()
        if errors:
            out.append(escaped(errors))
        out.append("\n\n  \n    ")
        out.append(_fieldsets(context, form, counter))
        out.append("\n  \n\n  ")
        if form.needs_explicit_pk_field():
            out.append(escaped(form.pk_field().field))
        out.append("\n  ")
        if form.fk_field():
            out.append(escaped(form.fk_field().field))
        out.append("\n</div>")
    out.append(f"\n  {'</details>' if collapsible else ''}\n</fieldset>\n</div>\n")
    return "".join(out)


def stacked_markup(context) -> str:
    """What `{% admin_stacked_inline %}` writes: the stacked inline, or Django's template for an
    inline formset of a kind not foreseen."""
    return _inline_markup(context, _stacked, djangos_stacked)


def djangos_stacked(context) -> str:
    return admin_markup.render_djangos(context, "admin/edit_inline/stacked.html")


def _inline_markup(context, write, djangos) -> str:
    """`write(context, formset)` for the admin's own inline formset, else `djangos(context)`."""
    formset = context.get("inline_admin_formset")
    if type(formset) is helpers.InlineAdminFormSet:
        return mark_safe(write(context, formset))  # noqa: S308 - escaped as the template does
    return djangos(context)


# --- Tabular ---------------------------------------------------------------------------------


def _column(field: dict) -> str:
    """One heading of the table: a `fields()` entry (a dict Django builds)."""
    classes = f"column-{_text(field['name'])}"
    if field["required"]:
        classes += " required"
    if admin_markup._get(field["widget"], "is_hidden"):
        classes += " hidden"
    out = f'\n       <th class="{classes}">{_capfirst(field["label"])}\n       '
    if field["help_text"]:
        text = _safe_filter(strip_tags, field["help_text"])
        icon = escaped(static("admin/img/icon-unknown.svg"))
        out += (
            f'<img src="{icon}" class="help help-tooltip" width="10" height="10" '
            f'alt="({text})" title="{text}">'
        )
    return out + "\n       </th>\n     "


def _cell(field) -> str:
    """One field's cell in a row."""
    bound = field.field
    name = admin_markup._get(bound, "name")
    classes = f"field-{_text(name)}" if name else ""
    if admin_markup._get(bound, "is_hidden"):
        classes += " hidden"
    out = f'\n              <td class="{classes}">\n              '
    if field.is_readonly:
        out += f"\n                  <p>{escaped(field.contents())}</p>\n              "
    else:
        out += (
            f"\n                  {escaped(bound.errors.as_ul())}\n"
            f"                  {escaped(bound)}\n              "
        )
    return out + "\n              </td>\n            "


def _tabular_row(context, formset, form, counter: int, last: bool, can_delete: bool, out):
    prefix = _text(formset.formset.prefix)
    errors = form.form.non_field_errors()
    out.append("\n        ")
    if errors:
        out.append(
            f'\n        <tr class="row-form-errors"><td colspan="{cell_count(form)}">'
            f"{escaped(errors)}</td></tr>\n        "
        )
    empty = last and formset.has_add_permission
    original = form.original
    classes = "has_original" if original or form.show_url else ""
    if empty:
        classes += " empty-form"
    out.append(
        f'\n        <tr class="form-row {classes}"\n'
        f'             id="{prefix}-{"empty" if empty else counter}">\n'
        '        <td class="original">\n          '
    )
    if original or form.show_url:
        out.append("<p>\n          ")
        if original:
            out.append(f"\n          {_text(original)}\n          ")
            if _shows_change_link(form):
                out.append(_change_link(context, formset, form))
            out.append("\n          ")
        out.append("\n          ")
        if form.show_url:
            out.append(f'<a href="{_text(form.absolute_url)}">{_text(gettext("View on site"))}</a>')
        out.append("\n            </p>")
    out.append("\n          ")
    if form.needs_explicit_pk_field():
        out.append(escaped(form.pk_field().field))
    out.append("\n          ")
    if form.fk_field():
        out.append(escaped(form.fk_field().field))
    out.append("\n        </td>\n        ")
    for fieldset in form:
        out.append("\n          ")
        for line in fieldset:
            out.append("\n            ")
            out.extend(_cell(field) for field in line)
            out.append("\n          ")
        out.append("\n        ")
    out.append('\n        <td class="delete">')
    if can_delete and original:
        out.append(escaped(form.deletion_field().field))
    out.append("</td>\n        </tr>\n     ")


def _tabular(context, formset) -> str:
    prefix = _text(formset.formset.prefix)
    collapsible = formset.is_collapsible
    outer_loop = context.get("forloop")
    last_group = isinstance(outer_loop, dict) and outer_loop.get("last")
    can_delete = formset.formset.can_delete and formset.has_delete_permission
    out = [
        '\n<div class="js-inline-admin-formset inline-group" '
        f'id="{prefix}-group"\n     data-inline-type="tabular"\n'
        f'     data-inline-formset="{_text(formset.inline_formset_data())}">\n'
        f'  <div class="tabular inline-related {"last-related" if last_group else ""}">\n'
        f"{escaped(formset.formset.management_form)}\n"
        f'<fieldset class="module {_text(formset.classes)}" aria-labelledby="{prefix}-heading">\n'
        f"  {'<details><summary>' if collapsible else ''}\n",
        _heading(formset),
        f"  {'</summary>' if collapsible else ''}\n"
        f"   {escaped(formset.formset.non_form_errors())}\n"
        '   <table>\n     <thead><tr>\n       <th class="original"></th>\n     ',
    ]
    out.extend(_column(field) for field in formset.fields())
    delete = _text(gettext("Delete?")) if can_delete else ""
    out.append(f"\n     <th>{delete}</th>\n     </tr></thead>\n\n     <tbody>\n     ")
    forms = list(formset)
    for counter, form in enumerate(forms):
        _tabular_row(context, formset, form, counter, counter == len(forms) - 1, can_delete, out)
    out.append(
        f"\n     </tbody>\n   </table>\n  {'</details>' if collapsible else ''}\n</fieldset>\n"
        "  </div>\n</div>\n"
    )
    return "".join(out)


def tabular_markup(context) -> str:
    """What `{% admin_tabular_inline %}` writes: the tabular inline, or Django's template for an
    inline formset of a kind not foreseen."""
    return _inline_markup(context, _tabular, djangos_tabular)


def djangos_tabular(context) -> str:
    return admin_markup.render_djangos(context, "admin/edit_inline/tabular.html")
