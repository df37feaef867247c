"""The admin's forms written in Python (common/admin_markup.py: the widgets, labels, error
lists and fieldsets) make exactly the markup Django's templates make: every registered admin's add
and change form, with the demo data and in error, and a meeting's change form with errors in its
inline rows, rendered both ways, are the same bytes (the CSRF token and what an add form draws at
random aside)."""

import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.views import main
from django.contrib.admin.views.main import ChangeList
from django.forms.models import BaseInlineFormSet
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.urls import resolve, reverse

from tests.support.admin_forms import meeting_change_form
from tug_portal.common import admin_cells, admin_inlines, admin_markup, admin_results
from tug_portal.common.admin_formsets import AdminInlineFormSet
from tug_portal.common.admin_lists import DrillDownChangeList
from tug_portal.common.admin_markup import AdminFormRenderer
from tug_portal.meetings.models import Meeting, Program
from tug_portal.reminders.models import Subscriber, Subscription

pytestmark = pytest.mark.django_db

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
# What an add form draws anew each time: a meeting's calendar uid, a TOTP device's key.
DRAWN = re.compile(
    rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{40}\b"
)


def _both_ways(client, settings, monkeypatch, path, data=None) -> tuple[bytes, bytes]:
    """The page (a GET, or a POST of `data`) as served, then as Django's templates alone write
    it."""

    def fetch():
        page = client.get(path) if data is None else client.post(path, data)
        if page.status_code == 302:  # an empty POST that saved: its message shown and gone
            client.get(reverse("admin:index"))
        return page

    ours = fetch()
    with monkeypatch.context() as django_only:
        settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
        django_only.setattr(admin_markup, "fieldset_markup", admin_markup.djangos_fieldset)
        django_only.setattr(admin_markup, "app_list_markup", admin_markup.djangos_app_list)
        django_only.setattr(admin_inlines, "stacked_markup", admin_inlines.djangos_stacked)
        django_only.setattr(admin_inlines, "tabular_markup", admin_inlines.djangos_tabular)
        django_only.setattr(DrillDownChangeList, "url_for_result", ChangeList.url_for_result)
        django_only.setattr(AdminInlineFormSet, "empty_form", BaseInlineFormSet.empty_form)
        django_only.setattr(admin_results, "result_rows_markup", admin_results.djangos_result_rows)
        django_only.setattr(admin_cells, "result_rows", admin_list.results)
        djangos = fetch()
    settings.FORM_RENDERER = "tug_portal.common.admin_markup.AdminFormRenderer"
    assert ours.status_code == djangos.status_code
    return tuple(DRAWN.sub(b"", CSRF.sub(b"", page.content)) for page in (ours, djangos))


def _first_difference(ours: bytes, djangos: bytes) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(ours, djangos, strict=False)) if a != b),
        min(len(ours), len(djangos)),
    )
    return f"ours: {ours[at - 300 : at + 200]!r}\ndjango's: {djangos[at - 300 : at + 200]!r}"


def _form_pages():
    """Every registered admin's add form, and its first object's change form."""
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        yield reverse("admin:{}_{}_add".format(*info))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[first.pk])


def _list_pages():
    """The admin's index, each app's index and every registered admin's list."""
    yield reverse("admin:index")
    for model in admin.site._registry:
        yield reverse("admin:app_list", args=[model._meta.app_label])
        yield reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_the_project_renders_forms_with_the_admin_markup_renderer():
    assert isinstance(get_default_renderer(), AdminFormRenderer)


def test_every_admin_form_is_djangos_markup(admin_client, demo, settings, monkeypatch):
    pages = list(_form_pages())
    assert len(pages) > 30
    for path in pages:
        ours, djangos = _both_ways(admin_client, settings, monkeypatch, path)
        assert ours == djangos, (path, _first_difference(ours, djangos))


def test_every_admin_list_is_djangos_markup(admin_client, demo, settings, monkeypatch):
    """Their sidebar (the app list) and the index's app list."""
    for path in dict.fromkeys(_list_pages()):
        ours, djangos = _both_ways(admin_client, settings, monkeypatch, path)
        assert ours == djangos, (path, _first_difference(ours, djangos))
        assert b"<caption>" in ours


def test_an_admin_page_for_staff_who_may_see_little_is_djangos_markup(
    viewer_client, demo, settings, monkeypatch
):
    """A view-only user's sidebar: view links, no add links."""
    for path in ["/admin/", "/admin/meetings/meeting/"]:
        ours, djangos = _both_ways(viewer_client, settings, monkeypatch, path)
        assert ours == djangos, (path, _first_difference(ours, djangos))
        assert b"viewlink" in ours or b"current-model" in ours


def test_every_admin_form_in_error_is_djangos_markup(admin_client, demo, settings, monkeypatch):
    """An empty POST: required fields in error, a formset's missing management data."""
    shown_in_error = 0
    for path in _form_pages():
        ours, djangos = _both_ways(admin_client, settings, monkeypatch, path, {})
        assert ours == djangos, (path, _first_difference(ours, djangos))
        shown_in_error += b'class="errorlist' in ours
    assert shown_in_error > 20


