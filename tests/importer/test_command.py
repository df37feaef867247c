import json
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from fpdf import FPDF

from tests.factories import make_program
from tests.importer.test_extract import needs_dejavu, write_docx, write_pdf
from tests.importer.test_parsing import EXPECTED, JSON_KEYS
from tug_portal.importer.models import AgendaImport
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Meeting

AGENDAS = Path(__file__).parent / "agendas"
SEED = "tug_2018-10-16.txt"


def run(*args: str) -> tuple[str, str]:
    """The command's stdout and stderr."""
    out, err = StringIO(), StringIO()
    call_command("import_agenda", *map(str, args), stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str, str]:
    """stdout, stderr and the error of a run that reports failed files."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_agenda", *map(str, args), stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue(), str(failure.value)


def folder_of(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "agendas"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(AGENDAS / name, folder / name)
    return folder


def without_file(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "file"}


def row_counts() -> dict[str, int]:
    """Rows of every table the import may write, history included."""
    models = [*apps.get_app_config("meetings").get_models(), AgendaImport]
    return {model._meta.label: model.objects.count() for model in models}


# ----------------------------------------------------------------------------- dry-run JSON


def test_dry_run_json_prints_the_facts_of_the_seed_field_by_field():
    out, _ = run(AGENDAS / SEED, "--dry-run", "--format", "json")

    data = json.loads(out)
    assert list(data) == JSON_KEYS
    for key in JSON_KEYS:
        assert data[key] == EXPECTED[SEED][key], key


def test_dry_run_json_of_several_files_prints_an_array_in_their_order():
    names = ["rif_2019-03-05.txt", SEED, "eim_2018-12-04.txt"]

    out, _ = run(*(AGENDAS / name for name in names), "--dry-run", "--format", "json")

    assert json.loads(out) == [EXPECTED[name] for name in names]


def test_dry_run_json_of_a_folder_prints_an_array_even_for_one_file(tmp_path):
    out, _ = run(folder_of(tmp_path, SEED), "--dry-run", "--format", "json")

    assert json.loads(out) == [EXPECTED[SEED]]


@needs_dejavu
def test_dry_run_json_gives_word_and_pdf_versions_the_json_of_their_text(tmp_path):
    folder = folder_of(tmp_path, *EXPECTED)
    for name in EXPECTED:
        text = (AGENDAS / name).read_text(encoding="utf-8")
        write_docx(text, folder / name.replace(".txt", ".docx"))
        write_pdf(text, folder / name.replace(".txt", ".pdf"))

    out, _ = run(folder, "--dry-run", "--format", "json")

    by_file = {data["file"]: without_file(data) for data in json.loads(out)}
    assert len(by_file) == 3 * len(EXPECTED)
    for name in EXPECTED:
        stem = name.removesuffix(".txt")
        expected = without_file(EXPECTED[name])
        assert (by_file[f"{stem}.docx"], by_file[f"{stem}.pdf"]) == (expected, expected), name


def test_dry_run_json_prints_only_json_on_stdout_of_a_real_process():
    command = [sys.executable, "manage.py", "import_agenda", "--dry-run", "--format", "json"]
    names = [SEED, "mppf_2018-11-13.txt"]

    finished = subprocess.run(
        [*command, *(str(AGENDAS / name) for name in names)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "TUG_EMBEDDED": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert json.loads(finished.stdout) == [EXPECTED[name] for name in names]


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    load_demo()
    folder = folder_of(tmp_path, *EXPECTED)
    before = row_counts()

    run(folder, "--dry-run")
    run(folder, "--dry-run", "--format", "json")

    assert row_counts() == before


@pytest.mark.django_db
def test_dry_run_reports_what_an_import_would_do(tmp_path):
    load_demo()

    out, _ = run(folder_of(tmp_path, SEED, "mppf_2018-11-13.txt"), "--dry-run")

    assert out.splitlines() == [
        "Would be created (1):",
        "  mppf_2018-11-13.txt",
        "Would be updated (1):",
        "  tug_2018-10-16.txt: tug-2018-10-16",
        "Needs a human look (2):",
        "  mppf_2018-11-13.txt: new program MPPF (Market Performance and Planning Forum): "
        "check its settings",
        "  tug_2018-10-16.txt: updates a published meeting: the changes are public at once",
        "Dry run, nothing written: 1 created, 1 updated, 2 need a human look, 0 failed.",
    ]


# ------------------------------------------------------- layouts written for no fixture
# Agendas in layouts the parser was not written against, each read from text, Word and PDF.
UNSEEN = {
    # WebEx's own invitation text: "Meeting number (access code)", a password, dial-ins printed
    # number first under "Join by phone", an "Item" number column, "Presenter(s)", a contact
    # address without a name.
    "cpg_2020-01-09": (
        """\
