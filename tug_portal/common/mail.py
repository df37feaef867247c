"""How the portal's mail leaves it, whichever backend is configured.

`smtp_envelope` serializes a Django message into the bytes Django's SMTP backend would send.
The reminders' dispatcher builds those bytes itself (tug_portal/reminders/mail_template.py) and
hands them over with `envelope_sender`: to an SMTP server in production, to files on the
embedded default (`make run`), so a developer's mail takes production's path to the last step.

Mail written to files on the embedded default: one `.eml` file per message. Django's file
backend appends every message of a connection to one `.log` file, so a batch of reminders lands
in one file no mail client opens. Here each message is its own file, holding the bytes an SMTP
server would have been given (RFC 5322, CRLF line breaks), named so that `ls` lists them in the
order they were sent. A file appears whole (written aside, then renamed), so whoever watches
the folder never reads half a message.
"""

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import make_msgid, sanitize_address


def message_id_domain() -> str:
    """The domain of every Message-ID the portal makes: REMINDER_MESSAGE_ID_DOMAIN, else the
    site's host name (never the machine's own name, Django's default: `localhost` on most
    servers, which some spam filters count against a mail)."""
    return (
        settings.REMINDER_MESSAGE_ID_DOMAIN or urlsplit(settings.SITE_URL).hostname or "localhost"
    )


def new_message_id() -> str:
    """A unique Message-ID for a mail that is sent once (a confirmation, an agenda request)."""
    return make_msgid(domain=message_id_domain())


@dataclass(frozen=True)
class Envelope:
    """A mail as Django's SMTP backend hands it to `smtplib.SMTP.sendmail`."""

    mail_from: str
    recipients: list[str]
    data: bytes


def sanitized(address: str, message: EmailMessage) -> str:
    """An address as Django's SMTP backend gives it to the server."""
    return sanitize_address(address, message.encoding or settings.DEFAULT_CHARSET)


def serialized(mime) -> bytes:
    """A message's bytes as Django's SMTP backend sends them."""
    return mime.as_bytes(linesep="\r\n")


def smtp_envelope(message: EmailMessage) -> Envelope:
    """What Django's SMTP backend would send for `message` (its `_send`)."""
    return Envelope(
        mail_from=sanitized(message.from_email, message),
        recipients=[sanitized(address, message) for address in message.recipients()],
        data=serialized(message.message()),
    )


# What ends a message's data (RFC 5321 4.1.1.4): a server takes responsibility for a mail when
# this line arrives, not before.
END_OF_DATA = b"\r\n.\r\n"

EnvelopeSender = Callable[..., None]  # (envelope, *, before_end_of_data=None)


class SmtpEnvelopeSender:
    """Hands envelopes to an open `smtplib.SMTP` by its own `sendmail`, and runs
    `before_end_of_data` once the message's bytes are on their way and before the line that
    ends them: what must be done before a mail may be accepted (the dispatcher: the commit that
    records the previous mail as sent) waits on the network while the server reads the
    message, instead of before it. If it fails, the connection is closed with the data
    unfinished, which a server discards."""

    def __init__(self, smtp):
        self.smtp = smtp
        # The end of the data leaves in a small write of its own: without this, Nagle's
        # algorithm holds it until the server acknowledges the message, which a server may
        # delay by 40 ms (delayed ACK), per mail.
        if smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._send = smtp.send
        smtp.send = self._send_holding_the_end  # smtplib writes everything through `send`
        self._before_end_of_data = None

    def __call__(self, envelope: Envelope, *, before_end_of_data=None) -> None:
        self._before_end_of_data = before_end_of_data
        try:
            self.smtp.sendmail(envelope.mail_from, envelope.recipients, envelope.data)
        finally:
            self._before_end_of_data = None

    def _send_holding_the_end(self, data) -> None:
        # Commands are str; the message, dot-stuffed and ended, is the one bytes `data()` sends.
        before_end = self._before_end_of_data
        if before_end is not None and isinstance(data, bytes) and data.endswith(END_OF_DATA):
            self._before_end_of_data = None
            ending = len(END_OF_DATA) - 2  # the last line break belongs to the message
            self._send(data[:-ending])
            try:
                before_end()
            except BaseException:
                self.smtp.close()
                raise
            data = data[-ending:]
        self._send(data)


def envelope_sender(connection) -> EnvelopeSender | None:
    """How an open `connection` takes a mail already serialized: an SMTP server by `sendmail`
    on it, the file backend by writing the bytes to a file; either runs `before_end_of_data`
    just before the mail counts as handed over. None for a backend that takes only Django's
    messages (the test suite's in-memory outbox)."""
    if isinstance(connection, SmtpBackend):
        return SmtpEnvelopeSender(connection.connection)
    if isinstance(connection, MessagePerFileBackend):
        return connection.send_envelope
    return None


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
            self.send_envelope(smtp_envelope(message))
            sent += 1
        return sent

    def send_envelope(self, envelope: Envelope, *, before_end_of_data=None) -> Path:
        if before_end_of_data is not None:
            before_end_of_data()
        name = f"{datetime.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
        path, partial = self.folder / name, self.folder / f".{name}.part"
        partial.write_bytes(envelope.data)
        os.replace(partial, path)
        return path
