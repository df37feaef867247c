"""The list filters' widgets, written in Python (web/form_renderer.py), make exactly the markup
Django's widget templates make: every field of every filter form, empty, chosen and in error
(its `aria-invalid`, its `aria-describedby`), on the page and in the htmx fragment."""

import pytest
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from tug_portal.meetings import search, selectors
from tug_portal.web import form_renderer
from tug_portal.web.form_renderer import PlainWidgetRenderer
from tug_portal.web.forms import AnnouncementFilterForm, ListFilterForm, MeetingFilterForm

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "q=drrs&system=DRRS&when=past",
    'program=tug&when=all&q=a<b>&"c"',
    "system=XYZ&program=nope&when=tomorrow",
    "kind=policy&program=tug",
    "kind=nope&q=" + "x" * 201,
]


def forms(query: str, **renderer):
    data = QueryDict(query)
    programs, systems = list(selectors.programs_active()), search.systems_all()
    return [
        MeetingFilterForm(data, programs=programs, systems=systems, **renderer),
        MeetingFilterForm(data, systems=systems, **renderer),
        AnnouncementFilterForm(data, programs=programs, systems=systems, **renderer),
    ]


def markup(form) -> list[str]:
    """Each field as the templates write it: the whole widget, and each choice's own tag."""
    parts = []
    for field in form:
        parts.append(str(field))
        for choice in field.subwidgets:
            parts += [str(choice.tag()), str(choice.tag(wrap_label=True))]
    return parts


@pytest.mark.parametrize("query", QUERIES)
def test_filter_widgets_written_in_python_equal_djangos_templates(demo, query):
    for ours, djangos in zip(forms(query), forms(query, renderer=DjangoTemplates()), strict=True):
        assert markup(ours) == markup(djangos)
        assert any("<option" in part for part in markup(ours))


def test_filter_widgets_in_error_name_their_reason(demo):
    """What the comparison above covers: a field in error is marked and described."""
    form = forms("system=XYZ")[0]
    assert 'aria-invalid="true" aria-describedby="id_system_error"' in str(form["system"])


def test_filter_forms_render_through_the_plain_renderer(demo):
    for form in forms(""):
        assert isinstance(form.renderer, PlainWidgetRenderer)


def test_plain_renderer_leaves_other_templates_to_django(demo):
    renderer = PlainWidgetRenderer()
    context = {"widget": {"name": "notes", "value": "a<b", "attrs": {"rows": 3}}}

    assert renderer.render("django/forms/widgets/textarea.html", context) == (
        DjangoTemplates().render("django/forms/widgets/textarea.html", context)
    )


@pytest.mark.parametrize("path", ["/", "/programs/tug/", "/announcements/"])
@pytest.mark.parametrize("query", ["", "?system=DRRS&when=past", "?system=XYZ"])
def test_filter_form_on_the_page_is_djangos_markup(admin_client, demo, monkeypatch, path, query):
    """The same page (staff: rendered afresh each time) with Django's template renderer as the
    forms' renderer: the same bytes."""
    ours = admin_client.get(path + query).content
    monkeypatch.setattr(ListFilterForm, "default_renderer", DjangoTemplates())
    djangos = admin_client.get(path + query).content

    assert ours == djangos


class _Marked:
    def __html__(self):
        return "<b>already markup</b>"


@pytest.mark.parametrize(
    "value",
    [
        'a<b>&"c"\'d',
        mark_safe("<i>safe</i>"),
        gettext_lazy("Add another %(model)s"),
        lazy(lambda: mark_safe("<i>lazy and safe</i>"), SafeString)(),
        12,
        None,
        _Marked(),
    ],
)
def test_the_writers_escape_as_django_does(value):
    escaped = form_renderer.escaped(value)

    assert escaped == conditional_escape(value)
    assert type(escaped) is type(conditional_escape(value))
