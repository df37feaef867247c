import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF
from fpdf.enums import VAlign

from tug_portal.importer.extract import AgendaFileError, extract_text, read_agenda
from tug_portal.importer.parsing import parse_agenda

AGENDAS = Path(__file__).parent / "agendas"
FIXTURES = sorted(path.name for path in AGENDAS.glob("*.txt"))
FONTS = Path("/usr/share/fonts/truetype/dejavu")
needs_dejavu = pytest.mark.skipif(
    not (FONTS / "DejaVuSans.ttf").exists() or not (FONTS / "DejaVuSansMono.ttf").exists(),
    reason="PDFs with en dashes need the DejaVu TTF fonts (Debian package fonts-dejavu-core)",
)


# ------------------------------------------------------------------------- document writers


def blocks(text: str) -> list[str | list[list[str]]]:
    """The agenda's lines, consecutive tab-separated lines grouped into one table."""
    found: list[str | list[list[str]]] = []
    for line in text.splitlines():
        if "\t" not in line:
            found.append(line)
        elif found and isinstance(found[-1], list):
            found[-1].append(line.split("\t"))
        else:
            found.append([line.split("\t")])
    return found


def rectangular(rows: list[list[str]]) -> list[list[str]]:
    width = max(map(len, rows))
    return [cells + [""] * (width - len(cells)) for cells in rows]


def write_docx(text: str, path: Path) -> Path:
    """Tables as Word tables (a heading cell followed by empty ones spans them, as Word authors
    merge them), the rest as paragraphs."""
    document = docx.Document()
    for block in blocks(text):
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        rows = rectangular(block)
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for row, cells in zip(table.rows, rows, strict=True):
            for cell, value in zip(row.cells, cells, strict=True):
                cell.text = value
        merge_heading_spans(table, rows[0])
    document.save(path)
    return path


def merge_heading_spans(table, heading: list[str]) -> None:
    for k, value in enumerate(heading):
        if value and k + 1 < len(heading) and not heading[k + 1]:
            table.cell(0, k).merge(table.cell(0, k + 1))


