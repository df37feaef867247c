"""`{% admin_fieldset %}`: the admin's fieldset written in Python (common/admin_markup.py), from
the context Django's `{% include "admin/includes/fieldset.html" with … %}` gives it."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from tug_portal.common import admin_inlines, admin_markup, admin_results

register = template.Library()


@register.simple_tag(takes_context=True)
def admin_fieldset(context):
    return admin_markup.fieldset_markup(context)


@register.simple_tag(takes_context=True)
def admin_app_list(context):
    return admin_markup.app_list_markup(context)


@register.simple_tag(takes_context=True)
def admin_stacked_inline(context):
    return admin_inlines.stacked_markup(context)


@register.simple_tag(takes_context=True)
def admin_tabular_inline(context):
    return admin_inlines.tabular_markup(context)


@register.simple_tag(takes_context=True)
def admin_result_rows(context):
    return admin_results.result_rows_markup(context)


@register.tag(name="admin_result_list")
def admin_result_list(parser, token):
    """Django's `{% result_list cl %}` (its template overridable per model and app as there),
    given its rows by common/admin_results.py."""
    return InclusionAdminNode(
        parser,
        token,
        func=admin_results.result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
