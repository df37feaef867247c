"""Mail written to files on the embedded default: one `.eml` file per message.

Django's file backend appends every message of a connection to one `.log` file, so a batch of
reminders lands in one file no mail client opens. Here each message is its own file, holding
the message as it would go over SMTP (RFC 5322 bytes), named so that `ls` lists them in the
order they were sent. A file appears whole (written aside, then renamed), so whoever watches
the folder never reads half a message.
"""

import os
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class MessagePerFileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)
        self.folder.mkdir(parents=True, exist_ok=True)

    def send_messages(self, email_messages) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            self._write(message.message().as_bytes())
            sent += 1
        return sent

    def _write(self, data: bytes) -> Path:
        name = f"{datetime.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
        path, partial = self.folder / name, self.folder / f".{name}.part"
        partial.write_bytes(data)
        os.replace(partial, path)
        return path
