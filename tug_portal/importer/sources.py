"""An agenda file read once: its name, the SHA-256 of its bytes (how a re-import finds the
meeting it made) and the parsed record."""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .bounded import ImportLimits, read_bounded
from .parsing import AgendaRecord

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class AgendaSource:
    name: str
    sha256: str
    record: AgendaRecord


def source_read(path: str | os.PathLike, *, limits: ImportLimits | None = None) -> AgendaSource:
    """Read and parse an agenda file in a bounded child process (`bounded.read_bounded`); raises
    `AgendaFileError` (a message per file) when the file cannot be used. The size limit is
    checked before the digest reads anything."""
    path = Path(path)
    record = read_bounded(path, limits)
    return AgendaSource(name=path.name, sha256=_sha256(path), record=record)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