California ISO
Customer Partnership Group (CPG)
Meeting Agenda

Thursday, January 9, 2020
1:00 p.m. – 2:30 p.m. (Pacific Time)

Join WebEx meeting: https://caiso.webex.com/caiso/j.php?MTID=m1234abcd
Meeting number (access code): 926 123 456
Meeting password: CPG2020

Join by phone
1-844-517-1271 US Toll Free
+1-682-268-9314 US Toll

Item\tTopic\tPresenter(s)
1\tWelcome and Introductions\tJennifer Shirk
2\tOutage Management System Update\tDede Subakti, Wes Hutchison
3\tCustomer Inquiry Dispute and Information (CIDI) Release\tLisa Trent
4\tQ&A\tAll

Next meeting: February 13, 2020
Questions? Email cpg@caiso.com
""",
        {
            "title": "California ISO Customer Partnership Group (CPG)",
            "date": "2020-01-09",
            "start_time": "13:00",
            "end_time": "14:30",
            "timezone": "America/Los_Angeles",
            "web_conference": {
                "url": "https://caiso.webex.com/caiso/j.php?MTID=m1234abcd",
                "meeting_number": "926 123 456",
                "access_code": "CPG2020",
            },
            "dial_in": [
                {"label": "US Toll Free", "number": "1-844-517-1271", "access_code": None},
                {"label": "US Toll", "number": "+1-682-268-9314", "access_code": None},
            ],
            "topics": [
                {"title": "Welcome and Introductions", "facilitator": "Jennifer Shirk"},
                {
                    "title": "Outage Management System Update",
                    "facilitator": "Dede Subakti, Wes Hutchison",
                },
                {
                    "title": "Customer Inquiry Dispute and Information (CIDI) Release",
                    "facilitator": "Lisa Trent",
                },
                {"title": "Q&A", "facilitator": "All"},
            ],
            "next_meeting_date": "2020-02-13",
            "contact": {"name": None, "email": "cpg@caiso.com"},
        },
    ),
    # A PDF: a centred upper-case title, "Date:" and "Time:" lines with no time zone, a time
    # column, a topic and its two presenters wrapped onto a second line, access details below.
    "tug_2020-03-03": (
        """\
                    TECHNOLOGY USER GROUP (TUG)
                             AGENDA

Date:       Tuesday, March 3, 2020
Time:       10:00 a.m. – 11:00 a.m.
Location:   WebEx

Time              Topic                                      Presenter
10:00 – 10:05     Agenda and Roll Call                       Indu Nambiar
10:05 – 10:30     Market Results Interface – Settlements     Jennifer Chen
                  (MRI-S) API changes                        Jason Lee
10:30 – 11:00     Open Forum                                 All

Web Address:   https://caiso.webex.com/meet/CAISO-TUG
Meeting Number:   966 010 353
Teleconference Dial-in Number:   (866) 528-2256
Access Code:   389 588 9

