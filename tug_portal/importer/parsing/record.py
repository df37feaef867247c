"""The record the parser fills: an agenda's facts as frozen dataclasses, and their JSON forms."""

import datetime as dt
from dataclasses import dataclass, fields, is_dataclass

# --------------------------------------------------------------------------------- the record


CONFIDENT = 0.5  # a reading below this is left empty (and warned about) rather than guessed


@dataclass(frozen=True)
class Reading:
    """One value a module read, with how sure it is (0 to 1) and the evidence that says so.

    The pipeline keeps a value only when its confidence reaches ``CONFIDENT``: a wrong start
    time sends people to a call at the wrong hour, an empty one sends staff to the document."""

    value: object
    confidence: float
    evidence: str

    @property
    def kept(self):
        return self.value if self.confidence >= CONFIDENT else None


@dataclass(frozen=True)
class WebConference:
    url: str | None
    meeting_number: str | None
    access_code: str | None


@dataclass(frozen=True)
class DialIn:
    label: str | None
    number: str
    access_code: str | None


@dataclass(frozen=True)
class Contact:
    name: str | None
    email: str


@dataclass(frozen=True)
class Document:
    title: str
    url: str
    page: str | None


@dataclass(frozen=True)
class Topic:
    title: str
    facilitator: str | None  # the presenter cell as printed
    facilitators: tuple[str, ...] = ()  # the people named in that cell
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    body_markdown: str = ""
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class RelatedMeeting:
    """A later meeting whose agenda an announcement carries ("Agenda for meeting on ...")."""

    date: dt.date | None
    start_time: dt.time | None
    timezone: str | None
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class Announcement:
    title: str
    body_markdown: str
    topic_title: str | None  # the agenda topic this section details, if any
    documents: tuple[Document, ...]
    related_meeting: RelatedMeeting | None


@dataclass(frozen=True)
class Disclaimer:
    heading: str
    text: str


@dataclass(frozen=True)
class AgendaRecord:
    file: str | None
    title: str | None
    program_name: str | None
    program_acronym: str | None
    date: dt.date | None
    start_time: dt.time | None
    end_time: dt.time | None
    timezone: str | None
    web_conference: WebConference | None
    dial_in: tuple[DialIn, ...]
    topics: tuple[Topic, ...]
    next_meeting_date: dt.date | None
    contact: Contact | None
    disclaimer: Disclaimer | None
    announcements: tuple[Announcement, ...]
    stay_connected: tuple[str, ...]
    warnings: tuple[str, ...]

    def to_json_dict(self) -> dict:
        """The importer's interchange form: other tools read these keys, in this order."""
        return {
            "file": self.file,
            "title": self.title,
            "date": _plain(self.date),
            "start_time": _plain(self.start_time),
            "end_time": _plain(self.end_time),
            "timezone": self.timezone,
            "web_conference": _plain(self.web_conference),
            "dial_in": _plain(self.dial_in),
            "topics": [{"title": t.title, "facilitator": t.facilitator} for t in self.topics],
            "next_meeting_date": _plain(self.next_meeting_date),
            "contact": _plain(self.contact),
        }

    def to_full_dict(self) -> dict:
        """Every fact of the record, JSON-ready, for the service that creates meetings."""
        return _plain(self)


def _plain(value):
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
