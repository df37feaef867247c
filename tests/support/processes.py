"""Processes a test started in a session of their own (`make run` and its children)."""

from pathlib import Path


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
