"""Files that hold secrets (the embedded secret key, the demo passwords): readable by their
owner only, from the moment they exist (never written world-readable, then narrowed)."""

import os
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600, whatever the umask; an existing file is narrowed
    to 0600 too."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
