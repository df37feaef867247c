"""Checking an uploaded material before anything is stored: its type by its content (never by
its name), its size against its kind's limit, and a clean download name.

A refusal is a `MaterialRefused` whose message says why, in words staff can act on; the admin
shows it on the form and saves nothing.

Office files are zip archives: only their central directory is read (the names of the parts),
never a part's content, and only after the end record says the directory is small, so a
crafted archive (a "zip bomb", millions of entries) costs no memory.
"""

import struct
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.utils.text import slugify

from .models import Material

HEAD_BYTES = 8192
TEXT_SAMPLE_BYTES = 64 * 1024
# An Office document's central directory is a few KB; these are far past any real one.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_DIRECTORY_BYTES = 2 * 2**20
ZIP_END_RECORD = b"PK\x05\x06"
ZIP_END_SEARCH = 22 + 65535  # the end record, and the longest comment it may carry


class MaterialRefused(ValueError):
    """An upload that is not stored; the message says why."""


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word"
)
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptx",
    "PowerPoint",
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel"
)
CSV = FileType("text/csv", "csv", "CSV")
TEXT = FileType("text/plain", "txt", "plain text")

# What filetype recognises by its magic numbers and we accept, by its MIME type.
ACCEPTED_BY_MAGIC = {
    "application/pdf": PDF,
    "application/msword": FileType("application/msword", "doc", "Word (97-2003)"),
    "application/vnd.ms-powerpoint": FileType(
        "application/vnd.ms-powerpoint", "ppt", "PowerPoint (97-2003)"
    ),
    "application/vnd.ms-excel": FileType("application/vnd.ms-excel", "xls", "Excel (97-2003)"),
    "image/png": FileType("image/png", "png", "PNG image"),
    "image/jpeg": FileType("image/jpeg", "jpg", "JPEG image"),
    "image/gif": FileType("image/gif", "gif", "GIF image"),
    "image/webp": FileType("image/webp", "webp", "WebP image"),
    "audio/mpeg": FileType("audio/mpeg", "mp3", "MP3 audio"),
    "audio/mp4": FileType("audio/mp4", "m4a", "M4A audio"),
    "audio/x-wav": FileType("audio/wav", "wav", "WAV audio"),
    "audio/ogg": FileType("audio/ogg", "ogg", "Ogg audio"),
    "audio/x-flac": FileType("audio/flac", "flac", "FLAC audio"),
    "video/mp4": FileType("video/mp4", "mp4", "MP4 video"),
    "video/x-m4v": FileType("video/mp4", "mp4", "MP4 video"),
    "video/quicktime": FileType("video/quicktime", "mov", "QuickTime video"),
    "video/webm": FileType("video/webm", "webm", "WebM video"),
    "video/x-matroska": FileType("video/x-matroska", "mkv", "Matroska video"),
}
# An OOXML package names its main part's folder.
OOXML_FOLDERS = {"word/": DOCX, "ppt/": PPTX, "xl/": XLSX}
ACCEPTED_WORDS = (
    "PDF, PowerPoint, Word, Excel, CSV, plain text, images (PNG, JPEG, GIF, WebP), "
    "audio (MP3, M4A, WAV, Ogg, FLAC) and video (MP4, QuickTime, WebM, Matroska)"
)
RECORDING_WORDS = "audio (MP3, M4A, WAV, Ogg, FLAC) or video (MP4, QuickTime, WebM, Matroska)"


@dataclass(frozen=True)
class CheckedUpload:
    file_type: FileType
    name: str  # the cleaned download name
    size: int


def size_limit(kind: str) -> int:
    if kind == Material.Kind.RECORDING:
        return settings.TUG_MATERIALS_MAX_RECORDING_BYTES
    return settings.TUG_MATERIALS_MAX_FILE_BYTES


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size / 1024:.0f} KB"


