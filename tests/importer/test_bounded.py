"""Hostile agenda files (the shapes the security review reproduced) through the real ways in:
the admin's upload (a multipart POST by ISO staff) and the `import_agenda` command. Each is
refused with a message saying why, by a cap checked before the costly work, so within the
read's time limit (a refusal by the clock would say so); nothing is written; and the process
that served the request keeps its memory (the reading happened in a child process)."""

from pathlib import Path

import pytest
from django.test import override_settings

from tests.importer import hostile
from tests.importer.test_admin import CONFIRM, HTMX, UPLOAD, confirmation, text_of
from tests.importer.test_command import row_counts, run_failing
from tug_portal.common import slots
from tug_portal.importer import bounded, sources
from tug_portal.importer.bounded import ImportLimits, read_bounded
from tug_portal.importer.extract import AgendaFileError, ReadLimits

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
# Python keeps some freed memory for reuse, and the test client holds the request body: the
# web process may grow by a few MB per upload, where the readers grew it by gigabytes.
MEMORY_KEPT = 48 * MB

REFUSALS = {
    "quadratic-regex.txt": "line 39 is 65,538 characters long, over the 5,000 limit",
    "many-topics.txt": "the text runs to 19,078 lines, over the 5,000 limit",
    "empty-paragraphs.docx": "the document unpacks to 190.8 MB, too large",
    "many-paragraphs.docx": "the document has more than 5,000 paragraphs, over the limit",
    "zip-bomb.docx": "the document unpacks to 200.8 MB, too large",
    "lying-zip.docx": "the Word document is damaged and cannot be read",
    "many-pages.pdf": "the PDF has 60,000 pages, over the 200 limit",
}


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: build(folder / name) for name, build in hostile.SHAPES.items()}


