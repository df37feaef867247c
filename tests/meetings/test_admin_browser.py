"""In real Chromium: the admin's meeting form as ISO staff see it on a laptop."""

import pytest

from tug_portal.common.staff import ensure_iso_staff_group
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 900}


def test_the_meeting_form_fits_a_laptop_window_with_the_sidebar_open(
    chromium, live_server, django_user_model
):
    """The dial-ins' table was wider than its box (1,372 px of page at 1,280): its last columns,
    "Order" and "Delete?", were off screen. It now scrolls within its own box."""
    load_demo()
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    user = django_user_model.objects.create_user(
        "editor", password="pw-for-tests-only", is_staff=True
    )
    user.groups.add(ensure_iso_staff_group())
    staff = chromium.new_context(viewport=LAPTOP, locale="en-US").new_page()
    change_form = f"/admin/meetings/meeting/{seed.pk}/change/"
    staff.goto(f"{live_server.url}/admin/login/?next={change_form}")
    staff.fill("#id_username", "editor")
    staff.fill("#id_password", "pw-for-tests-only")
    staff.click("input[type=submit]")
    staff.wait_for_url(f"**{change_form}")

    assert staff.is_visible("#nav-sidebar")
    assert staff.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    delete_box = staff.locator(".inline-related.tabular td.delete").first
    delete_box.scroll_into_view_if_needed()
    assert delete_box.is_visible()
    staff.context.close()
