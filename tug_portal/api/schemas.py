"""What the API answers, field by field. These classes are also the OpenAPI schema, so every
field says what it means.

Times of a meeting are ISO 8601 in the meeting's own zone, with its UTC offset
("2018-10-16T10:00:00-07:00"), next to the IANA zone name ("America/Los_Angeles"); instants of
bookkeeping (updated_at, published_at) are UTC ("2018-10-16T17:00:00Z").
"""

from datetime import date, datetime, time
from typing import Generic, Literal, TypeVar

from django.urls import reverse
from ninja import Field, Schema

from tug_portal.common.site import absolute_url
from tug_portal.materials.selectors import material_link
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.recurrence import describe_program_schedule
from tug_portal.meetings.selectors import meeting_shown
from tug_portal.meetings.timeutil import zone_name

from .params import AnnouncementKind, MeetingStatus

Item = TypeVar("Item")


def api_url(name: str, **kwargs) -> str:
    return absolute_url(reverse(f"api:{name}", kwargs=kwargs or None))


def published_or_none(meeting: Meeting | None) -> Meeting | None:
    """A link from published content to a draft (or a retired program's meeting) is left out,
    so that the API never reveals a draft."""
    return meeting_shown(meeting, user=None)


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in words.")


# --- Small parts ----------------------------------------------------------------------------


class PersonOut(Schema):
    name: str
    organization: str


class ContactOut(PersonOut):
    email: str = Field(description="For questions and agenda requests; may be empty.")


class SystemOut(Schema):
    code: str = Field(examples=["DRRS"])
    name: str = Field(examples=["Demand Response Registration System"])


class DocumentOut(Schema):
    title: str
    url: str
    page: str = Field(description="The page the agenda points to, as printed; may be empty.")
    url_with_page: str = Field(description="Opens a PDF at that page (`#page=11`).")


class DialInOut(Schema):
    label: str = Field(examples=["Domestic Call-In"])
    number: str = Field(description="As printed in the agenda.", examples=["(866) 528-2256"])
    access_code: str
    tel_uri: str = Field(
        description="Dials the number, pauses, then enters the access code and #.",
        examples=["tel:+18665282256,,3895889%23"],
    )


class WebConferenceOut(Schema):
    url: str = Field(validation_alias="web_conference_url")
    meeting_number: str
    access_code: str = Field(validation_alias="web_access_code")


class StayConnectedOut(Schema):
    kind: str = Field(description="social, app, newsletter or website.")
    label: str
    url: str


def web_conference(obj):
    """A program's or meeting's join details, read by `WebConferenceOut`; None when it has none."""
    return obj if obj.has_web_conference else None


# --- Programs -------------------------------------------------------------------------------


class ProgramRef(Schema):
    slug: str = Field(examples=["tug"])
    acronym: str = Field(examples=["TUG"])
    name: str = Field(examples=["Technology User Group"])
    url: str = Field(description="This program in the API.")

    @staticmethod
    def resolve_url(obj):
        return api_url("program_detail", slug=obj.slug)


class ProgramOut(ProgramRef):
    web_url: str = Field(description="The program's page on the portal.")
    description: str = Field(description="Markdown, as written.")
    description_html: str = Field(description="The description rendered and sanitized.")
    time_zone: str = Field(examples=["America/Los_Angeles"])
    zone_name: str = Field(examples=["Pacific"])
    schedule: str = Field(
        description="The recurrence in words; empty when the program has none.",
        examples=["every other Tuesday, 10:00-11:00 AM Pacific"],
    )
    recurrence_rule: str = Field(description="RFC 5545 RRULE; may be empty.")
    web_conference: WebConferenceOut | None
    dial_ins: list[DialInOut]
    contact: ContactOut | None
    stay_connected: list[StayConnectedOut]

    @staticmethod
    def resolve_web_url(obj):
        return absolute_url(obj.get_absolute_url())

    @staticmethod
    def resolve_zone_name(obj):
        return zone_name(obj.time_zone)

    @staticmethod
    def resolve_schedule(obj):
        return describe_program_schedule(obj)

    @staticmethod
    def resolve_replacement(obj):
        return published_or_none(obj.replacement)

    @staticmethod
    def resolve_web_conference(obj):
        return web_conference(obj)

    @staticmethod
    def resolve_stay_connected(obj):
        return obj.links.all()


