"""A real SMTP server for tests and the benchmark: aiosmtpd on a free loopback port, in a thread.

    with SmtpSink(reject={"gone@example.com": "550 5.1.1 No such user"}) as sink:
        worker = celery_worker(env=sink.env())        # or settings.EMAIL_HOST/PORT = sink...
        sink.wait_for_count(3)
        [m.message_id for m in sink.messages]

Every message is recorded the moment its data has arrived, before the server answers "250".
Like a real server, a message is in once its data is in, whether or not the client lives to
read the reply: exactly the window a sender that dies cannot know about. `on_message(message,
count)` runs at that moment (in the server's thread; `count` is how many have arrived), so a
test can kill the sender while a message is in flight; `delay` (seconds) holds every reply
back to make "in the middle of a batch" easy to reach. `on_recipient(address)` runs when a
recipient is given (RCPT, before the message's data), in the server's thread too.

Per-recipient rejections answer RCPT with the given reply ("550 ..." permanent, "450 ..."
transient); they can be changed while the server runs.
"""

import asyncio
import email
import email.policy
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

# aiosmtpd logs every session at INFO; a benchmark sends thousands.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes = field(repr=False)
    received_at: float  # time.monotonic()

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])


class _EphemeralPortController(Controller):
    """Binds port 0 (the kernel picks a free one) and learns which port it got."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.sink.on_recipient is not None:
            self.sink.on_recipient(address)
        if reply := self.sink.rejection_for(address):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = ReceivedMessage(
            mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=bytes(envelope.content),
            received_at=time.monotonic(),
        )
        count = self.sink._record(received)
        if self.sink.on_message is not None:
            self.sink.on_message(received, count)
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(
        self,
        *,
        reject: dict[str, str] | None = None,
        delay: float = 0.0,
        on_message: Callable[[ReceivedMessage, int], None] | None = None,
        on_recipient: Callable[[str], None] | None = None,
        host: str = "127.0.0.1",
    ):
        self.host = host
        self.delay = delay
        self.on_message = on_message
        self.on_recipient = on_recipient
        self._rejections = {address.lower(): reply for address, reply in (reject or {}).items()}
        self._messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self._controller = _EphemeralPortController(_Handler(self), hostname=host, port=0)

    # --- Lifecycle ------------------------------------------------------------------------------

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._controller.port

    def env(self) -> dict[str, str]:
        """Environment for a process (a Celery worker) that should send here."""
        return {"EMAIL_HOST": self.host, "EMAIL_PORT": str(self.port)}

    # --- Behaviour ------------------------------------------------------------------------------

    def reject(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        with self._lock:
            self._rejections[address.lower()] = reply

    def rejection_for(self, address: str) -> str:
        with self._lock:
            return self._rejections.get(address.lower(), "")

    # --- What was received ----------------------------------------------------------------------

    def _record(self, received: ReceivedMessage) -> int:
        with self._lock:
            self._messages.append(received)
            return len(self._messages)

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def by_recipient(self) -> dict[str, list[ReceivedMessage]]:
        received: dict[str, list[ReceivedMessage]] = {}
        for message in self.messages:
            for address in message.rcpt_tos:
                received.setdefault(address, []).append(message)
        return received

    def wait_for_count(self, count: int, *, timeout: float = 30.0) -> list[ReceivedMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"{self.count} messages arrived within {timeout} s, not {count}")