def write_pdf(text: str, path: Path, *, topic_width: float | None = None) -> Path:
    """Tables drawn by fpdf2 (cells left-aligned, at the top); lines laid out with spaces in a
    monospaced font, so that their columns stay aligned; other lines in DejaVu Sans."""
    pdf = FPDF(orientation="landscape")
    pdf.add_font("Sans", fname=FONTS / "DejaVuSans.ttf")
    pdf.add_font("Mono", fname=FONTS / "DejaVuSansMono.ttf")
    pdf.add_page()
    pdf.set_font("Sans", size=9)
    for block in blocks(text):
        if isinstance(block, list):
            draw_table(pdf, rectangular(block), topic_width)
        elif not block.strip():
            pdf.ln(4)
        elif "  " in block.strip() or block.startswith(" "):
            pdf.set_font("Mono", size=9)
            pdf.cell(0, 5, block, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Sans", size=9)
        else:
            pdf.multi_cell(0, 5, block, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def draw_table(pdf: FPDF, rows: list[list[str]], topic_width: float | None) -> None:
    widths = [max(pdf.get_string_width(row[k]) for row in rows) + 8 for k in range(len(rows[0]))]
    if topic_width and "Topic" in rows[0]:
        widths[rows[0].index("Topic")] = topic_width  # narrow: titles wrap inside their cell
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        text_align="LEFT",
        v_align=VAlign.T,
        first_row_as_headings=False,
        line_height=5,
    ) as table:
        for cells in rows:
            row = table.row()
            for value in cells:
                row.cell(value)


def json_without_file(record) -> dict:
    data = record.to_json_dict()
    del data["file"]
    return data


def text_json(name: str) -> dict:
    return json_without_file(parse_agenda((AGENDAS / name).read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    ("suffix", "write"),
    [
        pytest.param(".docx", write_docx, id="docx"),
        pytest.param(".pdf", write_pdf, id="pdf", marks=needs_dejavu),
    ],
)
@pytest.mark.parametrize("name", FIXTURES)
def test_read_agenda_gives_same_json_from_docx_and_pdf_as_from_text(name, suffix, write, tmp_path):
    text = (AGENDAS / name).read_text(encoding="utf-8")
    path = write(text, tmp_path / name.replace(".txt", suffix))

    assert json_without_file(read_agenda(path)) == text_json(name)


@needs_dejavu
def test_read_agenda_joins_topic_titles_wrapped_inside_pdf_cells(tmp_path):
    text = (AGENDAS / "mppf_2018-11-13.txt").read_text(encoding="utf-8")
    path = write_pdf(text, tmp_path / "narrow.pdf", topic_width=38)

    rows = [line.split() for line in extract_text(path).splitlines()]

    assert ["Highlights"] in rows  # the title did wrap onto a line of its own
    assert json_without_file(read_agenda(path)) == text_json("mppf_2018-11-13.txt")


def test_read_agenda_names_the_record_after_the_file(tmp_path):
    path = tmp_path / "tug.txt"
    path.write_text((AGENDAS / "tug_2018-10-16.txt").read_text(encoding="utf-8"), encoding="utf-8")

    assert read_agenda(path).file == "tug.txt"


def test_extract_text_reads_word_tables_in_document_order(tmp_path):
    text = (AGENDAS / "tug_2018-10-16.txt").read_text(encoding="utf-8")
    path = write_docx(text, tmp_path / "tug.docx")

    lines = extract_text(path).splitlines()

    assert lines[lines.index("TUG Agenda") + 2 :][:9] == [
        "Web Conference Information\t\tConference Call Information\t",
        "URL\thttps://caiso.webex.com/meet/CAISO-TUG\tDomestic Call-In\t(866) 528-2256",
        "Meeting Number\t966 010 353\tInternational Call-In\t(216) 706-7052",
        "Access Code\t389 588 9\tAccess Code\t389 588 9",
        "",
        "Topic\tFacilitator",
        "Agenda and Roll Call\tIndu Nambiar",
        "DRRS – Acceptable Use Policy Changes\tNalini Chari",
        "OMS – CPG Announcement\tJustin Wong",
    ]


def test_extract_text_joins_paragraphs_of_a_word_cell(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Release Update"
    table.cell(0, 1).text = "Trang Deluca"
    table.cell(0, 1).add_paragraph("Sarah Warren")
    document.save(tmp_path / "cell.docx")

    assert extract_text(tmp_path / "cell.docx") == "Release Update\tTrang Deluca; Sarah Warren"


def test_extract_text_marks_word_list_items_as_bullets(tmp_path):
    document = docx.Document()
    document.add_paragraph("Market Update")
    document.add_paragraph("Prices fell in October.", style="List Bullet")
    document.save(tmp_path / "list.docx")

    assert extract_text(tmp_path / "list.docx") == "Market Update\n- Prices fell in October."


def test_extract_text_shows_address_of_a_word_hyperlink(tmp_path):
    document = docx.Document()
    paragraph = document.add_paragraph("See the ")
    add_hyperlink(paragraph, "Technical Specification", "https://www.caiso.com/spec.pdf")
    document.save(tmp_path / "link.docx")

    assert extract_text(tmp_path / "link.docx") == (
        "See the Technical Specification (https://www.caiso.com/spec.pdf)"
    )


def add_hyperlink(paragraph, text: str, url: str) -> None:
    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    run_text = OxmlElement("w:t")
    run_text.text = text
    run.append(run_text)
    link.append(run)
    paragraph._p.append(link)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Agenda – TUG".encode("utf-16"), "Agenda – TUG"),
        ("Agenda – TUG".encode("utf-8-sig"), "Agenda – TUG"),
        ("Agenda – TUG".encode("cp1252"), "Agenda – TUG"),
    ],
)
def test_extract_text_decodes_text_file_saved_by_windows_tools(data, text, tmp_path):
    path = tmp_path / "agenda.txt"
    path.write_bytes(data)

    assert extract_text(path) == text


# ------------------------------------------------------------------------- unusable files


def refusal(path: Path, **options) -> str:
    with pytest.raises(AgendaFileError) as caught:
        extract_text(path, **options)
    return str(caught.value)


@pytest.mark.parametrize("suffix", [".txt", ".docx", ".pdf"])
def test_extract_text_refuses_empty_file(suffix, tmp_path):
    path = tmp_path / f"agenda{suffix}"
    path.touch()

    assert refusal(path) == f"agenda{suffix}: the file is empty"


def test_extract_text_refuses_text_file_of_blank_space(tmp_path):
    path = tmp_path / "agenda.txt"
    path.write_text(" \n\t\n")

    assert refusal(path) == "agenda.txt: the file holds only blank space"


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        (".txt", "agenda.txt: the file holds binary data, not text"),
        (".docx", "agenda.docx: this is not a Word .docx document"),
        (".pdf", "agenda.pdf: this is not a readable PDF document"),
    ],
)
def test_extract_text_refuses_binary_junk(suffix, message, tmp_path):
    path = tmp_path / f"agenda{suffix}"
    path.write_bytes(bytes(range(256)) * 16)

    assert refusal(path) == message


