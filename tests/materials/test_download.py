"""Downloads streamed by the web process answer conditional requests (304) and single byte
ranges (206, 416), with strong validators of the stored file, and stay attachments of their
checked type."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.http import http_date

from tests.materials.conftest import pdf_bytes
from tug_portal.materials import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(meeting, media_root, pdf):
    upload = SimpleUploadedFile("Road Map.pdf", pdf)
    return services.material_create(meeting=meeting, title="Road map", upload=upload, publish=True)


def path_of(material):
    return reverse(
        "materials:download",
        kwargs={"public_id": material.public_id, "file_name": material.file_name},
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_an_attachment(response, material):
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{material.file_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_download_carries_strong_validators_and_offers_byte_ranges(client, published, pdf):
    response = client.get(path_of(published))

    assert response.status_code == 200 and body(response) == pdf
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10
    assert response["Last-Modified"] == http_date(published.posted_at.timestamp())
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(pdf))
    assert_an_attachment(response, published)


def test_if_none_match_with_the_current_etag_is_a_304(client, published):
    etag = client.get(path_of(published))["ETag"]

    response = client.get(path_of(published), headers={"If-None-Match": etag})

    assert response.status_code == 304 and body(response) == b""
    assert response["ETag"] == etag


def test_if_modified_since_answers_304_unless_the_file_is_newer(client, published, pdf):
    posted = published.posted_at.timestamp()

    fresh = client.get(path_of(published), headers={"If-Modified-Since": http_date(posted + 5)})
    stale = client.get(path_of(published), headers={"If-Modified-Since": http_date(posted - 60)})

    assert fresh.status_code == 304
    assert stale.status_code == 200 and body(stale) == pdf


def test_a_single_byte_range_is_a_206_with_its_content_range(client, published, pdf):
    size = len(pdf)

    first = client.get(path_of(published), headers={"Range": "bytes=0-9"})
    tail = client.get(path_of(published), headers={"Range": "bytes=-5"})
    rest = client.get(path_of(published), headers={"Range": f"bytes=10-{size + 100}"})

    assert first.status_code == 206 and body(first) == pdf[:10]
    assert first["Content-Range"] == f"bytes 0-9/{size}" and first["Content-Length"] == "10"
    assert_an_attachment(first, published)
    assert tail.status_code == 206 and body(tail) == pdf[-5:]
    assert tail["Content-Range"] == f"bytes {size - 5}-{size - 1}/{size}"
    assert rest.status_code == 206 and body(rest) == pdf[10:]
    assert rest["Content-Range"] == f"bytes 10-{size - 1}/{size}"


def test_an_unsatisfiable_range_is_a_416(client, published, pdf):
    response = client.get(path_of(published), headers={"Range": f"bytes={len(pdf)}-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(pdf)}"


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "bytes=abc", "pages=1-2", "bytes=9-2"])
def test_several_or_unreadable_ranges_get_the_whole_file(client, published, pdf, header):
    response = client.get(path_of(published), headers={"Range": header})

    assert response.status_code == 200 and body(response) == pdf


def test_if_range_with_an_old_etag_gets_the_whole_new_file(client, published, pdf):
    old_etag = client.get(path_of(published))["ETag"]
    new_pdf = pdf_bytes("Revised specification")
    services.material_replace_file(material=published, upload=SimpleUploadedFile("v2.pdf", new_pdf))

    stale = client.get(path_of(published), headers={"Range": "bytes=0-9", "If-Range": old_etag})
    current_etag = stale["ETag"]
    fresh = client.get(path_of(published), headers={"Range": "bytes=0-9", "If-Range": current_etag})

    assert current_etag != old_etag
    assert stale.status_code == 200 and body(stale) == new_pdf
    assert stale["Last-Modified"] == http_date(published.replaced_at.timestamp())
    assert fresh.status_code == 206 and body(fresh) == new_pdf[:10]


def test_a_download_is_never_compressed_so_its_ranges_and_etag_stay_those_of_the_file(
    client, published, pdf
):
    response = client.get(path_of(published), headers={"Accept-Encoding": "gzip"})

    assert "Content-Encoding" not in response and body(response) == pdf
    assert response["ETag"].startswith('"')


def test_a_drafts_download_stays_a_404_whatever_the_validators(client, meeting, media_root, pdf):
    upload = SimpleUploadedFile("draft.pdf", pdf)
    draft = services.material_create(meeting=meeting, title="Draft", upload=upload)

    response = client.get(path_of(draft), headers={"If-None-Match": "*", "Range": "bytes=0-1"})

    assert response.status_code == 404
