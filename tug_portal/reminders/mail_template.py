"""A fan-out's mails as bytes: serialized once per meeting, filled in for each subscriber.

Django builds a mail as a tree of `email` objects and serializes it (header folding, MIME
boundaries, transfer encodings): that was most of a fan-out's time, spent on bytes that are
the same in every mail of a batch about one meeting, but for a few values of each
subscriber's own (address, Date, Message-ID, links). So the dispatcher has Django build and
serialize one mail with placeholders in those places, and each mail is those bytes with the
placeholders replaced: the bytes Django's SMTP backend would have sent (the tests compare
them), except that the batch's mails share their MIME boundaries, which are random anyway.

A value goes into the bytes as it is only where Django would not have changed it:
- a header whose value is printable ASCII is folded by the very policy Django serializes
  with, so its line is folded again for each value;
- a text (a link in the body) must be plain: ASCII that HTML escaping and `clean_text` leave
  alone, short enough that its line stays far below the 998 characters past which Django
  switches to quoted-printable, in parts sent unencoded (7bit or 8bit).
Otherwise there is no template (`MessageTemplate.of` returns None) or no fill (`fill` returns
None), and the caller has Django build that mail.
"""

import re
from dataclasses import dataclass
from email import policy

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address

from tug_portal.common.mail import sanitized, serialized

# What Django's SMTP backend serializes with: `message.message().as_bytes(linesep="\r\n")`.
SMTP_POLICY = policy.compat32.clone(linesep="\r\n")
HEAD_END = b"\r\n\r\n"  # the blank line after the headers
PLAIN_TEXT = re.compile(r"[\w.@:/+%~=-]{1,200}", re.ASCII)
# A dot-atom at a domain of ASCII labels.
SIMPLE_ADDRESS = re.compile(
    r"[\w+-]+(\.[\w+-]+)*@([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}", re.ASCII
)
UNENCODED = ("7bit", "8bit")


def envelope_recipient(address: str) -> str:
    """The address as Django's SMTP backend gives it to the server (`sanitize_address`), which
    leaves a simple one as it is: that one skips the parsing."""
    if SIMPLE_ADDRESS.fullmatch(address):
        return address
    return sanitize_address(address, settings.DEFAULT_CHARSET)


def _header_line(name: str, value: str) -> bytes:
    """The header as the policy writes it, for a value of printable ASCII: a line that fits
    as it is, a longer value without a space whole on a continuation line, anything else
    folded by the policy itself (the two shortcuts take a tenth of its time)."""
    line = f"{name}: {value}"
    if len(line) <= SMTP_POLICY.max_line_length:
        return f"{line}\r\n".encode()
    if " " not in value:
        return f"{name}: \r\n {value}\r\n".encode()
    return SMTP_POLICY.fold_binary(name, value)


def _fits_a_header(value: str) -> bool:
    # Django would encode a non-ASCII value, and refuses one with a line break.
    return value.isascii() and value.isprintable()


@dataclass(frozen=True)
class MessageTemplate:
    mail_from: str  # the envelope's sender, as Django's SMTP backend gives it
    head: bytes  # the headers, up to and with the line break of the last one
    body: bytes
    header_lines: dict[str, bytes]  # header name: its line with the placeholder
    texts: tuple[bytes, ...]  # the placeholders in the body

    @classmethod
    def of(
        cls, message: EmailMessage, *, headers: dict[str, str], texts: tuple[str, ...]
    ) -> "MessageTemplate | None":
        """The template of `message`, a mail with placeholders: `headers` (name: placeholder
        value) and `texts` (placeholders in its body). None when its bytes would not take
        values as they are."""
        mime = message.message()
        if any(
            part["Content-Transfer-Encoding"] not in UNENCODED
            for part in mime.walk()
            if not part.is_multipart()
        ):
            return None
        data = serialized(mime)
        end = data.index(HEAD_END) + 2
        template = cls(
            mail_from=sanitized(message.from_email, message),
            head=data[:end],
            body=data[end:],
            header_lines={name: _header_line(name, value) for name, value in headers.items()},
            texts=tuple(text.encode() for text in texts),
        )
        return template if template._has_every_placeholder() else None

    def _has_every_placeholder(self) -> bool:
        return all(
            self.head.count(b"\n" + line) == 1 for line in self.header_lines.values()
        ) and all(placeholder in self.body for placeholder in self.texts)

    def fill(self, headers: dict[str, str], texts: tuple[str, ...]) -> bytes | None:
        """The bytes with these values in place of the placeholders (given in the same order
        as to `of`); None if one of them would not go in as it is."""
        if not all(map(_fits_a_header, headers.values())) or not all(
            PLAIN_TEXT.fullmatch(text) for text in texts
        ):
            return None
        head = self.head
        for name, value in headers.items():
            # From the line break before it: no value has one, so no value can be taken for it.
            head = head.replace(b"\n" + self.header_lines[name], b"\n" + _header_line(name, value))
        body = self.body
        for placeholder, text in zip(self.texts, texts, strict=True):
            body = body.replace(placeholder, text.encode())
        return head + body
