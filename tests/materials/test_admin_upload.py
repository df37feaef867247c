"""Staff post materials through the admin: a real multipart POST of the meeting's change form,
stored in the folder or in the S3-protocol server, refused with a reason and nothing saved."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.materials.conftest import ooxml_bytes
from tests.support.admin_forms import meeting_change_form
from tug_portal.materials.models import Material
from tug_portal.meetings.models import AgendaTopic

pytestmark = pytest.mark.django_db


def material_rows(*rows):
    data = {"materials-TOTAL_FORMS": str(len(rows)), "materials-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data |= {f"materials-{index}-{key}": value for key, value in row.items()}
    return data


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def post_meeting(staff_client, meeting, **rows):
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = {**meeting_change_form(meeting), **material_rows(*rows.values())}
    return staff_client.post(url, data)


def test_staff_upload_a_pdf_on_the_meetings_form_and_it_is_stored_in_the_folder(
    staff_client, meeting, pdf, media_root
):
    response = post_meeting(
        staff_client,
        meeting,
        slides={
            "kind": "presentation",
            "title": "OMS road map",
            "state": "published",
            "upload": upload("../../Road Map (final).PDF", pdf),
        },
    )
    assert response.status_code == 302, response.content[:2000]
    material = Material.objects.get()
    assert (material.kind, material.title, material.state) == (
        "presentation",
        "OMS road map",
        "published",
    )
    assert material.file_name == "road-map-final.pdf"
    assert material.content_type == "application/pdf"
    assert material.size == len(pdf)
    assert material.posted_by == staff_client.user and material.posted_at
    stored = media_root / material.file_key
    assert stored.read_bytes() == pdf
    assert ".." not in material.file_key and material.file_key.endswith("/road-map-final.pdf")


def test_staff_upload_to_the_s3_protocol_server(staff_client, meeting, pdf, s3_storage):
    client, bucket = s3_storage
    response = post_meeting(
        staff_client,
        meeting,
        deck={
            "kind": "presentation",
            "title": "Deck",
            "state": "published",
            "upload": upload("deck.pdf", pdf),
        },
    )
    assert response.status_code == 302
    material = Material.objects.get()
    body = client.get_object(Bucket=bucket, Key=material.file_key)["Body"].read()
    assert body == pdf


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("slides.pdf", b"MZ\x90\x00" + b"\x00" * 200, "not accepted"),  # a program, named .pdf
        ("notes.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "not accepted"),
        ("minutes.docx", b"PK\x03\x04 not really a zip", "damaged"),
        ("archive.pptx", None, "not a Word, PowerPoint or Excel"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_with_its_reason_and_nothing_is_saved(
    staff_client, meeting, media_root, name, content, reason
):
    if content is None:  # a zip archive, but no Office document
        buffer = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        content = buffer.getvalue()
    response = post_meeting(
        staff_client,
        meeting,
        bad={
            "kind": "presentation",
            "title": "Bad",
            "state": "published",
            "upload": upload(name, content),
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    errors = str(response.context["inline_admin_formsets"][-1].formset.errors)
    assert reason in errors, errors
    assert not Material.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_a_file_over_its_kinds_limit_is_refused(staff_client, meeting, media_root, settings, pdf):
    settings.TUG_MATERIALS_MAX_FILE_BYTES = len(pdf) - 1
    response = post_meeting(
        staff_client,
        meeting,
        big={
            "kind": "minutes",
            "title": "Minutes",
            "state": "draft",
            "upload": upload("m.pdf", pdf),
        },
    )
    assert response.status_code == 200
    assert "a minutes may be at most" in str(
        response.context["inline_admin_formsets"][-1].formset.errors
    )
    assert not Material.objects.exists()


def test_one_refused_row_saves_none_of_the_others(staff_client, meeting, media_root, pdf):
    response = post_meeting(
        staff_client,
        meeting,
        good={
            "kind": "presentation",
            "title": "Good",
            "state": "published",
            "upload": upload("g.pdf", pdf),
        },
        bad={
            "kind": "presentation",
            "title": "Bad",
            "state": "published",
            "upload": upload("b.pdf", b"\x00\x01 not a document"),
        },
    )
    assert response.status_code == 200
    assert not Material.objects.exists()


def test_office_documents_text_and_csv_are_recognised_by_content(staff_client, meeting, media_root):
    rows = {
        "pptx": {
            "kind": "presentation",
            "title": "Slides",
            "state": "published",
            "upload": upload("slides.zip", ooxml_bytes("ppt/")),
        },
        "docx": {
            "kind": "minutes",
            "title": "Minutes",
            "state": "published",
            "upload": upload("Minutes.DOC", ooxml_bytes("word/")),
        },
        "csv": {
            "kind": "other",
            "title": "Data",
            "state": "published",
            "upload": upload("data.csv", b"a,b\n1,2\n"),
        },
        "text": {
            "kind": "other",
            "title": "Notes",
            "state": "published",
            "upload": upload("notes", "Zoë's notes\n".encode()),
        },
    }
    assert post_meeting(staff_client, meeting, **rows).status_code == 302
    found = dict(Material.objects.values_list("title", "content_type"))
    assert found["Slides"].endswith("presentationml.presentation")
    assert found["Minutes"].endswith("wordprocessingml.document")
    assert found["Data"] == "text/csv" and found["Notes"] == "text/plain"
    assert set(Material.objects.values_list("file_name", flat=True)) == {
        "slides.pptx", "minutes.docx", "data.csv", "notes.txt"
    }  # fmt: skip


def test_a_zip_claiming_millions_of_parts_is_refused_without_reading_them(
    staff_client, meeting, media_root
):
    import struct

    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 65535, 65535, 900_000_000, 0, 0)
    bomb = b"PK\x03\x04" + b"\0" * 100 + end
    response = post_meeting(
        staff_client,
        meeting,
        bomb={
            "kind": "presentation",
            "title": "Bomb",
            "state": "draft",
            "upload": upload("x.pptx", bomb),
        },
    )
    assert "more than any Office document holds" in str(
        response.context["inline_admin_formsets"][-1].formset.errors
    )
    assert not Material.objects.exists()


def post_one_deck(staff_client, meeting, pdf) -> Material:
    """Staff post one published PDF, "Deck", through the meeting's inline."""
    post_meeting(
        staff_client,
        meeting,
        one={
            "kind": "presentation",
            "title": "Deck",
            "state": "published",
            "upload": upload("deck.pdf", pdf),
        },
    )
    return Material.objects.get()


