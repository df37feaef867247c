"""Uploaded names longer than a file system allows (255 bytes): kept, cut to fit, never a 500."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_program
from tug_portal.importer.models import AgendaImport
from tug_portal.importer.uploads import NAME_MAX_BYTES, file_name

pytestmark = pytest.mark.django_db

SEED = Path(__file__).parent / "agendas" / "tug_2018-10-16.txt"
UPLOAD = "/admin/importer/agendaimport/add/"
CONFIRM = "/admin/importer/agendaimport/add/confirm/"
LONG_NAME = "é" * 200 + ".txt"  # 404 bytes in UTF-8


@pytest.mark.parametrize(
    "name",
    [LONG_NAME, "a" * 300 + ".docx", "é" * 300, "x" * 250 + "." + "é" * 40, "agenda.txt"],
)
def test_file_names_fit_in_255_bytes_keeping_their_kind(name):
    cut = file_name(name)

    assert len(cut.encode()) <= NAME_MAX_BYTES
    assert cut.encode().decode() == cut  # no character split in two
    if len(name.encode()) <= NAME_MAX_BYTES:
        assert cut == name
    elif name.endswith((".txt", ".docx")):
        assert Path(cut).suffix == Path(name).suffix


def test_an_upload_with_a_very_long_name_is_previewed_and_imported(staff_client):
    make_program("tug", name="Technology User Group")
    make_program("cpg", name="Customer Partnership Group")
    upload = SimpleUploadedFile(LONG_NAME, SEED.read_bytes())

    preview = staff_client.post(UPLOAD, {"file": upload, "program": ""})

    assert preview.status_code == 200
    hidden = r'<input type="hidden" name="(token|digest|program)"(?: value="([^"]*)")?'
    fields = dict(re.findall(hidden, preview.content.decode()))
    confirm = staff_client.post(CONFIRM, fields)
    assert confirm.status_code == 302
    record = AgendaImport.objects.get()
    assert len(record.source_name.encode()) <= NAME_MAX_BYTES
    assert record.source_name.startswith("éé") and record.source_name.endswith(".txt")
