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
    pdf = pdf_bytes("DRRS road map")
    (tmp_path / "Road Map.pdf").write_bytes(pdf)

    staff = _signed_in_editor(
        chromium, live_server, django_user_model, "/admin/materials/material/upload/"
    )
    _choose_meeting(staff, "TUG 2018-10-16")
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


def _signed_in_editor(chromium, live_server, django_user_model, next_url):
    user = django_user_model.objects.create_user(
        "editor", password="pw-for-tests-only", is_staff=True
    )
    user.groups.add(ensure_iso_staff_group())
    staff = chromium.new_context(locale="en-US").new_page()
    staff.goto(f"{live_server.url}/admin/login/?next={next_url}")
    staff.fill("#id_username", "editor")
    staff.fill("#id_password", "pw-for-tests-only")
    staff.click("input[type=submit]")
    staff.wait_for_url(f"**{next_url}")
    return staff


def _choose_meeting(page, name: str) -> None:
    """Searches the meeting field (an autocomplete) for `name` and chooses it."""
    page.click("#id_meeting + .select2 .select2-selection")
    page.fill(".select2-search__field", name)
    page.click(f".select2-results__option:has-text('{name}')")


def _topic_labels(page) -> list[str]:
    return page.eval_on_selector_all("#id_topic option", "options => options.map(o => o.text)")


def test_the_topic_list_follows_the_meeting_chosen_on_the_material_form(
    chromium, live_server, django_user_model
):
    """Found from outside: a new material's topic list was empty until it was saved."""
    from tug_portal.materials.models import Material

    load_demo()
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    staff = _signed_in_editor(
        chromium, live_server, django_user_model, "/admin/materials/material/add/"
    )
    assert _topic_labels(staff) == ["---------"]

    _choose_meeting(staff, "TUG 2018-10-16")
    staff.locator("#id_topic option").nth(1).wait_for(state="attached")

    agenda = list(seed.topics.order_by("order", "pk").values_list("title", flat=True))
    assert _topic_labels(staff) == ["---------", *agenda]
    staff.select_option("#id_topic", label=agenda[1])
    staff.fill("#id_title", "Road map")
    staff.select_option("#id_kind", value="other")
    staff.fill("#id_external_url", "https://example.org/road-map.pdf")
    staff.click("input[name=_save]")
    staff.wait_for_url("**/admin/materials/material/")

    assert Material.objects.get(title="Road map").topic.title == agenda[1]
    staff.context.close()


def test_the_topic_list_follows_the_meeting_chosen_for_several_files(
    chromium, live_server, django_user_model
):
    load_demo()
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    staff = _signed_in_editor(
        chromium, live_server, django_user_model, "/admin/materials/material/upload/"
    )

    _choose_meeting(staff, "TUG 2018-10-16")
    staff.locator("#id_topic option").nth(1).wait_for(state="attached")

    agenda = list(seed.topics.order_by("order", "pk").values_list("title", flat=True))
    assert _topic_labels(staff) == ["---------", *agenda]
    staff.context.close()
