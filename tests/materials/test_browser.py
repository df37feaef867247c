"""In real Chromium: ISO staff upload a PDF in the admin, a stakeholder downloads it from the
meeting page."""

from pathlib import Path

import pytest

from tests.materials.conftest import pdf_bytes
from tug_portal.common.staff import ensure_iso_staff_group
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Meeting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_upload_a_pdf_and_a_stakeholder_downloads_it(
    chromium, live_server, django_user_model, media_root, tmp_path
):
    load_demo()
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    user = django_user_model.objects.create_user(
        "editor", password="pw-for-tests-only", is_staff=True
    )
    user.groups.add(ensure_iso_staff_group())
    pdf = pdf_bytes("DRRS road map")
    (tmp_path / "Road Map.pdf").write_bytes(pdf)

    staff = chromium.new_context(locale="en-US").new_page()
    staff.goto(live_server.url + "/admin/login/?next=/admin/materials/material/upload/")
    staff.fill("#id_username", "editor")
    staff.fill("#id_password", "pw-for-tests-only")
    staff.click("input[type=submit]")
    staff.wait_for_url("**/admin/materials/material/upload/")
    staff.select_option("#id_meeting", value=str(seed.pk))
    staff.select_option("#id_kind", value="presentation")
    staff.set_input_files("#id_files", str(tmp_path / "Road Map.pdf"))
    staff.check("#id_publish")
    staff.click("input[type=submit]")
    staff.wait_for_url(f"**/admin/meetings/meeting/{seed.pk}/change/")
    assert "1 materials added" in staff.content()
    staff.context.close()

    visitor = chromium.new_context(locale="en-US", accept_downloads=True).new_page()
    visitor.goto(live_server.url + seed.get_absolute_url())
    link = visitor.get_by_role("link", name="Road Map")
    with visitor.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "road-map.pdf"
    assert Path(download.path()).read_bytes() == pdf
    visitor.context.close()
