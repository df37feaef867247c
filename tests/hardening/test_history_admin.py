"""The history form ("Revert") of every model recorded by django-simple-history: a view-only
user (the "ISO viewer" group) may look at old versions, never save one."""

import pytest
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tug_portal.common.history_admin import HistoryAdmin
from tug_portal.common.staff import ensure_iso_viewer_group
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import AgendaRequest, Person, Program

pytestmark = pytest.mark.django_db

HISTORY_MODELS = [
    model
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, SimpleHistoryAdmin)
]


def history_form_url(obj) -> str:
    opts = obj._meta
    version = obj.history.latest().history_id
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/history/{version}/"


def person_form(person, **changes) -> dict:
    data = {"name": person.name, "email": person.email, "organization": person.organization}
    return data | changes


def test_every_history_admin_guards_its_history_form():
    assert HISTORY_MODELS
    for model in HISTORY_MODELS:
        assert isinstance(admin.site._registry[model], HistoryAdmin), model


def test_viewer_group_holds_view_permissions_only():
    codenames = set(ensure_iso_viewer_group().permissions.values_list("codename", flat=True))

    assert codenames
    assert {codename.split("_", 1)[0] for codename in codenames} == {"view"}
    assert "view_person" in codenames and "view_user" not in codenames


def test_viewer_cannot_revert_a_contact_through_its_history(viewer_client):
    load_demo()
    person = Person.objects.exclude(email="").first()
    url = history_form_url(person)

    assert viewer_client.get(url).status_code == 200  # looking is allowed
    response = viewer_client.post(url, person_form(person, email="attacker@example.com"))

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.email != "attacker@example.com"


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model._meta.label_lower)
def test_viewer_cannot_post_any_history_form(viewer_client, model):
    load_demo()
    obj = model.objects.first()
    if obj is None:  # the demo has no agenda request
        obj = AgendaRequest.objects.create(
            program=Program.objects.first(), name="Ada", email="ada@example.com", topic="DRRS"
        )
    before = obj.history.count()

    response = viewer_client.post(history_form_url(obj), {})

    assert response.status_code == 403
    assert obj.history.count() == before


def test_editor_still_reverts_through_the_history(staff_client):
    load_demo()
    person = Person.objects.exclude(email="").first()
    old_email = person.email
    Person.objects.filter(pk=person.pk).update(email="new@example.com")

    response = staff_client.post(history_form_url(person), person_form(person, email=old_email))

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == old_email


UNREADABLE_IDS = ["1/history/abc", "abc/history/1", "1/history/99999999999999999999"]


@pytest.mark.parametrize("ids", UNREADABLE_IDS)
@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model._meta.label_lower)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_history_form_of_an_unreadable_id_is_not_found(staff_client, model, ids, method):
    opts = model._meta

    response = getattr(staff_client, method)(f"/admin/{opts.app_label}/{opts.model_name}/{ids}/")

    assert response.status_code == 404


def test_a_deleted_row_is_brought_back_only_by_who_may_add_it(viewer_client, staff_client):
    """Found from outside: the viewer's POST to a deleted agenda request's history form saved
    it again, with the viewer's values (the check ran only for a row that still existed). A
    deleted row brought back is an add: the viewer may not, nor may staff for an agenda request
    (requests come from the public form only)."""
    request = AgendaRequest.objects.create(
        program=Program.objects.create(name="TUG", acronym="TUG", slug="tug"),
        name="Ada",
        email="ada@example.com",
        topic="DRRS",
    )
    url = history_form_url(request)
    request.delete()

    for client in (viewer_client, staff_client):
        response = client.post(url, {"status": "accepted", "program": request.program_id})
        assert response.status_code == 403
    assert not AgendaRequest.objects.exists()


def test_staff_bring_back_a_deleted_person_through_its_history(staff_client):
    person = Person.objects.create(name="Ada Lovelace", email="ada@example.com")
    url = history_form_url(person)
    person.delete()

    response = staff_client.post(url, person_form(person))

    assert response.status_code == 302
    assert Person.objects.filter(name="Ada Lovelace").exists()
