"""Hostile agenda files, as the security review reproduced them, built small on disk.

Used by the importer's tests and by `python -m bench.importer_limits` (which measures what
reading each one costs). Every builder writes the file at `path` and returns it.
"""

import io
import struct
import zipfile
from pathlib import Path

import docx

AGENDAS = Path(__file__).parent / "agendas"
SEED = "tug_2018-10-16.txt"
MB = 1024 * 1024


def quadratic_regex_txt(path: Path, size: int = 64 * 1024) -> Path:
    """The seed agenda whose link, wrapped onto the next line, goes on with a run of slashes:
    the shape that made `_URL_TAIL.fullmatch` take time quadratic in the line's length."""
    lines = (AGENDAS / SEED).read_text().splitlines()
    wrapped = next(i for i, line in enumerate(lines) if line.startswith(" Phase2-DRRS"))
    lines[wrapped] = " " + "/" * size + "."
    path.write_text("\n".join(lines) + "\n")
    return path


def quadratic_regex_line(size: int = 64 * 1024) -> str:
    """The same agenda as text, for the parser alone."""
    lines = (AGENDAS / SEED).read_text().splitlines()
    wrapped = next(i for i, line in enumerate(lines) if line.startswith(" Phase2-DRRS"))
    lines[wrapped] = " " + "/" * size + "."
    return "\n".join(lines) + "\n"


def _docx_parts() -> dict[str, bytes]:
    """The parts of python-docx's blank document: a real Word package to put a body into."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return {name: package.read(name) for name in package.namelist()}


def _docx_with_body(path: Path, paragraph: bytes, count: int) -> Path:
    """A Word package whose body repeats `paragraph` `count` times, written in chunks (never
    held whole in memory) and deflated: megabytes of the same bytes pack into kilobytes."""
    parts = _docx_parts()
    head, _, _ = parts.pop("word/document.xml").partition(b"<w:body>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
        with package.open("word/document.xml", "w") as body:
            body.write(head + b"<w:body>")
            chunk = 100_000
            for start in range(0, count, chunk):
                body.write(paragraph * min(chunk, count - start))
            body.write(b"</w:body></w:document>")
    return path


def empty_paragraphs_docx(path: Path, unpacked: int = 190 * MB) -> Path:
    """A .docx of a few hundred KB holding `unpacked` bytes of empty paragraphs."""
    paragraph = b"<w:p/>"
    return _docx_with_body(path, paragraph, unpacked // len(paragraph))


def many_paragraphs_docx(path: Path, paragraphs: int = 3_000_000) -> Path:
    """A .docx of millions of one-letter paragraphs, under the unpacked-size limit (18 MB)."""
    return _docx_with_body(path, b"<w:p/>", paragraphs)


def zip_bomb_docx(path: Path, members: int = 200, member_size: int = MB) -> Path:
    """A "Word document" of 200 members of a megabyte of zeros each: 200 MB unpacked from
    about 250 KB on disk."""
    parts = _docx_parts()
    zeros = bytes(member_size)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
        for k in range(members):
            package.writestr(f"word/media/image{k}.bin", zeros)
    return path


def lying_zip_docx(path: Path, unpacked: int = 50 * MB) -> Path:
    """A .docx whose body declares 1 KB in the zip's headers but inflates to `unpacked` bytes."""
    _docx_with_body(path, b"<w:p/>", unpacked // 6)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as package:
        info = package.getinfo("word/document.xml")
    lie = struct.pack("<I", 1024)
    data[info.header_offset + 22 : info.header_offset + 26] = lie  # the local header's size
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(info.filename)] != info.filename.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = lie  # the central directory's
    path.write_bytes(bytes(data))
    return path


def many_pages_pdf(path: Path, pages: int = 60_000) -> Path:
    """A PDF of `pages` pages sharing one line of text: a few MB on disk, written as raw PDF
    objects (an fpdf2 document this long would take minutes to build)."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        None,  # the page tree, once the pages' numbers are known
        _stream(b"BT /F1 12 Tf 72 720 Td (Technology User Group) Tj ET"),
        b"<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>",
    ]
    first = len(objects) + 1
    kids = b" ".join(b"%d 0 R" % n for n in range(first, first + pages))
    objects[1] = b"<</Type/Pages/Count %d/MediaBox[0 0 612 792]/Resources 4 0 R/Kids[%s]>>" % (
        pages,
        kids,
    )
    objects.extend(b"<</Type/Page/Parent 2 0 R/Contents 3 0 R>>" for _ in range(pages))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _stream(content: bytes) -> bytes:
    return b"<</Length %d>>\nstream\n%s\nendstream" % (len(content), content)


def many_topics_txt(path: Path, topics: int = 19_000) -> Path:
    """The seed agenda with its topic table grown to `topics` rows (1.1 MB for 19,000): within
    the file's size, once a burden on every later step (the preview, the import's inserts)."""
    lines = (AGENDAS / SEED).read_text().splitlines()
    header = lines.index("Topic\tFacilitator")
    rows = [f"Topic number {n}\tAda Lovelace" for n in range(1, topics + 1)]
    path.write_text("\n".join([*lines[: header + 1], *rows, *lines[header + 4 :]]) + "\n")
    return path


SHAPES = {
    "quadratic-regex.txt": quadratic_regex_txt,
    "many-topics.txt": many_topics_txt,
    "empty-paragraphs.docx": empty_paragraphs_docx,
    "many-paragraphs.docx": many_paragraphs_docx,
    "zip-bomb.docx": zip_bomb_docx,
    "lying-zip.docx": lying_zip_docx,
    "many-pages.pdf": many_pages_pdf,
}
