"""The admin's list of apps and models (every admin page's sidebar, the index) is Django's, its
addresses reversed once per URLconf and script prefix (common/admin_urls.py) instead of twice
per model on every page."""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.test import RequestFactory
from django.urls import clear_script_prefix, reverse, set_script_prefix

from tug_portal.common import admin_urls
from tug_portal.common.admin_site import StaffAdminSite

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize("who", ["admin_user", "staff_client", "viewer_client"])
def test_the_app_list_is_djangos(who, request):
    """A superuser, ISO staff (some models), an ISO viewer (view links only); the whole list and
    one app's."""
    user = request.getfixturevalue(who)
    user = getattr(user, "user", user)
    for label in [None, "meetings", "nope"]:
        ours = admin.site._build_app_dict(_request(user), label)
        djangos = AdminSite._build_app_dict(admin.site, _request(user), label)
        assert ours == djangos, label
    assert admin.site.get_app_list(_request(user))


def _recorded_calls(monkeypatch, owner, name: str, record) -> list:
    """Calls of `owner.name` from now on, each as `record(*args, **kwargs)` says; the function
    still does its work."""
    calls, original = [], getattr(owner, name)

    def recorded(*args, **kwargs):
        calls.append(record(*args, **kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, recorded)
    return calls


def test_an_address_is_reversed_once(admin_user, monkeypatch):
    reversed_names = _recorded_calls(
        monkeypatch, admin_urls, "reverse", lambda name, **k: (name, str(k.get("kwargs")))
    )
    admin_urls.forget()
    admin.site.forget_app_lists()

    for _ in range(3):
        admin.site.get_app_list(_request(admin_user))

    assert reversed_names
    assert len(reversed_names) == len(set(reversed_names))


def test_an_address_follows_the_script_prefix():
    path = admin_urls.reverse_once("admin:meetings_meeting_changelist", current_app="admin")
    try:
        set_script_prefix("/portal/")
        moved = admin_urls.reverse_once("admin:meetings_meeting_changelist", current_app="admin")
        assert moved == reverse("admin:meetings_meeting_changelist") == "/portal" + path
    finally:
        clear_script_prefix()
    assert admin_urls.reverse_once("admin:app_list", kwargs={"app_label": "meetings"}) == (
        reverse("admin:app_list", kwargs={"app_label": "meetings"})
    )


# --- Kept per permission state (issue 17: every admin page built it afresh) -----------------


def _fresh(user):
    """The user as the next request reads it: a new instance, no permission cache."""
    return type(user).objects.get(pk=user.pk)


def _model_names(app_list) -> set[str]:
    return {model["object_name"] for app in app_list for model in app["models"]}


def test_the_app_list_is_built_once_per_permission_state(staff_client, monkeypatch):
    built = _recorded_calls(
        monkeypatch, StaffAdminSite, "_build_app_dict", lambda site, request, label=None: label
    )
    admin.site.forget_app_lists()

    lists = [admin.site.get_app_list(_request(_fresh(staff_client.user))) for _ in range(3)]

    assert built == [None]
    assert lists[0] == lists[1] == lists[2]
    assert lists[0] == AdminSite.get_app_list(admin.site, _request(_fresh(staff_client.user)))


def test_a_permission_granted_or_taken_shows_on_the_next_page(staff_client):
    from django.contrib.auth.models import Permission

    user = staff_client.user
    before = _model_names(admin.site.get_app_list(_request(_fresh(user))))
    assert "PeriodicTask" not in before  # django-celery-beat's, not ISO staff's

    view_tasks = Permission.objects.get(codename="view_periodictask")
    user.user_permissions.add(view_tasks)
    granted = _model_names(admin.site.get_app_list(_request(_fresh(user))))
    user.groups.clear()
    taken = _model_names(admin.site.get_app_list(_request(_fresh(user))))

    assert granted == before | {"PeriodicTask"}
    assert taken == {"PeriodicTask"}


@pytest.mark.parametrize("change", ["is_superuser", "is_active"])
def test_a_user_made_superuser_or_inactive_gets_the_list_of_that_state(staff_client, change):
    user = staff_client.user
    admin.site.get_app_list(_request(_fresh(user)))
    setattr(user, change, not getattr(user, change))
    user.save()

    ours = admin.site.get_app_list(_request(_fresh(user)))

    assert ours == AdminSite.get_app_list(admin.site, _request(_fresh(user)))


def test_a_caller_changing_the_list_changes_nobody_elses(admin_user):
    first = admin.site.get_app_list(_request(admin_user))
    first[0]["models"].clear()
    first[0]["name"] = "changed"
    first.pop()

    again = admin.site.get_app_list(_request(_fresh(admin_user)))

    assert again == AdminSite.get_app_list(admin.site, _request(_fresh(admin_user)))


def test_the_list_follows_the_language(admin_user):
    from django.utils import translation

    with translation.override("de"):
        german = admin.site.get_app_list(_request(_fresh(admin_user)))
        djangos = AdminSite.get_app_list(admin.site, _request(_fresh(admin_user)))
    english = admin.site.get_app_list(_request(_fresh(admin_user)))

    assert german == djangos
    assert english == AdminSite.get_app_list(admin.site, _request(_fresh(admin_user)))
