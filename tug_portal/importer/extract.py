"""Agenda file → text for the parser: plain text, Word (.docx) and PDF.

Files come from staff uploads, so every way a file can be unusable ends in one
``AgendaFileError`` whose message says, in words a person understands, what is wrong with it.
The size is checked on the file system before anything is read, and nothing beyond the limit is
ever read into memory.
"""

import codecs
import io
import os
import textwrap
import unicodedata
import zipfile
from pathlib import Path

import docx
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from tug_portal.importer.parsing import AgendaRecord, parse_agenda

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
SUPPORTED_EXTENSIONS = (".txt", ".docx", ".pdf")
# A .docx is a zip: refuse one that would unpack to far more than any agenda (a "zip bomb").
_MAX_UNPACKED_RATIO = 20
# Text files with this share of control characters are binary data named .txt.
_MAX_CONTROL_SHARE = 0.05
_NO_TEXT = {
    ".txt": "the file holds only blank space",
    ".docx": "the Word document holds no text",
    ".pdf": "the PDF has no text layer (is it a scanned image?)",
}


class AgendaFileError(ValueError):
    """An agenda file that cannot be read; the message is meant for the person who sent it."""


def read_agenda(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> AgendaRecord:
    """Parse an agenda file; the record's ``file`` is the file's name (never its full path)."""
    return parse_agenda(extract_text(path, max_bytes=max_bytes), file=Path(path).name)


def extract_text(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of an agenda file: Word tables become lines of tab-separated cells, in document
    order with the paragraphs; PDF pages keep their layout, columns apart by runs of spaces."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        kind = f"{suffix} files" if suffix else "files without an extension"
        raise AgendaFileError(f"{path.name}: {kind} are not supported; send .txt, .docx or .pdf")
    data = _read_bounded(path, max_bytes)
    if suffix == ".txt":
        text = _decode_text(path.name, data)
    elif suffix == ".docx":
        text = _docx_text(path.name, data, max_bytes)
    else:
        text = _pdf_text(path.name, data)
    if not text.strip():
        raise AgendaFileError(f"{path.name}: {_NO_TEXT[suffix]}")
    return text


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


def _docx_text(name: str, data: bytes, max_bytes: int) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(member.file_size for member in package.infolist())
    except zipfile.BadZipFile as exc:
        raise AgendaFileError(f"{name}: this is not a Word .docx document") from exc
    if unpacked > _MAX_UNPACKED_RATIO * max_bytes:
        raise AgendaFileError(f"{name}: the document unpacks to {_human_size(unpacked)}, too large")
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n".join(_block_text(block) for block in document.iter_inner_content())
    except Exception as exc:  # python-docx fails on damaged packages in many undocumented ways
        raise AgendaFileError(f"{name}: the Word document is damaged and cannot be read") from exc


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


def _pdf_text(name: str, data: bytes) -> str:
    """Layout extraction keeps a table's columns apart (by runs of spaces) where plain extraction
    would run the cells of a row together; ligatures ("ﬁ") are split back into letters."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise AgendaFileError(f"{name}: the PDF is password-protected")
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    except AgendaFileError:
        raise
    except Exception as exc:  # pypdf fails on damaged files in many undocumented ways
        raise AgendaFileError(f"{name}: this is not a readable PDF document") from exc
    return "\n\n".join(_tidy_page(page) for page in pages)


def _tidy_page(text: str) -> str:
    text = "".join(
        unicodedata.normalize("NFKC", c) if "\ufb00" <= c <= "\ufb06" else c for c in text
    )
    return textwrap.dedent("\n".join(line.rstrip() for line in text.splitlines()))
