"""An uploaded agenda between the admin's preview and its confirmation.

The upload is read once, for the preview (in a bounded child process: `bounded.py`); what was
read (name, digest of the bytes, parsed record) waits in the cache (Redis in production, shared
by every web process) under a random token, for an hour, for the user who uploaded it. The
confirmation imports that record without reading the file again, so what is imported is
exactly what was previewed, and a costly file costs once.
"""

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile

from .sources import AgendaSource, source_read

PENDING_SECONDS = 3600
_KEY = "importer:upload:v2:{token}"  # v2: the record read, no longer the bytes
NAME_MAX_BYTES = 255


@dataclass(frozen=True)
class PendingUpload:
    token: str
    source: AgendaSource
    user_id: int


def upload_read(upload: UploadedFile) -> AgendaSource:
    """Read an upload like a file on disk (`AgendaFileError` when it cannot be used). Django
    already spooled a large upload to disk: it is copied in chunks, never held in memory."""
    with tempfile.TemporaryDirectory(prefix="tug-agenda-") as folder:
        path = Path(folder) / file_name(upload.name or "")
        with path.open("wb") as file:
            for chunk in upload.chunks():
                file.write(chunk)
        return source_read(path)


def upload_stash(*, source: AgendaSource, user) -> str:
    """Keep what was read for the confirmation; returns the token that finds it."""
    token = secrets.token_urlsafe(24)
    pending = PendingUpload(token, source, user.pk)
    cache.set(_KEY.format(token=token), pending, timeout=PENDING_SECONDS)
    return token


def upload_pending(*, token: str, user) -> PendingUpload | None:
    """The upload stashed under `token` by this user; None once expired (or someone else's)."""
    pending = cache.get(_KEY.format(token=token))
    if not isinstance(pending, PendingUpload) or pending.user_id != user.pk:
        return None
    return pending


def upload_forget(pending: PendingUpload) -> None:
    cache.delete(_KEY.format(token=pending.token))


def file_name(name: str) -> str:
    """The name staff gave the file (the record is named after it), without any folder part,
    so that it stays inside our temporary folder, and cut to NAME_MAX_BYTES of UTF-8 (what file
    systems allow, and the record's column) keeping its extension, which says how to read it."""
    name = Path(name.replace("\\", "/").replace("\0", "")).name
    name = name if name not in ("", ".", "..") else "agenda"
    if len(name.encode()) <= NAME_MAX_BYTES:
        return name
    stem, suffix = Path(name).stem, Path(name).suffix
    if len(suffix.encode()) > 16:  # not an extension we read: cut the name as a whole
        stem, suffix = name, ""
    room = NAME_MAX_BYTES - len(suffix.encode())
    # Cut bytes, then drop a character split in two.
    return stem.encode()[:room].decode(errors="ignore") + suffix
