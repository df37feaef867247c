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


def embedded_secret_key(path: Path) -> str:
    """The embedded default's secret key (no DJANGO_SECRET_KEY: `make run`, `make test`),
    generated into `path` (0600: it signs sessions and links) the first time it is asked for. A
    key file readable by others (written by hand, or copied) is narrowed to 0600."""
    if not path.exists():
        from django.utils.crypto import get_random_string

        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, get_random_string(64))
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path.read_text().strip()


def embedded_folders_ensure() -> None:
    """The folders under var/ that the embedded default writes to, created when a process
    starts (CommonConfig.ready), not when settings are read: the SQLite database's folder,
    collectstatic's STATIC_ROOT (whitenoise warns when it is missing) and the file broker's
    queues (kombu does not create them). The file cache and the mail folder create their own."""
    from django.conf import settings

    folders = [Path(settings.VAR_DIR), Path(settings.STATIC_ROOT)]
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    folders += [
        Path(options[name])
        for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
        if name in options
    ]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
