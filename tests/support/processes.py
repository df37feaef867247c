"""Processes a test started in a session of their own (`make run` and its children)."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings


def session_processes(session: int) -> list[int]:
    """Live processes of a session (zombies are dead: their parent reaps them)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def run_python(
    code: str, *, env: dict[str, str], timeout: float | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    """`code` run by this Python in a fresh process, from the project's folder, with `env` as
    its whole environment (what settings read at import is read there afresh); output as text.
    `check`: a failing process raises (else the caller reads its return code)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
