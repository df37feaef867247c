import io
import socket
import subprocess
import sys
import time
import zipfile

import pytest
from fpdf import FPDF

from tests.factories import make_meeting, make_program


def pdf_bytes(text: str = "Technical specification") -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text)
    return bytes(document.output())


def ooxml_bytes(folder: str = "ppt/") -> bytes:
    """A minimal Office package: what a .pptx/.docx/.xlsx is to a type check."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}presentation.xml", "<p/>")
    return buffer.getvalue()


@pytest.fixture
def pdf():
    return pdf_bytes()


@pytest.fixture
def meeting(db):
    program = make_program()
    return make_meeting(program, title="Technology User Group")


@pytest.fixture
def media_root(settings, tmp_path):
    """The materials folder of this test only."""
    settings.STORAGES = {
        **settings.STORAGES,
        "materials": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "materials"), "base_url": None},
        },
    }
    return tmp_path / "materials"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's stand-alone server: a real S3-protocol endpoint on a local port, for the session."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("moto's S3 server did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3_storage(settings, s3_server):
    """STORAGES["materials"] pointed at a fresh bucket of the S3 server, as production's
    environment variables would."""
    import boto3

    bucket = f"materials-{time.monotonic_ns()}"
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "materials": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    return client, bucket