Contact:  Indu Nambiar   inambiar@caiso.com
""",
        {
            "title": "TECHNOLOGY USER GROUP (TUG)",
            "date": "2020-03-03",
            "start_time": "10:00",
            "end_time": "11:00",
            "timezone": None,
            "web_conference": {
                "url": "https://caiso.webex.com/meet/CAISO-TUG",
                "meeting_number": "966 010 353",
                "access_code": None,
            },
            "dial_in": [
                {
                    "label": "Teleconference Dial-in Number",
                    "number": "(866) 528-2256",
                    "access_code": "389 588 9",
                }
            ],
            "topics": [
                {"title": "Agenda and Roll Call", "facilitator": "Indu Nambiar"},
                {
                    "title": "Market Results Interface – Settlements (MRI-S) API changes",
                    "facilitator": "Jennifer Chen; Jason Lee",
                },
                {"title": "Open Forum", "facilitator": "All"},
            ],
            "next_meeting_date": None,
            "contact": {"name": "Indu Nambiar", "email": "inambiar@caiso.com"},
        },
    ),
    # Microsoft Teams: date and time on the title's line ("PDT"), "Presented by", "Phone
    # Conference ID", "•" bullets under a topic's details, "Next RUG:".
    "rug_2020-05-12": (
        """\
Release User Group (RUG)
Agenda – Tuesday, May 12, 2020, 10:00 AM – 11:00 AM PDT

Microsoft Teams meeting
Join on your computer or mobile app: https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc
Call in (audio only): +1 916-538-7066
Phone Conference ID: 123 456 789#

Time\tAgenda Item\tPresented by
10:00 - 10:10\tOpening remarks\tTrang Deluca
10:10 - 10:40\tSpring 2020 release: Cost Caps; Intertie Deviation\tSarah Warren and Chris Kirsten
10:40 - 11:00\tFall 2020 release planning\tTrang Deluca

Spring 2020 release: Cost Caps; Intertie Deviation
• Market simulation: April 1 – April 30
• Production deployment: May 1
• Release notes: http://www.caiso.com/Documents/ReleaseNotes-Spring2020.pdf

Next RUG: May 26, 2020
For questions contact Trang Deluca at tdeluca@caiso.com
""",
        {
            "title": "Release User Group (RUG)",
            "date": "2020-05-12",
            "start_time": "10:00",
            "end_time": "11:00",
            "timezone": "America/Los_Angeles",
            "web_conference": {
                "url": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc",
                "meeting_number": None,
                "access_code": None,
            },
            "dial_in": [
                {
                    "label": "Call in (audio only)",
                    "number": "+1 916-538-7066",
                    "access_code": "123 456 789#",
                }
            ],
            "topics": [
                {"title": "Opening remarks", "facilitator": "Trang Deluca"},
                {
                    "title": "Spring 2020 release: Cost Caps; Intertie Deviation",
                    "facilitator": "Sarah Warren and Chris Kirsten",
                },
                {"title": "Fall 2020 release planning", "facilitator": "Trang Deluca"},
            ],
            "next_meeting_date": "2020-05-26",
            "contact": {"name": "Trang Deluca", "email": "tdeluca@caiso.com"},
        },
    ),
    # The acronym on a line of its own under the title, "June 2, 2020  |  10:00 – 11:00 a.m. PT",
    # the phone block before the web block, "/" between presenters, numbered details.
    "tug_2020-06-02": (
        """\
Technology User Group
(TUG)
Meeting
June 2, 2020  |  10:00 – 11:00 a.m. PT

Conference Call Information
Dial-in number: 1-888-850-4523
Participant passcode: 195 345

WebEx Information
Web address: https://caiso.webex.com/meet/CAISO-TUG
Meeting number: 966 010 353

Topic\tFacilitator
Agenda and roll call\tIndu Nambiar
Market Participant Portal (MPP) single sign-on\tJeff Hood / Ken Koppenhofer
ADS decommission\tAlex Lopez
Open forum\tAll

ADS decommission
The Automated Dispatch System user interface will be retired on July 1, 2020.
1. Move to the ADS replacement before June 30
2. See pages 4-6 of the transition guide: http://www.caiso.com/Documents/ADS-TransitionGuide.pdf

