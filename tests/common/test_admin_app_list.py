"""The admin's list of apps and models (every admin page's sidebar, the index) is Django's, its
addresses reversed once per URLconf and script prefix (common/admin_urls.py) instead of twice
per model on every page."""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.test import RequestFactory
from django.urls import clear_script_prefix, reverse, set_script_prefix

from tug_portal.common import admin_urls

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


def test_an_address_is_reversed_once(admin_user, monkeypatch):
    reversed_names = []
    djangos = admin_urls.reverse
    monkeypatch.setattr(
        admin_urls,
        "reverse",
        lambda *a, **k: reversed_names.append((a[0], str(k.get("kwargs")))) or djangos(*a, **k),
    )
    admin_urls.forget()

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