def test_a_meeting_with_errors_in_its_rows_is_djangos_markup(
    admin_client, demo, settings, monkeypatch
):
    """Errors on a line of several fields (a topic's order and title), in a tabular row (a
    dial-in), and on the meeting's own fields."""
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    data = meeting_change_form(
        seed,
        end_time="00:01",
        web_conference_url="not a url",
        **{
            "topics-TOTAL_FORMS": "1",
            "topics-0-order": "first",
            "topics-0-facilitators": "999999",
            "dial_ins-TOTAL_FORMS": "1",
            "dial_ins-0-number": "",
            "dial_ins-0-label": "x" * 500,
        },
    )
    path = reverse("admin:meetings_meeting_change", args=[seed.pk])

    ours, djangos = _both_ways(admin_client, settings, monkeypatch, path, data)

    assert ours == djangos, _first_difference(ours, djangos)
    assert ours.count(b'class="errorlist') >= 4
    assert b"fieldBox field-order errors" in ours


def test_the_renderer_leaves_templates_it_does_not_write_to_django():
    context = {"widget": {"name": "when", "value": "x", "attrs": {}, "template_name": "other"}}
    ours = AdminFormRenderer().render("django/forms/widgets/radio.html", {**context})
    djangos = DjangoTemplates().render("django/forms/widgets/radio.html", {**context})

    assert ours == djangos, _first_difference(ours, djangos)


def _inline_form_pages():
    """The add and change forms of every registered admin with inlines."""
    for path in _form_pages():
        model_admin = admin.site._registry[resolve(path).func.model_admin.model]
        if model_admin.inlines:
            yield path


@pytest.mark.parametrize("who", ["admin_client", "viewer_client"])
def test_every_inline_is_written_in_python_as_djangos_markup(
    who, request, demo, settings, monkeypatch
):
    """The stacked and tabular inlines (common/admin_inlines.py), with links to their rows'
    own change forms (a view link for a view-only user), for an admin and a view-only user."""
    client = request.getfixturevalue(who)
    # A row in a tabular inline whose model has an admin of its own (its change link).
    subscriber = Subscriber.objects.create(email="a@example.com")
    Subscription.objects.create(subscriber=subscriber, program=Program.objects.first())
    for model_admin in admin.site._registry.values():
        for inline in model_admin.inlines:
            monkeypatch.setattr(inline, "show_change_link", True)
    written = []
    for name in ("_stacked", "_tabular"):
        original = getattr(admin_inlines, name)
        monkeypatch.setattr(
            admin_inlines,
            name,
            lambda context, formset, original=original, name=name: (
                written.append(name) or original(context, formset)
            ),
        )
    pages = list(_inline_form_pages())
    assert len(pages) >= 8
    links = 0
    for path in pages:
        ours, djangos = _both_ways(client, settings, monkeypatch, path)
        assert ours == djangos, (path, _first_difference(ours, djangos))
        links += ours.count(b'class="inlinechangelink"') + ours.count(b'class="inlineviewlink"')
    assert {"_stacked", "_tabular"} <= set(written)
    assert links > 0


def test_a_list_reverses_its_rows_links_once(admin_client, demo, monkeypatch):
    """The rows' links to their change forms (compared with Django's above)."""
    reversed_urls = []
    djangos_reverse = main.reverse
    monkeypatch.setattr(
        main, "reverse", lambda *a, **k: reversed_urls.append(a[0]) or djangos_reverse(*a, **k)
    )

    page = admin_client.get(reverse("admin:meetings_meeting_changelist"))

    assert page.content.count(b"/change/") >= 5
    assert reversed_urls.count("admin:meetings_meeting_change") == 1


def test_every_inline_builds_its_empty_form_once_per_formset(admin_client, demo):
    """(Compared with Django's, built anew at each reading, above.)"""
    inlines = [inline for m in admin.site._registry.values() for inline in m.inlines]
    assert len(inlines) >= 7
    assert all(issubclass(inline.formset, AdminInlineFormSet) for inline in inlines)
    seed = Meeting.objects.get(slug="tug-2018-10-16")

    page = admin_client.get(reverse("admin:meetings_meeting_change", args=[seed.pk]))

    for inline_admin_formset in page.context["inline_admin_formsets"]:
        formset = inline_admin_formset.formset
        assert formset.empty_form is formset.empty_form


class _LabelledForm(forms.Form):
    required_css_class = "needed"
    name = forms.CharField(label="Name")
    ready = forms.BooleanField(required=False)
    why = forms.CharField(label="Why?", required=False)
    code = forms.CharField(label="Code <b>", label_suffix=" →")
    hidden = forms.CharField(widget=forms.HiddenInput)
    bare = forms.CharField(widget=forms.TextInput(attrs={"id": "chosen-id"}))


@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_admin_labels_written_in_python_are_djangos(auto_id):
    """Required (and the form's required class), a checkbox, a label ending in punctuation, a
    suffix of the field's own, a widget's own id, no ids at all; first on its line or not."""
    form = _LabelledForm(auto_id=auto_id)
    for name in form.fields:
        for is_first in (True, False):
            field = helpers.AdminField(form, name, is_first)
            assert admin_markup._admin_label(field) == field.label_tag(), (name, is_first)