def test_a_replaced_file_keeps_its_old_version_in_the_history(
    staff_client, meeting, media_root, pdf
):
    material = post_one_deck(staff_client, meeting, pdf)
    first_key = material.file_key
    url = reverse("admin:materials_material_change", args=[material.pk])
    new_pdf = pdf.replace(b"Technical", b"Revised  ")
    response = staff_client.post(
        url,
        {
            "meeting": meeting.pk,
            "kind": "presentation",
            "title": "Deck",
            "state": "published",
            "upload": upload("deck v2.pdf", new_pdf),
        },
    )
    assert response.status_code == 302, response.content[:3000]
    material.refresh_from_db()
    assert material.version == 2 and material.file_key != first_key
    history = list(material.history.order_by("history_date").values_list("version", "file_key"))
    assert history[0] == (1, first_key) and history[-1] == (2, material.file_key)
    assert (media_root / first_key).exists()  # the old version's file is kept
    # The old version's page in the history offers no link that would serve the new file
    # under the old one's name (found from outside).
    first = material.history.order_by("history_date").first()
    old_page = staff_client.get(
        reverse("admin:materials_material_simple_history", args=[material.pk, first.history_id])
    )
    current_page = staff_client.get(url)
    assert old_page.status_code == 200
    assert "An earlier file (not served" in old_page.text
    assert ">Download</a>" in current_page.text


def test_several_files_at_once_for_one_topic(staff_client, meeting, media_root, pdf):
    topic = AgendaTopic.objects.create(meeting=meeting, title="OMS Road Map")
    response = staff_client.post(
        reverse("admin:materials_material_upload"),
        {
            "meeting": meeting.pk,
            "topic": topic.pk,
            "kind": "presentation",
            "publish": "on",
            "files": [upload("part_one.pdf", pdf), upload("part-two.pdf", pdf)],
        },
    )
    assert response.status_code == 302
    assert sorted(Material.objects.values_list("title", "topic_id", "state")) == [
        ("part one", topic.pk, "published"),
        ("part two", topic.pk, "published"),
    ]