# --- Meetings -------------------------------------------------------------------------------


class MeetingRef(Schema):
    slug: str = Field(examples=["tug-2018-10-16"])
    title: str
    program: ProgramRef
    status: MeetingStatus
    starts_at: datetime = Field(
        description="Local start in the meeting's zone, with its UTC offset.",
        examples=["2018-10-16T10:00:00-07:00"],
    )
    ends_at: datetime = Field(examples=["2018-10-16T11:00:00-07:00"])
    time_zone: str = Field(description="IANA zone name.", examples=["America/Los_Angeles"])
    url: str = Field(description="This meeting in the API.")
    web_url: str = Field(description="The meeting's page on the portal.")

    @staticmethod
    def resolve_starts_at(obj):
        return obj.local_start

    @staticmethod
    def resolve_ends_at(obj):
        return obj.local_end

    @staticmethod
    def resolve_url(obj):
        return api_url("meeting_detail", slug=obj.slug)

    @staticmethod
    def resolve_web_url(obj):
        return absolute_url(obj.get_absolute_url())


class MeetingSummary(MeetingRef):
    uid: str = Field(description="Stable forever; the UID of the meeting's calendar event.")
    zone_name: str = Field(examples=["Pacific"])
    calendar_sequence: int = Field(description="Bumped whenever what a calendar shows changes.")
    updated_at: datetime = Field(
        description=(
            "UTC. The last change to anything this API shows of the meeting: the meeting, its "
            "program, its agenda topics, dial-ins, people or calendar facts."
        )
    )

    @staticmethod
    def resolve_uid(obj):
        return str(obj.uid)

    @staticmethod
    def resolve_zone_name(obj):
        return zone_name(obj.time_zone)

    @staticmethod
    def resolve_updated_at(obj):
        return obj.api_updated_at


class TopicOut(Schema):
    order: int
    title: str
    start_time: time | None = Field(description="Local time in the meeting's zone, if printed.")
    end_time: time | None
    facilitators: list[PersonOut]
    systems: list[SystemOut]
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The body rendered and sanitized (safe to embed).")
    documents: list[DocumentOut]


class RecordingOut(Schema):
    is_recorded: bool
    disclaimer_title: str
    disclaimer: str = Field(description="Empty when the meeting is not recorded.")
    status: Literal["available", "no_longer_available", "none"] = Field(
        description=(
            "`available`: `url` plays it; `no_longer_available`: its availability date has "
            "passed; `none`: no recording has been published."
        )
    )
    url: str | None = Field(description="Only while the recording is available.")
    available_until: date | None = Field(description="The last day it is available.")


def recording_of(meeting: Meeting) -> RecordingOut:
    if meeting.recording_is_available():
        status = "available"
    elif meeting.recording_url:
        status = "no_longer_available"
    else:
        status = "none"
    return RecordingOut(
        is_recorded=meeting.is_recorded,
        disclaimer_title=meeting.program.recording_disclaimer_title if meeting.is_recorded else "",
        disclaimer=meeting.effective_disclaimer,
        status=status,
        url=meeting.recording_url if status == "available" else None,
        available_until=meeting.recording_available_until if meeting.recording_url else None,
    )


class AnnouncementRef(Schema):
    slug: str = Field(examples=["drrs-acceptable-use-policy"])
    title: str
    kind: AnnouncementKind
    published_at: datetime = Field(description="UTC.")
    url: str = Field(description="This announcement in the API.")
    web_url: str = Field(description="The announcement's page on the portal.")

    @staticmethod
    def resolve_url(obj):
        return api_url("announcement_detail", slug=obj.slug)

    @staticmethod
    def resolve_web_url(obj):
        return absolute_url(obj.get_absolute_url())