def upload_check(upload, *, kind: str) -> CheckedUpload:
    """What the upload is, or `MaterialRefused`. Reads the first bytes (and, for an Office
    file, its zip directory); the file's position is left at its start."""
    size = upload.size
    if not size:
        raise MaterialRefused("The file is empty.")
    limit = size_limit(kind)
    if size > limit:
        label = Material.Kind(kind).label.lower()
        raise MaterialRefused(
            f"The file is {_megabytes(size)}; a {label} may be at most {_megabytes(limit)}"
            + (" (post a long recording as a link)." if kind == Material.Kind.RECORDING else ".")
        )
    file_type = content_type(upload, name=upload.name or "")
    kind_check(kind, mime=file_type.mime, label=file_type.label)
    return CheckedUpload(
        file_type=file_type, name=clean_name(upload.name or "", file_type), size=size
    )


def kind_check(kind: str, *, mime: str, label: str) -> None:
    """A recording's file is an audio or video container (a recording may also be a link)."""
    if kind == Material.Kind.RECORDING and not mime.startswith(("audio/", "video/")):
        raise MaterialRefused(
            f"A recording must be an audio or video file ({RECORDING_WORDS}); this file is "
            f"{label}. Post it as another kind, or give the recording's link."
        )


def content_type(upload, *, name: str) -> FileType:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    try:
        if head.startswith(b"PK\x03\x04"):
            return _office_type(upload)
        guessed = filetype.guess(head)
        if guessed is not None:
            if guessed.mime in ACCEPTED_BY_MAGIC:
                return ACCEPTED_BY_MAGIC[guessed.mime]
            raise MaterialRefused(
                f"This file is {guessed.extension.upper()} ({guessed.mime}), which is not "
                f"accepted. Accepted: {ACCEPTED_WORDS}."
            )
        upload.seek(0)
        if _is_text(upload.read(TEXT_SAMPLE_BYTES)):
            return CSV if name.lower().endswith(".csv") else TEXT
    finally:
        upload.seek(0)
    raise MaterialRefused(
        f"The file's content is of no type we accept, whatever its name says. Accepted: "
        f"{ACCEPTED_WORDS}."
    )


def _office_type(upload) -> FileType:
    """A Word, PowerPoint or Excel (OOXML) document, from its zip directory's names."""
    upload.seek(0, 2)
    end = upload.tell()
    upload.seek(max(0, end - ZIP_END_SEARCH))
    tail = upload.read()
    at = tail.rfind(ZIP_END_RECORD)
    if at < 0 or len(tail) - at < 22:
        raise MaterialRefused("The file looks like a zip archive but is damaged.")
    _sig, _disk, _cd_disk, _here, entries, directory_size, _offset, _comment = struct.unpack(
        "<4s4H2LH", tail[at : at + 22]
    )
    if entries > ZIP_MAX_ENTRIES or directory_size > ZIP_MAX_DIRECTORY_BYTES:
        raise MaterialRefused(
            f"The archive lists {entries} parts: more than any Office document holds."
        )
    upload.seek(0)
    try:
        names = zipfile.ZipFile(upload).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise MaterialRefused("The file looks like a zip archive but is damaged.") from error
    if "[Content_Types].xml" in names:
        for folder, file_type in OOXML_FOLDERS.items():
            if any(name.startswith(folder) for name in names):
                return file_type
    raise MaterialRefused(
        f"A zip archive that is not a Word, PowerPoint or Excel document is not accepted. "
        f"Accepted: {ACCEPTED_WORDS}."
    )


def _is_text(sample: bytes) -> bool:
    """UTF-8 (or its ASCII subset) with no control characters but tabs and line ends."""
    if not sample:
        return False
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A sample cut inside a character is still text; anything else is not.
        if error.start < len(sample) - 3:
            return False
        text = sample[: error.start].decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return not any((ord(c) < 32 and c not in "\t\n\r\f") or c == "\x7f" for c in text)


def clean_name(name: str, file_type: FileType) -> str:
    """A stable download name: the last path part, slugged (no control characters, no
    spaces), with the extension of what the content is, e.g. "Q3 Slides (final).PPTX" ->
    "q3-slides-final.pptx"."""
    last = PurePosixPath(name.replace("\\", "/")).name
    stem = PurePosixPath(last).stem if "." in last else last
    slug = slugify(stem)[:100].strip("-") or "material"
    return f"{slug}.{file_type.extension}"