def test_several_files_one_refused_none_saved(staff_client, meeting, media_root, pdf):
    response = staff_client.post(
        reverse("admin:materials_material_upload"),
        {
            "meeting": meeting.pk,
            "kind": "presentation",
            "files": [upload("ok.pdf", pdf), upload("bad.pdf", b"\x00\x01binary")],
        },
    )
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert "bad.pdf" in response.content.decode()
    assert not Material.objects.exists()


def test_a_new_material_row_on_the_meeting_offers_that_meetings_topics(staff_client, meeting):
    from tug_portal.meetings.models import AgendaTopic

    topic = AgendaTopic.objects.create(meeting=meeting, order=1, title="Agenda and Roll Call")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    inline = staff_client.get(url).context["inline_admin_formsets"]
    materials = next(f for f in inline if f.formset.prefix == "materials")

    assert list(materials.formset.empty_form.fields["topic"].queryset) == [topic]
    response = post_meeting(
        staff_client,
        meeting,
        link={
            "kind": "other",
            "title": "Spec",
            "topic": topic.pk,
            "external_url": "https://example.org/spec.pdf",
            "state": "published",
        },
    )
    assert response.status_code == 302
    assert Material.objects.get().topic == topic


def test_a_link_holding_characters_no_web_address_holds_is_refused(staff_client, meeting):
    response = post_meeting(
        staff_client,
        meeting,
        link={
            "kind": "other",
            "title": "Spec",
            "state": "published",
            "external_url": 'https://example.org/"><script>alert(1)</script>',
        },
    )

    assert response.status_code == 200
    assert "characters a web address cannot" in response.content.decode()
    assert not Material.objects.exists()


MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0f" + b"\x00" * 200


