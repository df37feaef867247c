"""An over-large request body is refused (413, a plain message) before anything reads it: no
CSRF check, no session, no form parsing, no file spooled to disk."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import LimitedStream
from django.test import Client
from django.test.client import FakePayload

from tests.factories import make_program

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/subscriptions/new/?program=tug"
IMPORT = "/admin/importer/agendaimport/add/"
MATERIAL_ADD = "/admin/materials/material/add/"


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def over_large_post(client, path, body, *, content_type="application/octet-stream"):
    """A POST whose Content-Length says one byte over the limit, whatever `body` holds: what a
    refusal must answer without reading it."""
    return client.generic(
        "POST",
        path,
        content_type=content_type,
        CONTENT_LENGTH=str(settings.TUG_MAX_REQUEST_BYTES + 1),
        **{"wsgi.input": body},
    )


def test_an_over_large_multipart_body_is_refused_before_the_csrf_check(csrf_client):
    upload = SimpleUploadedFile("big.bin", b"x" * (settings.TUG_MAX_REQUEST_BYTES + 1))

    response = csrf_client.post(SUBSCRIBE, {"csrfmiddlewaretoken": "fake", "file": upload})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert "larger than the portal accepts" in response.content.decode()


def test_a_body_within_the_limit_reaches_the_csrf_check(csrf_client):
    response = csrf_client.post(SUBSCRIBE, {"email": "ada@example.com", "program": "tug"})

    assert response.status_code == 403


def test_a_declared_length_over_the_limit_is_refused_unread(client):
    body = FakePayload(b"x" * 16)

    response = over_large_post(client, SUBSCRIBE, body)

    assert response.status_code == 413
    assert body.read_started is False


def chunked_post(client, path, size):
    # A server hands on a chunked body as a stream that ends where the body does.
    body = b"email=ada%40example.com&program=tug&pad=" + b"x" * size
    return client.generic(
        "POST",
        path,
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": io.BytesIO(body)},
    )


def test_a_chunked_body_over_the_limit_is_refused(client):
    response = chunked_post(client, SUBSCRIBE, settings.TUG_MAX_REQUEST_BYTES)

    assert response.status_code == 413


def test_a_chunked_body_within_the_limit_is_read(client):
    make_program("tug")

    response = chunked_post(client, SUBSCRIBE, 10)

    # The form was read (and valid): on to "check your mail".
    assert response.status_code == 302
    assert response["Location"].endswith("sent=1")


def test_the_agenda_upload_may_be_larger_than_other_requests(staff_client):
    size = settings.TUG_MAX_REQUEST_BYTES + 1
    upload = SimpleUploadedFile("agenda.txt", b"TUG agenda\n" + b"x" * size)

    response = staff_client.post(IMPORT, {"file": upload})

    assert response.status_code != 413


def test_the_agenda_upload_has_a_limit_too(staff_client):
    upload = SimpleUploadedFile("agenda.txt", b"x" * (settings.TUG_MAX_IMPORT_REQUEST_BYTES + 1))

    response = staff_client.post(IMPORT, {"file": upload})

    assert response.status_code == 413


def test_an_api_parameter_holding_nul_is_refused_in_the_apis_documented_error_shape(client, db):
    response = client.get("/api/v1/meetings", {"program": "tug\x00"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "NUL" in response.json()["detail"]


def test_a_refused_body_is_left_unread_for_the_development_server_too(client):
    # runserver reads what the application left unread into memory as it closes the request;
    # its input (a LimitedStream) is marked read, so a refused gigabyte is never read.
    body = LimitedStream(io.BytesIO(b"x" * 4096), 4096)

    response = over_large_post(client, SUBSCRIBE, body)

    assert response.status_code == 413
    assert body.read() == b""


@pytest.mark.parametrize("path", [MATERIAL_ADD, "/admin/meetings/meeting/1/change/", IMPORT])
def test_an_anonymous_upload_gets_no_larger_limit_than_any_request(client, path):
    body = FakePayload(b"x" * 16)

    response = over_large_post(client, path, body, content_type="multipart/form-data; boundary=x")

    assert response.status_code == 413
    assert body.read_started is False


class CountingStream(io.BytesIO):
    """A request body that says how much of it was read."""

    bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


@pytest.mark.parametrize("path", [MATERIAL_ADD, "/admin/meetings/meeting/add/"])
def test_an_anonymous_multipart_upload_to_the_admin_is_refused_unread(client, path):
    # A real multipart body (so that anything asking for request.POST would parse it), larger
    # than any request but a staff upload may be: refused before a byte of it is read.
    size = settings.TUG_MAX_REQUEST_BYTES + 4096
    body = CountingStream(b"--x\r\n" + b"x" * size)

    response = client.generic(
        "POST",
        path,
        CONTENT_TYPE="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(size + 5),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert body.bytes_read == 0


def test_a_chunked_body_to_the_admin_is_read_no_further_than_any_requests_limit(client):
    # A chunked body has no length to check against who is asking: on every path it is read
    # only up to the limit every request has (browsers send staff's uploads with a length).
    body = CountingStream(b"x" * (3 * settings.TUG_MAX_REQUEST_BYTES))

    response = client.generic(
        "POST",
        MATERIAL_ADD,
        CONTENT_TYPE="multipart/form-data; boundary=x",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert body.bytes_read <= settings.TUG_MAX_REQUEST_BYTES + 1


def test_staff_may_post_a_material_larger_than_other_requests(staff_client):
    upload = SimpleUploadedFile("notes.txt", b"x" * (settings.TUG_MAX_REQUEST_BYTES + 1))

    response = staff_client.post(MATERIAL_ADD, {"title": "Notes", "upload": upload})

    assert response.status_code != 413
