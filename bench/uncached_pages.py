"""Row 8: pages rendered afresh, as staff and the first visitor after an edit get
them. The page cache serves anonymous visitors (rows 1a-1d); a request carrying a session
cookie is never served from it, so these rows time the view, its queries and its template.

All six are requested signed in as a staff superuser (a session cookie that names no session
is served from the page cache: web/cache.py): 8a-8d the four public pages as staff see them
(drafts included), 8e-8f the admin's meeting list and the seed meeting's change form."""

from django.urls import reverse

from .table import Row, Target

SEED_MEETING_SLUG = "tug-2018-10-16"
PAGE_TARGET = Target("<=", 10)
ADMIN_TARGET = Target("<=", 20)
STAFF_USERNAME = "bench-staff"


def staff_cookie() -> dict[str, str]:
    """A signed-in superuser's session cookie (made once per dataset: the database is new)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"Cookie": f"{name}={client.cookies[name].value}"}


def pages() -> list[tuple[str, str, str, Target, dict]]:
    """(key, name, url, target, headers) of each row."""
    from tug_portal.meetings.models import Meeting

    seed = Meeting.objects.get(slug=SEED_MEETING_SLUG)
    staff = staff_cookie()
    public = [
        ("8a", "/"),
        ("8b", "/programs/tug/"),
        ("8c", seed.get_absolute_url()),
        ("8d", "/announcements/"),
    ]
    rows = [
        (key, f"GET {url} rendered afresh (staff: no page cache)", url, PAGE_TARGET, staff)
        for key, url in public
    ]
    rows += [
        (
            "8e",
            "admin: meeting list (staff)",
            reverse("admin:meetings_meeting_changelist"),
            ADMIN_TARGET,
            staff,
        ),
        (
            "8f",
            f"admin: change form of {SEED_MEETING_SLUG} (staff)",
            reverse("admin:meetings_meeting_change", args=[seed.pk]),
            ADMIN_TARGET,
            staff,
        ),
    ]
    return rows


def uncached_page_rows(settings, latency_row) -> list[Row]:
    return [
        latency_row(key, name, target, url, settings, headers=headers)
        for key, name, url, target, headers in pages()
    ]
