"""An uploaded agenda between the admin's preview and its confirmation.

The bytes wait in the cache (Redis in production, shared by every web process) under a random
token, for an hour, for the user who uploaded them; confirming reads them again, so what is
imported is exactly the file that was previewed.
"""

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile

from .sources import AgendaSource, source_read

PENDING_SECONDS = 3600
NAME_MAX_BYTES = 255
_KEY = "importer:upload:{token}"


@dataclass(frozen=True)
class PendingUpload:
    token: str
    name: str
    data: bytes
    user_id: int


def upload_read(upload: UploadedFile) -> tuple[AgendaSource, bytes]:
    """Read an upload like a file on disk (`AgendaFileError` when it cannot be used), and its
    bytes. Django already spooled a large upload to disk: it is copied in chunks, never held in
    memory before its size is checked."""
    with tempfile.TemporaryDirectory(prefix="tug-agenda-") as folder:
        path = Path(folder) / file_name(upload.name or "")
        with path.open("wb") as file:
            for chunk in upload.chunks():
                file.write(chunk)
        source = source_read(path)
        return source, path.read_bytes()


def upload_stash(*, name: str, data: bytes, user) -> str:
    """Keep the bytes for the confirmation; returns the token that finds them."""
    token = secrets.token_urlsafe(24)
    pending = PendingUpload(token, name, data, user.pk)
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


def pending_read(pending: PendingUpload) -> AgendaSource:
    with tempfile.TemporaryDirectory(prefix="tug-agenda-") as folder:
        path = Path(folder) / file_name(pending.name)
        path.write_bytes(pending.data)
        return source_read(path)


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