Next meeting: June 16, 2020
Contact for questions and agenda requests: Indu Nambiar, inambiar@caiso.com
""",
        {
            "title": "Technology User Group (TUG) Meeting",
            "date": "2020-06-02",
            "start_time": "10:00",
            "end_time": "11:00",
            "timezone": "America/Los_Angeles",
            "web_conference": {
                "url": "https://caiso.webex.com/meet/CAISO-TUG",
                "meeting_number": "966 010 353",
                "access_code": None,
            },
            "dial_in": [
                {"label": "Dial-in number", "number": "1-888-850-4523", "access_code": "195 345"}
            ],
            "topics": [
                {"title": "Agenda and roll call", "facilitator": "Indu Nambiar"},
                {
                    "title": "Market Participant Portal (MPP) single sign-on",
                    "facilitator": "Jeff Hood / Ken Koppenhofer",
                },
                {"title": "ADS decommission", "facilitator": "Alex Lopez"},
                {"title": "Open forum", "facilitator": "All"},
            ],
            "next_meeting_date": "2020-06-16",
            "contact": {"name": "Indu Nambiar", "email": "inambiar@caiso.com"},
        },
    ),
}


@needs_dejavu
@pytest.mark.parametrize("stem", sorted(UNSEEN))
def test_dry_run_json_reads_a_layout_it_was_not_written_for(stem, tmp_path):
    text, expected = UNSEEN[stem]
    (tmp_path / f"{stem}.txt").write_text(text, encoding="utf-8")
    write_docx(text, tmp_path / f"{stem}.docx")
    write_pdf(text, tmp_path / f"{stem}.pdf")

    out, _ = run(tmp_path, "--dry-run", "--format", "json")

    assert [data["file"] for data in json.loads(out)] == [
        f"{stem}.docx",
        f"{stem}.pdf",
        f"{stem}.txt",
    ]
    for data in json.loads(out):
        assert without_file(data) == expected, data["file"]


# ------------------------------------------------------------------------------- imports


@pytest.mark.django_db
def test_import_of_a_folder_reports_created_needs_a_look_and_failed(tmp_path):
    folder = folder_of(tmp_path, SEED, "mppf_2018-11-13.txt", "rsc_2019-07-16.txt")
    (folder / "empty.txt").touch()
    (folder / "junk.pdf").write_bytes(bytes(range(256)) * 16)

    out, err, error = run_failing(folder)

    assert out.splitlines() == [
        "Created (2):",
        "  mppf_2018-11-13.txt: mppf-2018-11-13",
        "  tug_2018-10-16.txt: tug-2018-10-16",
        "Needs a human look (3):",
        "  mppf_2018-11-13.txt: new program MPPF (Market Performance and Planning Forum): "
        "check its settings",
        "  rsc_2019-07-16.txt: not imported, program unknown: no program is named “Reliability "
        "Subcommittee Meeting” and the agenda prints no acronym to create one with (choose the "
        "program); no time zone found",
        "  tug_2018-10-16.txt: new program TUG (Technology User Group): check its settings; "
        "“OMS – CPG Announcement” announces a meeting on 2018-11-01 of a program not found "
        "here: not made",
        "Failed (2):",
        "  empty.txt: the file is empty",
        "  junk.pdf: this is not a readable PDF document",
        "2 created, 0 updated, 3 need a human look, 2 failed.",
    ]
    assert error == "2 of 5 files could not be imported."
    assert "Agendas: 100%" in err  # the progress bar, on stderr
    assert sorted(Meeting.objects.values_list("slug", flat=True)) == [
        "mppf-2018-11-13",
        "mppf-2018-12-11",  # the next meeting's placeholder
        "tug-2018-10-16",
        "tug-2018-10-30",
    ]


@pytest.mark.django_db
def test_import_again_updates_the_meetings_and_duplicates_nothing(tmp_path):
    folder = folder_of(tmp_path, SEED, "cpg_2019-02-12.txt")
    run(folder)
    before = row_counts()

    out, _ = run(folder)

    assert out.splitlines()[:3] == [
        "Updated (2):",
        "  cpg_2019-02-12.txt: cpg-2019-02-12",
        "  tug_2018-10-16.txt: tug-2018-10-16",
    ]
    assert row_counts() == before


@pytest.mark.django_db
def test_import_into_the_program_given(tmp_path):
    make_program("rsc", acronym="RSC", name="Reliability Subcommittee", time_zone="America/Denver")

    out, _ = run(AGENDAS / "rsc_2019-07-16.txt", "--program", "rsc")

    assert out.splitlines()[:2] == ["Created (1):", "  rsc_2019-07-16.txt: rsc-2019-07-16"]
    assert Meeting.objects.get(slug="rsc-2019-07-16").time_zone == "America/Denver"


@pytest.mark.django_db
def test_import_refuses_an_unknown_program():
    make_program("tug")

    with pytest.raises(CommandError) as failure:
        run(AGENDAS / SEED, "--program", "nope")

    assert str(failure.value) == "No program 'nope'; the programs are: tug."


@pytest.mark.django_db
def test_import_with_json_format_reports_each_outcome(tmp_path):
    out, _ = run(AGENDAS / SEED, "--format", "json")

    assert json.loads(out) == {
        "file": SEED,
        "status": "created",
        "meeting": "tug-2018-10-16",
        "warnings": [
            "new program TUG (Technology User Group): check its settings",
            "“OMS – CPG Announcement” announces a meeting on 2018-11-01 of a program not found "
            "here: not made",
        ],
        "reason": None,
    }


@pytest.mark.django_db
def test_import_of_a_missing_file_fails_with_its_name(tmp_path):
    out, _, _ = run_failing(tmp_path / "gone.txt")

    assert out.splitlines()[:2] == ["Failed (1):", "  gone.txt: no such file"]


@pytest.mark.django_db
def test_import_of_a_folder_without_agendas_says_so(tmp_path):
    (tmp_path / "notes.md").write_text("# nothing")

    with pytest.raises(CommandError) as failure:
        run(tmp_path)

    assert str(failure.value) == f"No .txt, .docx or .pdf file found in {tmp_path}"


# ------------------------------------------------------------------------ malformed files


def write_empty(path: Path) -> None:
    path.touch()


def write_junk(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def write_50_mb(path: Path) -> None:
    path.touch()
    os.truncate(path, 50 * 1024 * 1024)  # sparse: no disk space used


def write_pdf_without_text(path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)
    pdf.output(str(path))


MALFORMED = [
    ("agenda.txt", write_empty, "the file is empty"),
    ("agenda.docx", write_junk, "this is not a Word .docx document"),
    ("agenda.pdf", write_50_mb, "the file is 50.0 MB, over the 10.0 MB limit"),
    ("agenda.pdf", write_pdf_without_text, "the PDF has no text layer (is it a scanned image?)"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "write", "message"), MALFORMED)
def test_import_of_a_malformed_file_says_why_and_leaves_nothing(name, write, message, tmp_path):
    write(tmp_path / name)
    before = row_counts()

    out, _, error = run_failing(tmp_path / name)

    assert out.splitlines() == [
        "Failed (1):",
        f"  {name}: {message}",
        "0 created, 0 updated, 0 need a human look, 1 failed.",
    ]
    assert error == "1 of 1 files could not be imported."
    assert row_counts() == before


@pytest.mark.parametrize(("name", "write", "message"), MALFORMED)
def test_dry_run_json_of_a_malformed_file_says_why_on_stderr(name, write, message, tmp_path):
    write(tmp_path / name)

    out, err, _ = run_failing(tmp_path / name, "--dry-run", "--format", "json")

    assert (out, err) == ("", f"{name}: {message}\n")


@pytest.mark.django_db
def test_import_of_a_malformed_file_among_good_ones_imports_the_good_ones(tmp_path):
    folder = folder_of(tmp_path, SEED)
    write_junk(folder / "broken.docx")

    out, _, _ = run_failing(folder)

    assert "  tug_2018-10-16.txt: tug-2018-10-16" in out.splitlines()
    assert "  broken.docx: this is not a Word .docx document" in out.splitlines()
    assert Meeting.objects.filter(slug="tug-2018-10-16").exists()
