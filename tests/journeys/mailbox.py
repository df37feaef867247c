"""The embedded default's mail folder read as a mail client would: each `.eml` file one message
(RFC 5322 bytes), parsed by the standard library, with every link a reader could follow."""

import email
import email.policy
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

URL_IN_TEXT = re.compile(r"""https?://[^\s<>"')\]]+""")


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.hrefs.append(value)


@dataclass
class Mail:
    path: Path
    message: email.message.EmailMessage
    text: str = ""
    html: str = ""
    links: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> "Mail":
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        mail = cls(
            path=path,
            message=message,
            text=text_part.get_content() if text_part else "",
            html=html_part.get_content() if html_part else "",
        )
        hrefs = _Hrefs()
        hrefs.feed(mail.html)
        header_links = re.findall(r"<([^>]+)>", str(message.get("List-Unsubscribe", "")))
        # Links in the order a reader meets them, each once; mailto: and tel: are not the site's.
        seen = dict.fromkeys([*URL_IN_TEXT.findall(mail.text), *hrefs.hrefs, *header_links])
        mail.links = [link for link in seen if not link.startswith(("mailto:", "tel:"))]
        return mail

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def unsubscribe_url(self) -> str:
        (url,) = re.findall(r"<(https?://[^>]+)>", str(self.message["List-Unsubscribe"]))
        return url

    def link_to(self, path_prefix: str) -> str:
        """The mail's one link to a page under `path_prefix` (e.g. "/subscriptions/confirm/")."""
        found = {link for link in self.links if re.match(rf"https?://[^/]+{path_prefix}", link)}
        assert len(found) == 1, f"{self.subject!r}: links to {path_prefix}: {sorted(found)}"
        return found.pop()

    def __repr__(self) -> str:
        return f"<Mail {self.path.name} to {self.to}: {self.subject}>"


def mails_to(folder: Path, address: str) -> list[Mail]:
    """Every mail in the folder to `address`, in the order they were written (the file names
    sort by time; a file appears whole, its partial twin is hidden)."""
    if not folder.exists():
        return []
    mails = [Mail.read(path) for path in sorted(folder.glob("*.eml"))]
    return [mail for mail in mails if address in mail.to]


def wait_for_mails(folder: Path, address: str, count: int, *, timeout: float) -> list[Mail]:
    """Poll until `address` has at least `count` mails; at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        mails = mails_to(folder, address)
        if len(mails) >= count:
            return mails
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{address} has {len(mails)} mails after {timeout} s, expected {count}: {mails}"
            )
        time.sleep(0.2)
