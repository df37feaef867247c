"""Agenda file → text for the parser: plain text, Word (.docx) and PDF.

Files come from staff uploads, so every way a file can be unusable ends in one
``AgendaFileError`` whose message says, in words a person understands, what is wrong with it.
The size is checked on the file system before anything is read, and nothing beyond the limit is
ever read into memory. What a file may hold once unpacked is bounded too (``ReadLimits``): its
unpacked size, pages, paragraphs and line lengths, each checked before the work it would cost.
What the reading itself may cost (memory, time) is bounded by ``bounded.py``, which runs this
module in a child process.
"""

import codecs
import io
import os
import textwrap
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import docx
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from lxml import etree
from pypdf import PdfReader

from tug_portal.importer.parsing import AgendaRecord, parse_agenda

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
SUPPORTED_EXTENSIONS = (".txt", ".docx", ".pdf")
# A .docx is a zip: refuse one that would unpack to far more than any agenda (a "zip bomb").
_MAX_UNPACKED_RATIO = 20
_CHUNK = 64 * 1024
_DAMAGED = "{name}: the Word document is damaged and cannot be read"
_PARAGRAPH = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"
# Text files with this share of control characters are binary data named .txt.
_MAX_CONTROL_SHARE = 0.05
_NO_TEXT = {
    ".txt": "the file holds only blank space",
    ".docx": "the Word document holds no text",
    ".pdf": "the PDF has no text layer (is it a scanned image?)",
}


class AgendaFileError(ValueError):
    """An agenda file that cannot be read; the message is meant for the person who sent it."""


@dataclass(frozen=True)
class ReadLimits:
    """What an agenda file may hold. The longest real agendas are a few pages of a few hundred
    lines; these are a hundred times that, and far below what would strain a web process."""

    max_bytes: int = DEFAULT_MAX_BYTES  # the file itself
    max_unpacked_bytes: int = 20 * 1024 * 1024  # a .docx's parts inflated, a PDF's text
    max_pages: int = 200  # of a PDF
    max_paragraphs: int = 5_000  # of a .docx (its XML's paragraphs); lines of any text
    max_line_chars: int = 5_000  # one line of the text (a paragraph of a .docx)
    # What the parsed agenda may hold. Real agendas list a few dozen topics; each of these costs
    # a row (and a preview line) to import, all in one request.
    max_topics: int = 200
    max_dial_ins: int = 20
    max_documents: int = 200  # linked by all its topics together
    max_announcements: int = 50


def read_agenda(
    path: str | os.PathLike, *, max_bytes: int | None = None, limits: ReadLimits = ReadLimits()
) -> AgendaRecord:
    """Parse an agenda file; the record's ``file`` is the file's name (never its full path)."""
    text = extract_text(path, max_bytes=max_bytes, limits=limits)
    record = parse_agenda(text, file=Path(path).name)
    _check_contents(record, limits)
    return record


def _check_contents(record: AgendaRecord, limits: ReadLimits) -> None:
    counts = (
        ("topics", len(record.topics), limits.max_topics),
        ("dial-in numbers", len(record.dial_in), limits.max_dial_ins),
        ("documents", sum(len(topic.documents) for topic in record.topics), limits.max_documents),
        ("announcements", len(record.announcements), limits.max_announcements),
    )
    for what, count, limit in counts:
        if count > limit:
            raise AgendaFileError(
                f"{record.file}: the agenda lists {count:,} {what}, over the {limit:,} limit"
            )


def extract_text(
    path: str | os.PathLike, *, max_bytes: int | None = None, limits: ReadLimits = ReadLimits()
) -> str:
    """The text of an agenda file: Word tables become lines of tab-separated cells, in document
    order with the paragraphs; PDF pages keep their layout, columns apart by runs of spaces."""
    if max_bytes is not None:
        limits = replace(limits, max_bytes=max_bytes)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        kind = f"{suffix} files" if suffix else "files without an extension"
        raise AgendaFileError(f"{path.name}: {kind} are not supported; send .txt, .docx or .pdf")
    data = _read_bounded(path, limits.max_bytes)
    if suffix == ".txt":
        text = _decode_text(path.name, data)
    elif suffix == ".docx":
        text = _docx_text(path.name, data, limits)
    else:
        text = _pdf_text(path.name, data, limits)
    if not text.strip():
        raise AgendaFileError(f"{path.name}: {_NO_TEXT[suffix]}")
    _check_lines(path.name, text, limits)
    return text