def resident_memory() -> int:
    """This process's resident memory (VmRSS), in bytes."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


@pytest.mark.parametrize("name", list(REFUSALS))
def test_admin_upload_of_a_hostile_file_is_refused_saying_why(name, hostile_files, staff_client):
    start = resident_memory()
    with hostile_files[name].open("rb") as file:
        response = staff_client.post(UPLOAD, {"file": file, "program": ""}, **HTMX)

    assert response.status_code == 400
    assert f"{name}: {REFUSALS[name]}" in text_of(response)
    assert set(row_counts().values()) == {0}
    assert resident_memory() - start < MEMORY_KEPT


@pytest.mark.parametrize("name", list(REFUSALS))
def test_command_reports_a_hostile_file_as_failed_saying_why(name, hostile_files):
    start = resident_memory()

    out, _, error = run_failing(hostile_files[name])

    assert out.splitlines()[:2] == ["Failed (1):", f"  {name}: {REFUSALS[name]}"]
    assert error == "1 of 1 files could not be imported."
    assert set(row_counts().values()) == {0}
    assert resident_memory() - start < MEMORY_KEPT


def test_command_dry_run_json_reports_a_hostile_file_on_stderr(hostile_files):
    _, err, error = run_failing(hostile_files["many-pages.pdf"], "--dry-run", "--format", "json")

    assert err.strip() == f"many-pages.pdf: {REFUSALS['many-pages.pdf']}"
    assert error == "1 of 1 files could not be imported."


# --------------------------------------------------------------------- the child's limits


def seed_copy(tmp_path: Path) -> Path:
    path = tmp_path / hostile.SEED
    path.write_bytes((hostile.AGENDAS / hostile.SEED).read_bytes())
    return path


def test_read_bounded_stops_a_reading_at_the_time_limit(tmp_path):
    limits = ImportLimits(seconds=0.05)  # less than an interpreter takes to start

    with pytest.raises(AgendaFileError) as refusal:
        read_bounded(seed_copy(tmp_path), limits)

    assert str(refusal.value) == f"{hostile.SEED}: reading it takes over 0.05 seconds, the limit"


def test_read_bounded_refuses_a_reading_over_the_memory_limit(tmp_path):
    limits = ImportLimits(memory_bytes=0)  # not a byte more than the child holds at start

    with pytest.raises(AgendaFileError) as refusal:
        read_bounded(seed_copy(tmp_path), limits)

    assert str(refusal.value) == f"{hostile.SEED}: reading it needs over 0 MB, the limit"


def test_read_bounded_reads_an_agenda_within_the_limits(tmp_path):
    record = read_bounded(seed_copy(tmp_path))

    assert record.file == hostile.SEED
    assert len(record.topics) == 3


def test_read_bounded_applies_the_limits_of_the_settings(tmp_path):
    with override_settings(TUG_IMPORT_MAX_LINE_CHARS=50), pytest.raises(AgendaFileError) as refusal:
        read_bounded(seed_copy(tmp_path))

    assert "characters long, over the 50 limit" in str(refusal.value)


def test_preview_and_confirmation_read_the_upload_once(staff_client, monkeypatch):
    from tests.factories import make_program

    make_program("tug", name="Technology User Group")
    reads = []

    def counted(path, limits=None):
        reads.append(Path(path).name)
        return read_bounded(path, limits)

    monkeypatch.setattr(sources, "read_bounded", counted)
    with (hostile.AGENDAS / hostile.SEED).open("rb") as file:
        shown = staff_client.post(UPLOAD, {"file": file, "program": ""})

    response = staff_client.post(CONFIRM, confirmation(shown), **HTMX)

    assert response.status_code == 200
    assert "HX-Redirect" in response
    assert reads == [hostile.SEED]


def test_read_limits_default_to_the_settings_defaults(settings):
    assert ReadLimits().max_unpacked_bytes == settings.TUG_IMPORT_MAX_UNPACKED_BYTES
    assert ReadLimits().max_pages == settings.TUG_IMPORT_MAX_PAGES
    assert ReadLimits().max_paragraphs == settings.TUG_IMPORT_MAX_PARAGRAPHS
    assert ReadLimits().max_line_chars == settings.TUG_IMPORT_MAX_LINE_CHARS
    assert ReadLimits().max_topics == settings.TUG_IMPORT_MAX_TOPICS
    assert ReadLimits().max_dial_ins == settings.TUG_IMPORT_MAX_DIAL_INS
    assert ReadLimits().max_documents == settings.TUG_IMPORT_MAX_DOCUMENTS
    assert ReadLimits().max_announcements == settings.TUG_IMPORT_MAX_ANNOUNCEMENTS
    assert ImportLimits().memory_bytes == settings.TUG_IMPORT_MEMORY_LIMIT_BYTES
    assert ImportLimits().seconds == settings.TUG_IMPORT_TIME_LIMIT_SECONDS


def test_an_agenda_listing_more_topics_than_any_agenda_is_refused(tmp_path):
    path = hostile.many_topics_txt(tmp_path / "topics.txt", topics=ReadLimits().max_topics + 1)

    with pytest.raises(AgendaFileError) as refusal:
        read_bounded(path)

    assert str(refusal.value) == "topics.txt: the agenda lists 201 topics, over the 200 limit"


def test_an_agenda_at_the_topic_limit_is_read(tmp_path):
    path = hostile.many_topics_txt(tmp_path / "topics.txt", topics=ReadLimits().max_topics)

    assert len(read_bounded(path).topics) == ReadLimits().max_topics


def test_readings_at_once_are_bounded_across_uploads_and_the_next_is_told_to_wait(
    tmp_path, settings, monkeypatch
):
    """Eight uploads at once started eight readers, each allowed 512 MB (626 MB in all, a
    normal page 1.3 s meanwhile: found from outside). Readings take a slot of the "import"
    pool; with every slot taken the next is refused at once with a message, no child
    started."""
    settings.TUG_FAIR_USE_SLOTS = {**settings.TUG_FAIR_USE_SLOTS, "import": 1}
    started = []
    real_run = bounded.subprocess.run
    monkeypatch.setattr(
        bounded.subprocess, "run", lambda *a, **kw: started.append(a) or real_run(*a, **kw)
    )

    with slots.slot("import"), pytest.raises(AgendaFileError) as refusal:  # one being read
        read_bounded(seed_copy(tmp_path))
    assert not started
    assert "other agendas are being read" in str(refusal.value)
    assert "send it again in a few seconds" in str(refusal.value)

    assert read_bounded(seed_copy(tmp_path)).topics  # the slot given back: read as usual
    assert len(started) == 1
