"""What a calendar event shows of a meeting, as small frozen values.

A whole-archive feed holds some 1,300 meetings and 10,000 topics: loading them as model
instances with prefetches cost more than writing the calendar. The feed builds read plain rows
instead (`selectors.feed_event_facts`); a single meeting already loaded with
`meetings.selectors.meetings_with_calendar_facts` is turned into the same values by
`event_facts`. The builders and `describe` read only these.

The core's rules (effective contact, local times, recording availability, the page URL) are
borrowed from `Meeting` itself, not copied: each reads only fields these classes carry.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property, lru_cache
from uuid import UUID

from django.urls import reverse

from tug_portal.common.site import absolute_url
from tug_portal.materials.selectors import meeting_calendar_materials
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.phone import tel_uri


@dataclass(frozen=True, slots=True)
class ContactFacts:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class ProgramFacts:
    acronym: str
    contact: ContactFacts | None


# The same few dial-in numbers come back on every meeting of a program: a feed of thousands of
# events converts each of them once.
_cached_tel_uri = lru_cache(maxsize=256)(tel_uri)


@dataclass(frozen=True, slots=True)
class DialInFacts:
    label: str
    number: str
    access_code: str

    @property
    def tel_uri(self) -> str:
        return _cached_tel_uri(self.number, self.access_code)


@dataclass(frozen=True, slots=True)
class TopicFacts:
    title: str
    start_time: time | None
    end_time: time | None
    facilitators: tuple[str, ...]  # names, sorted
    systems: tuple[str, ...]  # codes

    def facilitator_names(self) -> str:
        return ", ".join(self.facilitators)


@dataclass(frozen=True)
class MeetingFacts:
    uid: UUID
    slug: str
    title: str
    program: ProgramFacts
    contact: ContactFacts | None  # the meeting's own; `effective_contact` falls back
    status: str
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    updated_at: datetime
    calendar_sequence: int
    calendar_changed_at: datetime | None
    change_summary: str
    web_conference_url: str
    meeting_number: str
    web_access_code: str
    is_recorded: bool
    recording_url: str
    recording_available_until: date | None
    cancellation_reason: str
    replacement_slug: str  # of the meeting replacing a cancelled one, or ""
    topics: tuple[TopicFacts, ...]
    dial_ins: tuple[DialInFacts, ...]
    # Its public materials (materials.selectors.MaterialFacts): ATTACH lines and a description
    # section.
    materials: tuple = ()

    Status = Meeting.Status
    zone = Meeting.zone
    local_start = Meeting.local_start
    local_end = Meeting.local_end
    is_cancelled = Meeting.is_cancelled
    effective_contact = Meeting.effective_contact
    recording_is_available = Meeting.recording_is_available
    get_absolute_url = Meeting.get_absolute_url

    @cached_property
    def replacement_url(self) -> str:
        if not self.replacement_slug:
            return ""
        return absolute_url(reverse("web:meeting_detail", kwargs={"slug": self.replacement_slug}))

    @cached_property
    def page_url(self) -> str:
        """The meeting page's absolute URL: an event shows it twice (URL, DESCRIPTION)."""
        return absolute_url(self.get_absolute_url())


def _contact(person) -> ContactFacts | None:
    return ContactFacts(name=person.name, email=person.email) if person else None


def _public_slug(meeting: Meeting) -> str:
    return meeting.slug if meeting.is_published else ""


def event_facts(meeting: Meeting | MeetingFacts) -> MeetingFacts:
    """A meeting's facts, from a meeting loaded with `meetings_with_calendar_facts` (no query)."""
    if isinstance(meeting, MeetingFacts):
        return meeting
    topics = tuple(
        TopicFacts(
            title=topic.title,
            start_time=topic.start_time,
            end_time=topic.end_time,
            facilitators=tuple(person.name for person in topic.facilitators.all()),
            systems=tuple(system.code for system in topic.systems.all()),
        )
        for topic in meeting.topics.all()
    )
    dial_ins = tuple(
        DialInFacts(label=dial_in.label, number=dial_in.number, access_code=dial_in.access_code)
        for dial_in in meeting.dial_ins.all()
    )
    program = ProgramFacts(
        acronym=meeting.program.acronym, contact=_contact(meeting.program.contact)
    )
    return MeetingFacts(
        **{name: getattr(meeting, name) for name in MEETING_FIELDS},
        program=program,
        contact=_contact(meeting.contact),
        replacement_slug=_public_slug(meeting.replacement) if meeting.replacement_id else "",
        topics=topics,
        dial_ins=dial_ins,
        materials=meeting_calendar_materials(meeting),
    )


# The meeting's own columns a calendar reads, in the order the feed selector loads them.
MEETING_FIELDS = (
    "uid",
    "slug",
    "title",
    "status",
    "time_zone",
    "starts_at",
    "ends_at",
    "created_at",
    "updated_at",
    "calendar_sequence",
    "calendar_changed_at",
    "change_summary",
    "web_conference_url",
    "meeting_number",
    "web_access_code",
    "is_recorded",
    "recording_url",
    "recording_available_until",
    "cancellation_reason",
)
