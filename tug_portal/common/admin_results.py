"""The rows of an admin list (the body of `admin/change_list_results.html`) written in plain
Python, with the markup Django's template makes, byte for byte; tests/common/test_admin_markup.py
renders every registered admin's list both ways and compares them.

Why: a list page of 50 meetings has 400 cells, each of which the template printed through its
variable lookup, localisation and escaping (a tenth of the list's calls). The cells themselves
(each one already markup) are made as Django's `items_for_result` makes them, by
common/admin_cells.py: `result_list` below is the context of `{% admin_result_list cl %}`, which
templates/admin/change_list.html puts in place of Django's `{% result_list cl %}`. The rest of
the template is Django's, unchanged.
"""

from django.contrib.admin.templatetags.admin_list import result_headers, result_hidden_fields
from django.template import Template
from django.template.base import render_value_in_context
from django.utils.safestring import mark_safe

from tug_portal.common import admin_cells
from tug_portal.web.form_renderer import escaped

# The loop this replaces, as Django's template writes it (kept for the comparison, and for a
# list whose rows are not what the admin gives).
DJANGOS_ROWS = """{% for result in results %}
{% if result.form and result.form.non_field_errors %}
    <tr><td colspan="{{ result|length }}">{{ result.form.non_field_errors }}</td></tr>
{% endif %}
<tr>{% for item in result %}{{ item }}{% endfor %}</tr>
{% endfor %}"""


def _cell(item, context) -> str:
    if isinstance(item, str):
        return escaped(item)
    return render_value_in_context(item, context)


def result_rows_markup(context) -> str:
    """What `{% admin_result_rows %}` writes: each row's cells (and a row's form errors, for a
    list with editable columns)."""
    results = context.get("results")
    if not isinstance(results, list) or not all(isinstance(row, list) for row in results):
        return djangos_result_rows(context)
    out = []
    for result in results:
        out.append("\n")
        form = getattr(result, "form", None)
        errors = form.non_field_errors() if form else None
        if errors:
            out.append(f'\n    <tr><td colspan="{len(result)}">{escaped(errors)}</td></tr>\n')
        out.append(f"\n<tr>{''.join(_cell(item, context) for item in result)}</tr>\n")
    return mark_safe("".join(out))  # noqa: S308 - every cell escaped as the template does


def djangos_result_rows(context) -> str:
    return Template(DJANGOS_ROWS, engine=context.template.engine).render(context)


def result_list(cl) -> dict:
    """The context Django's `{% result_list cl %}` gives its template, its rows' cells made by
    common/admin_cells.py (once per column, not once per cell)."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(admin_cells.result_rows(cl)),
    }