def _check_lines(name: str, text: str, limits: ReadLimits) -> None:
    """No agenda runs to tens of thousands of lines, nor prints a line of thousands of
    characters: the parser reads every line many times, each costing time in its length."""
    lines = text.splitlines()  # as the parser splits them
    if len(lines) > limits.max_paragraphs:
        raise AgendaFileError(
            f"{name}: the text runs to {len(lines):,} lines, over the "
            f"{limits.max_paragraphs:,} limit"
        )
    for number, line in enumerate(lines, start=1):
        if len(line) > limits.max_line_chars:
            raise AgendaFileError(
                f"{name}: line {number:,} is {len(line):,} characters long, over the "
                f"{limits.max_line_chars:,} limit"
            )


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size == 0:
            raise AgendaFileError(f"{path.name}: the file is empty")
        if size > max_bytes:
            raise AgendaFileError(_too_large(path.name, size, max_bytes))
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise AgendaFileError(f"{path.name}: the file cannot be read ({exc.strerror})") from exc
    if len(data) > max_bytes:
        raise AgendaFileError(_too_large(path.name, len(data), max_bytes))
    return data


def _too_large(name: str, size: int, max_bytes: int) -> str:
    return f"{name}: the file is {_human_size(size)}, over the {_human_size(max_bytes)} limit"


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} bytes"


