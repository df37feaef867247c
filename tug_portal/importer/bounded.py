"""Read an agenda file in a child process bounded in memory and in time.

Agenda files come from outside, and reading one is the costliest thing the portal does for a
request: python-docx and pypdf build the whole document in memory, the parser reads each line
many times. The limits of ``extract.ReadLimits`` refuse the shapes we know of; this bounds all
the others. The child (``reader.py``) runs under an address-space rlimit (``RLIMIT_AS``), so
that a document needing more fails there with ``MemoryError`` while the web process keeps its
memory; it is killed when still reading at the wall-clock limit. It is a fresh interpreter,
not a fork: it shares nothing with the web process (no database connection, no request) and
costs about half a second to start. No more than `TUG_IMPORT_READ_SLOTS` (2) read at once,
across the site; the next upload is told to send its file again in a moment.

The record comes back pickled on the child's stdout: the child is our own code, whatever the
file holds.
"""

import json
import logging
import pickle
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings

from tug_portal.common import slots

from .extract import AgendaFileError, ReadLimits
from .parsing import AgendaRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportLimits:
    read: ReadLimits = field(default_factory=ReadLimits)
    memory_bytes: int = 512 * 1024 * 1024  # beyond what the child maps when it starts
    seconds: float = 15.0  # wall clock, the child's start included


def import_limits() -> ImportLimits:
    """The limits the settings give (TUG_IMPORT_*)."""
    return ImportLimits(
        read=ReadLimits(
            max_unpacked_bytes=settings.TUG_IMPORT_MAX_UNPACKED_BYTES,
            max_pages=settings.TUG_IMPORT_MAX_PAGES,
            max_paragraphs=settings.TUG_IMPORT_MAX_PARAGRAPHS,
            max_line_chars=settings.TUG_IMPORT_MAX_LINE_CHARS,
            max_topics=settings.TUG_IMPORT_MAX_TOPICS,
            max_dial_ins=settings.TUG_IMPORT_MAX_DIAL_INS,
            max_documents=settings.TUG_IMPORT_MAX_DOCUMENTS,
            max_announcements=settings.TUG_IMPORT_MAX_ANNOUNCEMENTS,
        ),
        memory_bytes=settings.TUG_IMPORT_MEMORY_LIMIT_BYTES,
        seconds=settings.TUG_IMPORT_TIME_LIMIT_SECONDS,
    )


def read_bounded(path: str | Path, limits: ImportLimits | None = None) -> AgendaRecord:
    """`extract.read_agenda` in a child process; raises `AgendaFileError` (a message for the
    person who sent the file) when the file is refused or its reading goes over a limit."""
    limits = limits or import_limits()
    path = Path(path).resolve()
    request = {
        "path": str(path),
        "read": asdict(limits.read),
        "memory_bytes": limits.memory_bytes,
        "seconds": limits.seconds,
    }
    try:
        # Readers at once are bounded across the site (the "import" pool of common/slots.py):
        # eight uploads at once had started eight, each allowed `memory_bytes`.
        with slots.slot("import"):
            done = subprocess.run(
                [sys.executable, "-m", "tug_portal.importer.reader"],
                input=json.dumps(request).encode(),
                capture_output=True,
                timeout=limits.seconds,
                cwd=settings.BASE_DIR,
                check=False,
            )
    except slots.PoolFull:
        raise AgendaFileError(
            f"{path.name}: other agendas are being read at this moment; "
            "send it again in a few seconds"
        ) from None
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise AgendaFileError(_over_time(path.name, limits)) from None
    if done.returncode == -signal.SIGXCPU:
        raise AgendaFileError(_over_time(path.name, limits))
    try:
        kind, value = pickle.loads(done.stdout)  # noqa: S301 (written by our reader, see above)
    except Exception:  # killed before it could answer, or it could not start
        if done.returncode < 0:  # a signal: the kernel's OOM killer, a crash out of memory
            raise AgendaFileError(_over_memory(path.name, limits)) from None
        kind, value = "error", done.stderr.decode(errors="replace")
    if kind == "record":
        return value
    if kind == "refused":
        raise AgendaFileError(value)
    if kind == "memory":
        raise AgendaFileError(_over_memory(path.name, limits))
    logger.error("Reading the agenda %s failed in its child process:\n%s", path.name, value)
    raise AgendaFileError(f"{path.name}: the file cannot be read (an unexpected error, logged)")


def _over_time(name: str, limits: ImportLimits) -> str:
    return f"{name}: reading it takes over {limits.seconds:g} seconds, the limit"


def _over_memory(name: str, limits: ImportLimits) -> str:
    return f"{name}: reading it needs over {limits.memory_bytes // (1024 * 1024)} MB, the limit"
