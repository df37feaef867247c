"""What stakeholders see: the meeting page's Materials section, downloads as attachments of
their checked type (or a signed URL on S3), drafts nowhere (404), the program page, search
and the API."""

import urllib.error
import urllib.request
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_meeting, make_program
from tug_portal.materials import services
from tug_portal.materials.models import Material
from tug_portal.meetings.models import AgendaTopic

pytestmark = pytest.mark.django_db


def post(meeting, pdf, *, title="OMS road map", publish=True, **values):
    upload = SimpleUploadedFile("Road Map.pdf", pdf, content_type="application/pdf")
    return services.material_create(
        meeting=meeting, title=title, upload=upload, publish=publish, **values
    )


def download_path(material):
    return reverse(
        "materials:download",
        kwargs={"public_id": material.public_id, "file_name": material.file_name},
    )


def test_meeting_page_lists_materials_by_topic_with_kind_size_date_and_version(
    client, meeting, pdf, media_root
):
    topic = AgendaTopic.objects.create(meeting=meeting, title="OMS Road Map", order=1)
    post(meeting, pdf, title="Slides for the road map", topic=topic)
    services.material_create(
        meeting=meeting,
        title="Technical specification",
        kind=Material.Kind.TECHNICAL_DOCUMENT,
        external_url="https://example.org/spec.pdf",
        page="11",
        publish=True,
    )
    page = client.get(meeting.get_absolute_url()).content.decode()
    section = page[page.index('id="materials-title"') :]
    assert section.index("Technical specification") < section.index("OMS Road Map")
    assert "Slides for the road map" in section and "Presentation" in section
    assert "see page 11" in section and "https://example.org/spec.pdf" in section
    assert filesizeformat(len(pdf)) in section and "posted" in section


def test_a_stakeholder_downloads_a_published_file_as_an_attachment(
    client, meeting, pdf, media_root
):
    material = post(meeting, pdf)
    response = client.get(download_path(material))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="road-map.pdf"'
    assert b"".join(response.streaming_content) == pdf


def test_a_draft_is_a_404_for_the_public_everywhere(client, staff_client, meeting, pdf, media_root):
    material = post(meeting, pdf, title="Secret draft deck", publish=False)
    assert client.get(download_path(material)).status_code == 404
    assert "Secret draft deck" not in client.get(meeting.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/meetings/{meeting.slug}").json()
    assert api["materials"] == []
    assert client.get("/", {"q": "Secret draft"}).content.decode().count("Secret draft deck") == 0
    assert b"Secret draft deck" not in b"".join(
        client.get(f"/meetings/{meeting.slug}.ics").streaming_content
    )
    # Staff see it (and may download it) to check it before publishing.
    assert staff_client.get(download_path(material)).status_code == 200


def test_a_published_material_of_a_draft_meeting_is_a_404(client, meeting, pdf, media_root):
    material = post(meeting, pdf)
    meeting.is_published = False
    meeting.save()
    assert client.get(download_path(material)).status_code == 404


def test_a_material_not_yet_public_is_a_404_until_its_moment(
    client, meeting, pdf, media_root, time_machine
):
    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    material = post(meeting, pdf, public_from=timezone.now() + timedelta(hours=1))
    assert client.get(download_path(material)).status_code == 404
    time_machine.shift(timedelta(hours=2))
    assert client.get(download_path(material)).status_code == 200


def test_a_download_from_s3_is_a_short_lived_signed_url_of_an_attachment(
    client, meeting, pdf, s3_storage
):
    material = post(meeting, pdf)
    response = client.get(download_path(material))
    assert response.status_code == 302
    signed = response["Location"]
    assert "Signature" in signed or "X-Amz-Signature" in signed
    assert "Expires=" in signed or "X-Amz-Expires=300" in signed
    with urllib.request.urlopen(signed, timeout=10) as fetched:
        assert fetched.status == 200 and fetched.read() == pdf
        assert fetched.headers["Content-Type"] == "application/pdf"
        assert fetched.headers["Content-Disposition"] == 'attachment; filename="road-map.pdf"'
    # The object itself, unsigned, is private.
    client_s3, bucket = s3_storage
    endpoint = client_s3.meta.endpoint_url
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{endpoint}/{bucket}/{material.file_key}", timeout=10)
    assert refused.value.code == 403


def test_program_page_lists_the_latest_materials(client, meeting, pdf, media_root):
    post(meeting, pdf, title="Latest slides")
    page = client.get(meeting.program.get_absolute_url()).content.decode()
    assert "Latest materials" in page and "Latest slides" in page


def test_search_finds_materials_by_title(client, meeting, pdf, media_root):
    post(meeting, pdf, title="Settlement quantity analysis")
    page = client.get("/", {"q": "quantity analysis"}).content.decode()
    assert "Settlement quantity analysis" in page


def test_the_api_lists_published_materials_and_its_schema_says_so(client, meeting, pdf, media_root):
    material = post(meeting, pdf, title="Deck")
    answer = client.get(f"/api/v1/meetings/{meeting.slug}").json()
    (listed,) = answer["materials"]
    assert listed["title"] == "Deck" and listed["kind"] == "presentation"
    assert listed["url"].endswith(download_path(material))
    assert listed["content_type"] == "application/pdf" and listed["size"] == len(pdf)
    schema = client.get("/api/v1/openapi.json").json()
    assert "MaterialOut" in schema["components"]["schemas"]


def test_publishing_a_material_bumps_the_meetings_calendar_sequence(
    pdf, media_root, django_capture_on_commit_callbacks
):
    from tests.factories import make_meeting, make_program

    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program())
    meeting.refresh_from_db()
    before = meeting.calendar_sequence
    with django_capture_on_commit_callbacks(execute=True):
        material = post(meeting, pdf, publish=False)
    meeting.refresh_from_db()
    assert meeting.calendar_sequence == before  # a draft changes nothing the public sees
    with django_capture_on_commit_callbacks(execute=True):
        services.material_publish(material=material)
    meeting.refresh_from_db()
    assert meeting.calendar_sequence == before + 1
    assert meeting.change_summary == ""  # no "agenda updated" mail for a posted file