def _decode_text(name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Word's "Unicode text"), else Windows-1252,
    the encoding of text saved by older Windows tools."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif b"\x00" in data:
        raise AgendaFileError(f"{name}: the file holds binary data, not text")
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _control_share(text) > _MAX_CONTROL_SHARE:
            raise AgendaFileError(f"{name}: the file holds binary data, not text")
        return text
    raise AgendaFileError(f"{name}: the text cannot be decoded (not UTF-8, UTF-16 or Windows-1252)")


def _control_share(text: str) -> float:
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
    return controls / len(text) if text else 0.0


def _docx_text(name: str, data: bytes, limits: ReadLimits) -> str:
    cap = min(limits.max_unpacked_bytes, _MAX_UNPACKED_RATIO * limits.max_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            unpacked = sum(member.file_size for member in members)
            if unpacked > cap:  # as declared: refused before anything is inflated
                raise AgendaFileError(
                    f"{name}: the document unpacks to {_human_size(unpacked)}, too large"
                )
            _check_package(name, package, members, cap, limits.max_paragraphs)
    except zipfile.BadZipFile as exc:
        raise AgendaFileError(f"{name}: this is not a Word .docx document") from exc
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n".join(_block_text(block) for block in document.iter_inner_content())
    except Exception as exc:  # python-docx fails on damaged packages in many undocumented ways
        raise AgendaFileError(_DAMAGED.format(name=name)) from exc


def _check_package(name, package, members, cap: int, max_paragraphs: int) -> None:
    """Inflate every part once, a chunk at a time, counting what it really unpacks to (a zip's
    headers may lie) and the paragraphs of its XML, before python-docx builds any of it in
    memory: each check stops at its limit, having held no more than a chunk."""
    unpacked = paragraphs = 0
    for member in members:
        counter = _paragraph_counter() if member.filename.endswith(".xml") else None
        try:
            with package.open(member) as part:
                while chunk := part.read(_CHUNK):
                    unpacked += len(chunk)
                    if unpacked > cap:
                        raise AgendaFileError(
                            f"{name}: the document unpacks to more than {_human_size(cap)}, "
                            "too large"
                        )
                    if counter is not None:
                        paragraphs += counter(chunk)
                        if paragraphs > max_paragraphs:
                            raise AgendaFileError(
                                f"{name}: the document has more than {max_paragraphs:,} "
                                "paragraphs, over the limit"
                            )
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, etree.Error) as exc:
            raise AgendaFileError(_DAMAGED.format(name=name)) from exc


def _paragraph_counter():
    """Feed it an XML part chunk by chunk: it answers how many Word paragraphs each chunk
    ended. Read elements are dropped at once, so its memory stays that of one chunk."""
    parser = etree.XMLPullParser(
        events=("end",), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )

    def count(chunk: bytes) -> int:
        parser.feed(chunk)
        ended = 0
        for _, element in parser.read_events():
            ended += element.tag == _PARAGRAPH
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
        return ended

    return count


def _block_text(block: Paragraph | Table) -> str:
    if isinstance(block, Table):
        return "\n".join(_row_text(row) for row in block.rows)
    return _paragraph_text(block)


def _row_text(row) -> str:
    """Cells joined by tabs, one per grid column so that rows line up with their header: a
    merged cell is listed once and leaves the columns it spans empty."""
    cells = [""] * row.grid_cols_before
    previous = None
    for cell in row.cells:
        cells.append("" if cell is previous else _cell_text(cell))
        previous = cell
    return "\t".join(cells)


def _cell_text(cell) -> str:
    """A cell on one line: its paragraphs (several presenters, say) are joined by "; "."""
    texts = (" ".join(_paragraph_text(p).split()) for p in cell.paragraphs)
    return "; ".join(text for text in texts if text)


def _paragraph_text(paragraph: Paragraph) -> str:
    """The paragraph as read: list items get a "- " (indented by level) that Word draws but does
    not store, and a link whose text hides its address shows it in parentheses."""
    parts = []
    for item in paragraph.iter_inner_content():
        text = item.text
        if isinstance(item, Hyperlink) and item.url and item.url not in text:
            text = f"{text} ({item.url})" if text.strip() else item.url
        parts.append(text)
    return _list_marker(paragraph) + "".join(parts)


def _list_marker(paragraph: Paragraph) -> str:
    # python-docx has no public API for list membership: read the paragraph's numbering
    # properties, or a "List ..." style that carries them.
    properties = paragraph._p.pPr
    numbering = properties.numPr if properties is not None else None
    style = paragraph.style.name if paragraph.style is not None else ""
    if numbering is None and not style.startswith("List"):
        return ""
    level = numbering.ilvl.val if numbering is not None and numbering.ilvl is not None else 0
    return "    " * level + "- "


def _pdf_text(name: str, data: bytes, limits: ReadLimits) -> str:
    """Layout extraction keeps a table's columns apart (by runs of spaces) where plain extraction
    would run the cells of a row together; ligatures ("ﬁ") are split back into letters.
    Pages are counted before any is read (each read costs time), by the count the document
    declares, then by its page tree (the count may lie)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise AgendaFileError(f"{name}: the PDF is password-protected")
        _check_pages(name, _declared_pages(reader), limits)
        _check_pages(name, len(reader.pages), limits)
        pages, extracted = [], 0
        for page in reader.pages:
            pages.append(page.extract_text(extraction_mode="layout"))
            extracted += len(pages[-1])
            if extracted > limits.max_unpacked_bytes:
                raise AgendaFileError(
                    f"{name}: the PDF holds more than {_human_size(limits.max_unpacked_bytes)} "
                    "of text, over the limit"
                )
    except AgendaFileError:
        raise
    except Exception as exc:  # pypdf fails on damaged files in many undocumented ways
        raise AgendaFileError(f"{name}: this is not a readable PDF document") from exc
    return "\n\n".join(_tidy_page(page) for page in pages)


def _declared_pages(reader: PdfReader) -> int:
    try:
        count = reader.trailer["/Root"]["/Pages"]["/Count"]
    except (KeyError, TypeError, AttributeError):
        return 0  # no count: the page tree tells
    return int(count) if isinstance(count, int) else 0


def _check_pages(name: str, pages: int, limits: ReadLimits) -> None:
    if pages > limits.max_pages:
        raise AgendaFileError(
            f"{name}: the PDF has {pages:,} pages, over the {limits.max_pages:,} limit"
        )


def _tidy_page(text: str) -> str:
    text = "".join(
        unicodedata.normalize("NFKC", c) if "\ufb00" <= c <= "\ufb06" else c for c in text
    )
    return textwrap.dedent("\n".join(line.rstrip() for line in text.splitlines()))