def test_a_pdf_posted_as_a_recording_is_refused_and_nothing_is_saved(
    staff_client, meeting, pdf, media_root
):
    response = post_meeting(
        staff_client,
        meeting,
        rec={
            "kind": "recording",
            "title": "Call recording",
            "state": "published",
            "upload": upload("call.pdf", pdf),
        },
    )

    assert response.status_code == 200
    errors = str(response.context["inline_admin_formsets"][-1].formset.errors)
    assert "A recording must be an audio or video file" in errors, errors
    assert "call.pdf" in errors
    assert not Material.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_an_audio_file_or_a_link_is_accepted_as_a_recording(staff_client, meeting, media_root):
    response = post_meeting(
        staff_client,
        meeting,
        audio={
            "kind": "recording",
            "title": "Call audio",
            "state": "published",
            "upload": upload("call.mp3", MP3),
        },
        link={
            "kind": "recording",
            "title": "Call video",
            "state": "published",
            "external_url": "https://example.org/recording",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert sorted(Material.objects.values_list("title", "content_type")) == [
        ("Call audio", "audio/mpeg"),
        ("Call video", ""),
    ]


def test_a_pdf_material_cannot_be_turned_into_a_recording_without_a_new_file(
    staff_client, meeting, pdf, media_root
):
    from tug_portal.materials import services

    material = services.material_create(
        meeting=meeting, title="Deck", upload=upload("deck.pdf", pdf), publish=True
    )
    url = reverse("admin:materials_material_change", args=[material.pk])

    response = staff_client.post(
        url, {"meeting": meeting.pk, "kind": "recording", "title": "Deck", "state": "published"}
    )

    assert response.status_code == 200
    assert "A recording must be an audio or video file" in response.content.decode()
    material.refresh_from_db()
    assert material.kind == "presentation"


def test_several_pdfs_uploaded_as_recordings_are_refused_each_by_name(
    staff_client, meeting, media_root, pdf
):
    response = staff_client.post(
        reverse("admin:materials_material_upload"),
        {
            "meeting": meeting.pk,
            "kind": "recording",
            "files": [upload("first.pdf", pdf), upload("second.mp3", MP3)],
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page and "first.pdf" in page
    assert "A recording must be an audio or video file" in page
    assert "second.mp3" not in page.split("Nothing was saved")[1].split("</ul>")[0]
    assert not Material.objects.exists()


def test_the_service_refuses_a_pdf_recording(meeting, pdf, media_root):
    from tug_portal.materials import services
    from tug_portal.materials.uploads import MaterialRefused

    with pytest.raises(MaterialRefused, match="audio or video"):
        services.material_create(
            meeting=meeting, title="Rec", kind="recording", upload=upload("r.pdf", pdf)
        )
    assert not Material.objects.exists()


def post_several(staff_client, meeting, files, **values):
    data = {"meeting": meeting.pk, "kind": "presentation", "files": files, **values}
    return staff_client.post(reverse("admin:materials_material_upload"), data)


def test_several_files_an_empty_one_is_named_in_the_refusal(staff_client, meeting, media_root, pdf):
    response = post_several(
        staff_client, meeting, [upload("ok.pdf", pdf), upload("blank.pdf", b"")]
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page and "“blank.pdf”" in page
    assert not Material.objects.exists()


def test_several_files_more_than_the_limit_are_refused_with_the_limit(
    staff_client, meeting, media_root, pdf, settings
):
    settings.TUG_MATERIALS_MAX_FILES_PER_UPLOAD = 3

    response = post_several(staff_client, meeting, [upload(f"f{n}.pdf", pdf) for n in range(4)])

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page and "at most 3 files at once (you chose 4)" in page
    assert not Material.objects.exists()


def test_three_hundred_files_at_once_get_a_clear_message_not_a_bare_400(
    staff_client, meeting, media_root, pdf, settings
):
    response = post_several(staff_client, meeting, [upload(f"f{n}.pdf", pdf) for n in range(300)])

    assert response.status_code == 400
    text = response.content.decode()
    limit = settings.TUG_MATERIALS_MAX_FILES_PER_UPLOAD
    assert f"at most {limit} files" in text and "Nothing was saved" in text, text
    assert not Material.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


@pytest.mark.parametrize(
    "name",
    [
        "Quarterly settlement review " * 12 + ".pdf",
        "slides.pdf" + "é" * 150,  # a "suffix" longer than a file name may be, in bytes
    ],
)
def test_a_very_long_file_name_is_shortened_not_refused(
    staff_client, meeting, media_root, pdf, name
):
    large = pdf + b"\n%" + b"x" * (2**20 + 10)  # past the in-memory size: a temporary file

    response = post_several(staff_client, meeting, [upload(name, large)])

    assert response.status_code == 302, response.content[:2000]
    material = Material.objects.get()
    assert material.file_name.endswith(".pdf") and len(material.file_name) <= 104
    assert len(material.title) <= 300


def post_topic(staff_client, topic, *rows):
    url = reverse("admin:materials_topicmaterials_change", args=[topic.pk])
    return staff_client.post(url, material_rows(*rows))


def test_staff_add_a_file_and_a_link_on_a_topics_materials_page(
    staff_client, meeting, media_root, pdf
):
    topic = AgendaTopic.objects.create(meeting=meeting, order=1, title="OMS Road Map")

    response = post_topic(
        staff_client,
        topic,
        {
            "kind": "presentation",
            "title": "Road map slides",
            "state": "published",
            "upload": upload("slides.pdf", pdf),
        },
        {
            "kind": "technical_document",
            "title": "Specification",
            "state": "published",
            "external_url": "https://example.org/spec.pdf",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    rows = Material.objects.order_by("title")
    assert [(m.title, m.meeting_id, m.topic_id) for m in rows] == [
        ("Road map slides", meeting.pk, topic.pk),
        ("Specification", meeting.pk, topic.pk),
    ]
    assert (media_root / rows[0].file_key).read_bytes() == pdf


def test_a_link_given_to_a_material_that_has_a_file_is_refused_and_the_file_stays(
    staff_client, meeting, media_root, pdf
):
    material = post_one_deck(staff_client, meeting, pdf)

    response = staff_client.post(
        reverse("admin:materials_material_change", args=[material.pk]),
        {
            "meeting": meeting.pk,
            "kind": "presentation",
            "title": "Deck",
            "state": "published",
            "external_url": "https://example.org/deck.pdf",
        },
    )

    assert response.status_code == 200
    assert "A material is a file or a link, not both" in response.content.decode()
    material.refresh_from_db()
    assert material.external_url == "" and material.file_name == "deck.pdf"
