"""The admin's actions (the list's "Action" menu): each declares the permission it needs, a
view-only user (the "ISO viewer" group) can run none that writes, and one POST does a bounded
amount of work."""

from datetime import date

import pytest
from django.contrib import admin

from tests.factories import make_meeting, make_program
from tug_portal.common.admin_actions import MAX_ROWS_PER_ACTION
from tug_portal.meetings.models import Meeting

pytestmark = pytest.mark.django_db

MEETINGS = "/admin/meetings/meeting/"
PROGRAMS = "/admin/meetings/program/"


@pytest.fixture
def tug():
    return make_program(recurrence_rule="FREQ=WEEKLY;BYDAY=TU", recurrence_start=date(2030, 1, 1))


def run_action(client, url, action, rows):
    data = {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: [row.pk for row in rows]}
    return client.post(url, data, follow=True)


def every_action():
    for model, model_admin in admin.site._registry.items():
        if not type(model_admin).__module__.startswith("tug_portal."):
            continue  # the libraries' models (axes, celery beat, users): superusers only
        for name in model_admin.actions or ():
            function = model_admin.get_action(name)[0]
            yield f"{model._meta.label_lower}.{name}", function
    yield "site.delete_selected", admin.site.get_action("delete_selected")


@pytest.mark.parametrize("label, function", list(every_action()), ids=lambda v: str(v)[:60])
def test_every_admin_action_declares_its_permissions(label, function):
    assert getattr(function, "allowed_permissions", ()), label


def test_a_viewer_cannot_duplicate_a_meeting(viewer_client, tug):
    meeting = make_meeting(tug)

    response = run_action(viewer_client, MEETINGS, "duplicate_meeting", [meeting])

    assert Meeting.objects.count() == 1
    assert response.status_code == 200  # the list again: Django offers no action it may not run
    assert "Created the draft" not in response.content.decode()


def test_a_viewer_cannot_create_the_next_meetings(viewer_client, tug):
    response = run_action(viewer_client, PROGRAMS, "create_next_meetings", [tug])

    assert Meeting.objects.count() == 0
    assert "created drafts" not in response.content.decode()


def test_an_editor_duplicates_a_meeting(staff_client, tug):
    meeting = make_meeting(tug)

    response = run_action(staff_client, MEETINGS, "duplicate_meeting", [meeting])

    assert Meeting.objects.count() == 2
    assert f"from “{meeting}”" in response.content.decode()


def test_an_editor_creates_the_next_meetings(staff_client, tug):
    response = run_action(staff_client, PROGRAMS, "create_next_meetings", [tug])

    assert Meeting.objects.count() == 4
    assert "created drafts" in response.content.decode()


def test_duplicating_too_many_meetings_at_once_is_refused_whole(staff_client, tug):
    meetings = [make_meeting(tug, date(2030, 1, 1 + day)) for day in range(MAX_ROWS_PER_ACTION + 1)]

    response = run_action(staff_client, MEETINGS, "duplicate_meeting", meetings)

    assert Meeting.objects.count() == MAX_ROWS_PER_ACTION + 1
    assert f"at most {MAX_ROWS_PER_ACTION}" in response.content.decode()