class MaterialOut(Schema):
    """A published material of the meeting (drafts and expired ones never appear)."""

    kind: str = Field(
        description="`presentation`, `minutes`, `technical_document`, `recording` or `other`."
    )
    title: str
    topic: str | None = Field(description="The agenda topic's title, if it belongs to one.")
    url: str = Field(description="Where to get it: a download of the portal's, or a link.")
    content_type: str | None = Field(description="The file's type, checked; none for a link.")
    size: int | None = Field(description="Bytes; none for a link.")
    page: str = Field(description="Where to look in it (“11” for “see page 11”), or empty.")
    version: int
    posted_at: datetime | None = Field(description="UTC.")
    available_until: date | None = Field(description="Its last day online, if it has one.")

    @staticmethod
    def resolve_topic(obj):
        return obj.topic.title if obj.topic_id else None

    @staticmethod
    def resolve_url(obj):
        return material_link(obj)

    @staticmethod
    def resolve_content_type(obj):
        return obj.content_type if obj.file_key else None


class MeetingDetail(MeetingSummary):
    """Every fact the meeting's page shows."""

    change_summary: str = Field(description="What the last calendar-visible change was.")
    cancellation_reason: str = Field(description="Why a cancelled meeting is; empty otherwise.")
    replacement: MeetingRef | None = Field(
        description="The meeting that takes a cancelled one's place, if any."
    )
    web_conference: WebConferenceOut | None
    dial_ins: list[DialInOut]
    recording: RecordingOut
    contact: ContactOut | None = Field(description="The meeting's, else the program's contact.")
    topics: list[TopicOut] = Field(description="The agenda, in order.")
    notes: str = Field(description="Markdown, as written.")
    notes_html: str
    announcements_presented: list[AnnouncementRef] = Field(
        description="Announcements made at this meeting."
    )
    announcements_about: list[AnnouncementRef] = Field(description="Announcements of this meeting.")
    next_meeting: MeetingRef | None = Field(
        description="The program's next meeting after this one (not cancelled)."
    )
    stay_connected: list[StayConnectedOut]
    materials: list[MaterialOut] = Field(
        description="Its published materials: slides, minutes, documents, recordings."
    )

    @staticmethod
    def resolve_materials(obj):
        return obj.api_materials

    @staticmethod
    def resolve_web_conference(obj):
        return web_conference(obj)

    @staticmethod
    def resolve_recording(obj):
        return recording_of(obj)

    @staticmethod
    def resolve_contact(obj):
        return obj.effective_contact

    @staticmethod
    def resolve_announcements_presented(obj):
        return obj.announcements.all()

    @staticmethod
    def resolve_announcements_about(obj):
        return obj.announced_by.all()

    @staticmethod
    def resolve_stay_connected(obj):
        return obj.program.links.all()


# --- Announcements --------------------------------------------------------------------------


class AnnouncementOut(AnnouncementRef):
    effective_date: date | None
    systems: list[SystemOut]
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The body rendered and sanitized (safe to embed).")
    related_meeting: MeetingRef | None = Field(description="The meeting this announces.")
    updated_at: datetime = Field(description="UTC.")

    @staticmethod
    def resolve_related_meeting(obj):
        return published_or_none(obj.related_meeting)


class MeetingAgenda(MeetingRef):
    topics: list[TopicOut]


class AnnouncementDetail(AnnouncementOut):
    documents: list[DocumentOut]
    presented_at: MeetingRef | None = Field(description="The meeting where it was announced.")
    related_meeting: MeetingAgenda | None = Field(
        description="The meeting this announces, with its agenda."
    )

    @staticmethod
    def resolve_presented_at(obj):
        return published_or_none(obj.presented_at)


# --- Lists ----------------------------------------------------------------------------------


class NextMeetingOut(Schema):
    program: ProgramRef
    meeting: MeetingRef | None = Field(description="None when nothing is scheduled.")


class Page(Schema, Generic[Item]):
    count: int = Field(description="How many items match, on all pages.")
    next: str | None = Field(description="The next page, if any.")
    previous: str | None = Field(description="The previous page, if any.")
    items: list[Item]


class IndexOut(Schema):
    programs: str
    meetings: str
    next_meetings: str
    announcements: str
    openapi: str
    docs: str