# --- The program page's "Latest materials" and a meeting page's section, kept (issue 17:
# web/fragments.py): every edit shows at once, and what the clock changes, when it does -------


@pytest.fixture
def committed_meeting(db, django_capture_on_commit_callbacks):
    """A meeting whose creation has committed (its calendar state synced): a later edit is a
    transaction of its own, as in the admin."""
    with django_capture_on_commit_callbacks(execute=True):
        return make_meeting(make_program(), title="Technology User Group")


def _program_page(browser, meeting) -> str:
    response = browser.get(meeting.program.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _meeting_page(browser, meeting) -> str:
    response = browser.get(meeting.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _link(meeting, *, title, **values):
    return services.material_create(
        meeting=meeting,
        title=title,
        kind=Material.Kind.TECHNICAL_DOCUMENT,
        external_url="https://example.org/spec.pdf",
        publish=True,
        **values,
    )


@pytest.mark.parametrize("page", ["program", "meeting"])
def test_page_shows_an_edited_material_at_once(
    staff_client, committed_meeting, django_capture_on_commit_callbacks, page
):
    """The program page's "Latest materials" and the meeting page's section, both kept."""
    shown = {"program": _program_page, "meeting": _meeting_page}[page]
    with django_capture_on_commit_callbacks(execute=True):
        material = _link(committed_meeting, title="First title")
    assert "First title" in shown(staff_client, committed_meeting)

    with django_capture_on_commit_callbacks(execute=True):
        material.title = "Second title"
        material.save()

    text = shown(staff_client, committed_meeting)
    assert "Second title" in text and "First title" not in text


def test_meeting_page_shows_staff_a_draft_material_and_the_public_not(
    client, staff_client, committed_meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.material_create(
            meeting=committed_meeting,
            title="Draft slides",
            external_url="https://example.org/draft.pdf",
            publish=False,
        )

    assert "Draft slides" in _meeting_page(staff_client, committed_meeting)
    assert "Draft slides" not in _meeting_page(client, committed_meeting)
    assert "Draft slides" in _meeting_page(staff_client, committed_meeting)


@pytest.mark.parametrize("page", ["program", "meeting"])
def test_page_lists_a_material_the_moment_its_public_from_passes(
    client, committed_meeting, time_machine, django_capture_on_commit_callbacks, settings, page
):
    """No edit and no sweep: the kept list knows when the clock changes it."""
    settings.TUG_WEB_PAGE_CACHE_SECONDS = 0  # the page itself rendered every time
    shown = {"program": _program_page, "meeting": _meeting_page}[page]
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        later = timezone.now() + timedelta(hours=1)
        _link(committed_meeting, title="Public later", public_from=later)
    assert "Public later" not in shown(client, committed_meeting)

    time_machine.shift(timedelta(hours=1))

    assert "Public later" in shown(client, committed_meeting)


@pytest.mark.parametrize("page", ["program", "meeting"])
def test_page_drops_a_material_once_its_last_day_has_ended(
    client, committed_meeting, time_machine, django_capture_on_commit_callbacks, settings, page
):
    settings.TUG_WEB_PAGE_CACHE_SECONDS = 0
    shown = {"program": _program_page, "meeting": _meeting_page}[page]
    time_machine.move_to(timezone.now(), tick=False)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        _link(committed_meeting, title="Until today", available_until=today)
    assert "Until today" in shown(client, committed_meeting)

    midnight = datetime.combine(today + timedelta(days=1), time.min)
    time_machine.move_to(timezone.make_aware(midnight), tick=False)

    assert "Until today" not in shown(client, committed_meeting)


def test_staff_see_when_a_material_not_yet_public_becomes_public(
    client, staff_client, committed_meeting, time_machine, django_capture_on_commit_callbacks
):
    """Staff see every published material on the meeting page: one the public cannot see yet
    says so, and says when it will; at that instant the marker goes."""
    time_machine.move_to(timezone.now(), tick=False)
    later = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        _link(committed_meeting, title="Handout for later", public_from=later)

    staff_page = _meeting_page(staff_client, committed_meeting)
    assert "Handout for later" in staff_page
    # In the portal's zone (Pacific), as its other dates and times.
    assert f"Not public until {timezone.localtime(later):%-d %b %Y, %H:%M}" in staff_page
    assert "Handout for later" not in _meeting_page(client, committed_meeting)

    time_machine.shift(timedelta(hours=2))

    assert "Not public until" not in _meeting_page(staff_client, committed_meeting)