def test_extract_text_refuses_control_characters_named_txt(tmp_path):
    path = tmp_path / "agenda.txt"
    path.write_bytes(bytes(range(1, 32)) * 4 + b"TUG")

    assert refusal(path) == "agenda.txt: the file holds binary data, not text"


def test_extract_text_refuses_undecodable_text(tmp_path):
    path = tmp_path / "agenda.txt"
    path.write_bytes(b"Agenda \x81\x8d\x8f\x90\x9d")

    assert refusal(path) == (
        "agenda.txt: the text cannot be decoded (not UTF-8, UTF-16 or Windows-1252)"
    )


def test_extract_text_refuses_50_mb_file_without_reading_it(tmp_path):
    path = tmp_path / "agenda.pdf"
    path.touch()
    os.truncate(path, 50 * 1024 * 1024)  # sparse: no disk space used

    tracemalloc.start()
    try:
        message = refusal(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert message == "agenda.pdf: the file is 50.0 MB, over the 10.0 MB limit"
    assert peak < 1024 * 1024


def test_extract_text_refuses_file_over_given_limit(tmp_path):
    path = tmp_path / "agenda.txt"
    path.write_text("Technology User Group\n" * 100)

    assert refusal(path, max_bytes=1024) == "agenda.txt: the file is 2.1 KB, over the 1.0 KB limit"


def test_extract_text_refuses_docx_that_unpacks_to_far_more_than_its_limit(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"\0" * 4 * 1024 * 1024)
    path = tmp_path / "bomb.docx"
    path.write_bytes(buffer.getvalue())

    assert refusal(path, max_bytes=100 * 1024) == (
        "bomb.docx: the document unpacks to 4.0 MB, too large"
    )


def test_extract_text_refuses_damaged_word_package(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", b"<not-a-document/>")
    path = tmp_path / "damaged.docx"
    path.write_bytes(buffer.getvalue())

    assert refusal(path) == "damaged.docx: the Word document is damaged and cannot be read"


def test_extract_text_refuses_word_document_without_text(tmp_path):
    path = tmp_path / "blank.docx"
    docx.Document().save(path)

    assert refusal(path) == "blank.docx: the Word document holds no text"


def test_extract_text_refuses_pdf_without_text(tmp_path):
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))

    assert refusal(path) == "scan.pdf: the PDF has no text layer (is it a scanned image?)"


def test_extract_text_refuses_password_protected_pdf(tmp_path):
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Technology User Group")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))

    assert refusal(path) == "locked.pdf: the PDF is password-protected"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("agenda.doc", "agenda.doc: .doc files are not supported; send .txt, .docx or .pdf"),
        (
            "agenda",
            "agenda: files without an extension are not supported; send .txt, .docx or .pdf",
        ),
    ],
)
def test_extract_text_refuses_unknown_file_type(name, message, tmp_path):
    path = tmp_path / name
    path.write_text("Technology User Group")

    assert refusal(path) == message


def test_extract_text_refuses_missing_file(tmp_path):
    assert refusal(tmp_path / "gone.txt") == (
        "gone.txt: the file cannot be read (No such file or directory)"
    )


def test_agenda_file_error_is_a_value_error():
    assert issubclass(AgendaFileError, ValueError)
