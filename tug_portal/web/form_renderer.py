"""The list filter forms' widgets written in plain Python, with the markup Django's own widget
templates make, byte for byte (tests/web/test_form_renderer.py compares them for every field
state: empty, chosen, in error).

Why: the filters are on every list page, and a page rendered afresh (staff, the first visitor
after an edit) rendered each of a select's options, and each "When" radio, through Django's
per-option widget templates (`select_option.html`, `attrs.html`, `input.html`): some 3-4 ms of
template machinery per page for a few dozen `<option>`s. The forms name this renderer as their
`default_renderer` (the documented hook); the widgets, their context (`Widget.get_context`),
the bound field's attributes (ids, `aria-describedby`, `aria-invalid`, `checked`, `selected`)
stay Django's. Only the last step, turning that context into markup, is ours, and only for the
templates below: any other template falls back to Django's renderer unchanged.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.safestring import SafeData, SafeString


def escaped(value) -> str:
    """Django's `conditional_escape`, the same result, without the check its `escape` makes of
    every call's arguments for a lazy string (`keep_lazy`): a lazy string is made a str first
    here, as conditional_escape itself does. The writers escape a few thousand values a page
    (an admin change form: ~2,000), and that check was most of each escape's cost."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return SafeString(html.escape(str(value)))


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}` with autoescaping: escaped unless already safe."""
    text = "%s" % (value,)  # noqa: UP031 - what the stringformat filter does
    return text if isinstance(value, SafeData) else escaped(text)


def _text(value) -> str:
    """`{{ value }}` with autoescaping (the widgets' names, types and labels are strings)."""
    return escaped(value if isinstance(value, str) else str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        )
    return "".join(parts)


# Each template below ends with a newline, which an include keeps (and the renderer strips
# from the whole widget): the markup keeps it too.


def _input(widget: dict) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>\n"
    )


def _input_option(widget: dict) -> str:
    """django/forms/widgets/input_option.html (a radio or checkbox of a choice)."""
    tag = _input(widget)
    if not widget.get("wrap_label"):
        return tag
    label_id = widget["attrs"].get("id")
    label_for = f' for="{_text(label_id)}"' if label_id else ""
    return f"<label{label_for}>{tag} {_text(widget['label'])}</label>"


def _select_option(widget: dict) -> str:
    """django/forms/widgets/select_option.html."""
    return (
        f'<option value="{_formatted(widget["value"])}"{_attrs(widget["attrs"])}>'
        f"{_text(widget['label'])}</option>\n"
    )


def _select(widget: dict) -> str:
    """django/forms/widgets/select.html, its options written here rather than included."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            option_markup = OPTION_WRITERS.get(option["template_name"])
            if option_markup is None:  # an option template of another kind: not ours
                return None
            parts.append(f"\n  {option_markup(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


OPTION_WRITERS = {"django/forms/widgets/select_option.html": _select_option}

# Django's widget template -> what writes its markup from the template's `widget` context.
WRITERS = {
    **{
        f"django/forms/widgets/{kind}.html": _input
        for kind in ("input", "text", "search", "number", "email", "url", "tel", "hidden")
    },
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/select_option.html": _select_option,
    "django/forms/widgets/radio_option.html": _input_option,
    "django/forms/widgets/checkbox_option.html": _input_option,
    "django/forms/widgets/input_option.html": _input_option,
}


class PlainWidgetRenderer(DjangoTemplates):
    """Django's template renderer, except that the widget templates in WRITERS are written in
    Python (the same markup, stripped as `BaseRenderer.render` strips it)."""

    writers = WRITERS  # template -> what writes it from its `widget` (a subclass adds more)

    def render(self, template_name, context, request=None):
        writer = self.writers.get(template_name)
        widget = context.get("widget") if writer else None
        markup = writer(widget) if widget is not None else None
        if markup is None:
            return super().render(template_name, context, request=request)
        return markup.strip()


plain_widget_renderer = PlainWidgetRenderer()
