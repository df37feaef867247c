"""What importing an agenda would do, worked out without writing anything.

A plan names every row an import creates or updates: the program (found, or created when the
agenda prints both its name and its acronym), the meeting (the one an earlier import of the same
bytes made, else the program's meeting on that date, else a new draft), its topics with the
people and documents they name, the announcements, the meeting an announcement carries and the
next meeting's placeholder. The admin's preview and the command's dry run show a plan;
`services.agenda_import` works the plan out again inside its transaction and carries it out, so
what staff saw is what gets written (`ImportPlan.digest` tells when the data moved on between).

What the agenda does not print is taken from the program, and each such assumption becomes a
warning: a reason for a human look before the draft is published.
"""

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, fields, is_dataclass, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.text import slugify

from tug_portal.common.markdown import render_markdown
from tug_portal.meetings.models import (
    AgendaTopic,
    Announcement,
    Document,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    System,
)
from tug_portal.meetings.timeutil import (
    format_clock,
    format_time_range,
    local_time_exists,
    zone_name,
)

from . import parsing, selectors
from .models import AgendaImport
from .sources import AgendaSource

# ------------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class PersonPlan:
    name: str
    email: str
    existing: Person | None


@dataclass(frozen=True)
class DocumentPlan:
    title: str
    url: str
    page: str
    existing: Document | None


@dataclass(frozen=True)
class TopicPlan:
    order: int
    title: str
    start_time: dt.time | None
    end_time: dt.time | None
    body: str
    facilitators: tuple[PersonPlan, ...]
    documents: tuple[DocumentPlan, ...]
    systems: tuple[System, ...]

    @property
    def time_range(self) -> str:
        if self.start_time and self.end_time:
            return format_time_range(self.start_time, self.end_time)
        return format_clock(self.start_time) if self.start_time else ""

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)


@dataclass(frozen=True)
class DialInPlan:
    label: str
    number: str
    access_code: str


@dataclass(frozen=True)
class JoinPlan:
    """How to join, as the agenda prints it."""

    url: str
    meeting_number: str
    access_code: str
    dial_ins: tuple[DialInPlan, ...]


@dataclass(frozen=True)
class ProgramPlan:
    existing: Program | None
    name: str
    acronym: str
    slug: str
    time_zone: str
    default_start_time: dt.time | None = None
    default_duration: dt.timedelta = dt.timedelta(hours=1)
    disclaimer_title: str = ""
    disclaimer: str = ""
    contact: PersonPlan | None = None
    join: JoinPlan | None = None  # a new program's defaults: the agenda's join details


class Role:
    MAIN = "main"  # the agenda's own meeting: created, or updated with every fact printed
    RELATED = "related"  # a meeting an announcement carries: created, or given its topics
    NEXT = "next"  # the next meeting's placeholder: created when there is none


@dataclass(frozen=True)
class MeetingPlan:
    role: str
    program: ProgramPlan
    existing: Meeting | None
    day: dt.date
    start: dt.time
    end: dt.time | None  # None: the program's default length
    time_zone: str
    title: str
    join: JoinPlan | None = None  # None: the program's when created, kept when updated
    recording_disclaimer: str | None = None  # "": the program's; None: kept as it is
    contact: PersonPlan | None = None  # the meeting's own contact (None: the program's)
    sets_contact: bool = False  # the agenda prints a contact (else the meeting's is kept)
    topics: tuple[TopicPlan, ...] | None = None  # None: the agenda is kept as it is

    @property
    def creates(self) -> bool:
        return self.existing is None

    @property
    def local_end(self) -> dt.time:
        if self.end is not None:
            return self.end
        return (dt.datetime.combine(self.day, self.start) + self.program.default_duration).time()

    @property
    def time_range(self) -> str:
        """ "10:00-11:00 AM Pacific", as the portal writes times."""
        return f"{format_time_range(self.start, self.local_end)} {zone_name(self.time_zone)}"


@dataclass(frozen=True)
class AnnouncementPlan:
    existing: Announcement | None
    title: str
    slug: str
    kind: str
    body: str
    documents: tuple[DocumentPlan, ...]
    systems: tuple[System, ...]
    related: MeetingPlan | None

    @property
    def kind_label(self) -> str:
        return Announcement.Kind(self.kind).label


@dataclass(frozen=True)
class ImportPlan:
    source: AgendaSource
    previous: AgendaImport | None
    meeting: MeetingPlan | None  # None: nothing can be imported (see `blocked`)
    matched_by: str  # how an existing meeting was found: "document", "date" or ""
    announcements: tuple[AnnouncementPlan, ...]
    next_meeting: MeetingPlan | None
    warnings: tuple[str, ...]
    blocked: str = ""  # why nothing can be imported

    @property
    def action(self) -> str:
        if self.meeting is None:
            return "skip"
        return "create" if self.meeting.creates else "update"

    @property
    def digest(self) -> str:
        """A fingerprint of every decision: equal plans, equal digests."""
        data = json.dumps(_fingerprint(self), sort_keys=True, default=str)
        return hashlib.sha256(data.encode()).hexdigest()


def _fingerprint(value):
    if isinstance(value, models.Model):
        return [value._meta.label, value.pk]
    if isinstance(value, AgendaSource):
        return value.sha256
    if is_dataclass(value):
        return {f.name: _fingerprint(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_fingerprint(item) for item in value]
    return value


# --------------------------------------------------------------------------- the planner


def _skipped_time(meeting: MeetingPlan) -> str | None:
    """Why a meeting timed in the hour the clocks skip cannot be imported (it would end before
    it starts), or None."""
    for at in (meeting.start, meeting.end):
        if at and not local_time_exists(meeting.day, at, meeting.time_zone):
            return (
                f"{at:%H:%M} does not exist on {meeting.day} in {zone_name(meeting.time_zone)}: "
                "the clocks go forward then (correct the agenda's time)"
            )
    return None


def agenda_plan(*, source: AgendaSource, program: Program | None = None) -> ImportPlan:
    """What importing `source` would do; `program` overrides the one its title names."""
    return _Planner(source, program).plan()


class _Planner:
    """Works out one plan. Lookups are made once per document (all its people, all its links)
    and kept here, so that the number of queries does not grow with the agenda."""

    def __init__(self, source: AgendaSource, program: Program | None):
        self.source, self.record, self.override = source, source.record, program
        self.warnings: list[str] = list(source.record.warnings)

    def plan(self) -> ImportPlan:
        record = self.record
        self.programs = selectors.programs_all()
        program = self._program()
        if program is None:
            return self._blocked(self._program_unknown())
        if program.existing is not None and not program.existing.is_active:
            # As the schedule and the admin do (found from outside: it imported into one).
            return self._blocked(
                f"{program.existing.acronym} is not active: switch it on (“Is active”) in its "
                "program first, or choose another"
            )
        if record.date is None:
            return self._blocked("no meeting date found")
        self._load_lookups()
        contact = self._contact()
        if program.existing is None:
            program = replace(program, contact=contact, join=self._join())
        previous = selectors.agenda_import_of(sha256=self.source.sha256)
        meeting, matched_by = self._meeting(program, previous, contact)
        self.announcements = selectors.announcements_matching(
            meeting=meeting.existing,
            titles=[section.title for section in record.announcements],
            slugs=[_announcement_slug(s.title, record.date) for s in record.announcements],
        )
        announcements = tuple(
            plan
            for section in record.announcements
            if (plan := self._announcement(section, meeting))
        )
        taken = {(a.related.program.slug, a.related.day) for a in announcements if a.related}
        next_meeting = self._next_meeting(meeting, taken)
        for planned in (meeting, next_meeting):
            if planned is not None and (skipped := _skipped_time(planned)):
                return self._blocked(skipped)
        return ImportPlan(
            source=self.source,
            previous=previous,
            meeting=meeting,
            matched_by=matched_by,
            announcements=announcements,
            next_meeting=next_meeting,
            warnings=tuple(self.warnings),
        )

    def _blocked(self, reason: str) -> ImportPlan:
        return ImportPlan(
            source=self.source,
            previous=None,
            meeting=None,
            matched_by="",
            announcements=(),
            next_meeting=None,
            warnings=tuple(self.warnings),
            blocked=reason,
        )

    # --- lookups ----------------------------------------------------------------------------

    def _load_lookups(self) -> None:
        record = self.record
        names = [name for topic in record.topics for name in topic.facilitators]
        if record.contact and record.contact.name:
            names.append(record.contact.name)
        self.people = selectors.people_named(names=names)
        self.contact_by_email = (
            selectors.person_with_email(email=record.contact.email) if record.contact else None
        )
        documents = [
            *(d for topic in record.topics for d in topic.documents),
            *(d for section in record.announcements for d in section.documents),
        ]
        self.documents = selectors.documents_linked(urls=[_web_url(d.url) for d in documents])
        self.systems = selectors.systems_all()

    def _person(self, name: str) -> PersonPlan:
        name = _clip(name, Person, "name")
        return PersonPlan(name=name, email="", existing=self.people.get(name.casefold()))

    def _documents(self, documents: tuple[parsing.Document, ...]) -> tuple[DocumentPlan, ...]:
        plans = []
        for document in documents:
            url = _web_url(document.url)
            if not _is_valid_url(url, Document, "url"):
                self.warnings.append(f"link {document.url!r} is not a usable web address: left out")
                continue
            page = _clip(document.page or "", Document, "page")
            title = _clip(document.title, Document, "title")
            plans.append(DocumentPlan(title, url, page, self.documents.get((url, page))))
        return tuple(plans)

    def _systems_named(self, *texts: str | None) -> tuple[System, ...]:
        """Systems whose code the text names as a word ("DRRS – Acceptable Use Policy")."""
        text = " ".join(t for t in texts if t)
        return tuple(s for s in self.systems if re.search(rf"\b{re.escape(s.code)}\b", text))

    # --- program ----------------------------------------------------------------------------

    def _program(self) -> ProgramPlan | None:
        record = self.record
        named = selectors.program_named(
            self.programs, acronym=record.program_acronym, name=record.program_name
        )
        if self.override and named and named != self.override:
            self.warnings.append(
                f"the agenda names {named.acronym}: imported into {self.override.acronym}, "
                "as chosen"
            )
        program = self.override or named
        if program is not None:
            return _existing_program(program)
        if record.program_name and record.program_acronym:
            return self._new_program()
        return None

    def _program_unknown(self) -> str:
        title = self.record.program_name or self.record.title
        if not title:
            return "program unknown: the agenda prints no program name (choose the program)"
        return (
            f"program unknown: no program is named “{title}” and the agenda prints no acronym "
            "to create one with (choose the program)"
        )

    def _new_program(self) -> ProgramPlan:
        record = self.record
        name = _clip(record.program_name, Program, "name")
        acronym = _clip(record.program_acronym, Program, "acronym")
        self.warnings.append(f"new program {acronym} ({name}): check its settings")
        start, end = record.start_time, record.end_time
        duration = _length(start, end) if start and end else dt.timedelta(hours=1)
        disclaimer = record.disclaimer
        return ProgramPlan(
            existing=None,
            name=name,
            acronym=acronym,
            slug=_free_slug(slugify(acronym) or "program", {p.slug for p in self.programs}),
            time_zone=record.timezone or settings.TUG_DEFAULT_TIME_ZONE,
            default_start_time=start,
            default_duration=duration,
            disclaimer_title=_clip(disclaimer.heading, Program, "recording_disclaimer_title")
            if disclaimer
            else "",
            disclaimer=disclaimer.text if disclaimer else "",
        )

    # --- the meeting ------------------------------------------------------------------------

    def _meeting(self, program: ProgramPlan, previous: AgendaImport | None, contact):
        record = self.record
        time_zone = self._time_zone(program)
        start = self._start(program)
        end = self._end(program, start)
        existing, matched_by = self._existing_meeting(program, previous, time_zone, start)
        if existing is not None and existing.is_published:
            self.warnings.append("updates a published meeting: the changes are public at once")
        join = self._join()
        if join is None and existing is None and program.existing is not None:
            self.warnings.append("no web conference or dial-in printed: the program's are used")
        own_contact = contact is not None and not _same_person(contact, program.contact)
        plan = MeetingPlan(
            role=Role.MAIN,
            program=program,
            existing=existing,
            day=record.date,
            start=start,
            end=end,
            time_zone=time_zone,
            title=_clip(_meeting_title(record, program), Meeting, "title"),
            join=join,
            recording_disclaimer=self._disclaimer(program),
            contact=contact if own_contact else None,
            sets_contact=contact is not None,
            topics=tuple(self._topic(order, t) for order, t in enumerate(record.topics, 1)),
        )
        return plan, matched_by

    def _time_zone(self, program: ProgramPlan) -> str:
        if self.record.timezone:
            return self.record.timezone
        if program.existing is not None:
            self.warnings.append(f"time zone {program.time_zone} assumed (the program's)")
        else:
            self.warnings.append(f"time zone {program.time_zone} assumed (the portal's default)")
        return program.time_zone

    def _start(self, program: ProgramPlan) -> dt.time:
        record = self.record
        if record.start_time:
            return record.start_time
        first = next((t.start_time for t in record.topics if t.start_time), None)
        if first:
            self.warnings.append(f"start time {first:%H:%M} taken from the first agenda item")
            return first
        if program.default_start_time:
            start = program.default_start_time
            self.warnings.append(f"start time {start:%H:%M} assumed (the program's)")
            return start
        self.warnings.append("start time 10:00 assumed (the program has no default)")
        return dt.time(10, 0)

    def _end(self, program: ProgramPlan, start: dt.time) -> dt.time | None:
        record = self.record
        if record.end_time:
            return record.end_time
        last = next((t.end_time for t in reversed(record.topics) if t.end_time), None)
        if last and last > start:
            self.warnings.append(f"end time {last:%H:%M} taken from the last agenda item")
            return last
        length = program.default_duration
        end = (dt.datetime.combine(record.date, start) + length).time()
        self.warnings.append(f"end time {end:%H:%M} assumed (the program's default length)")
        return None

    def _existing_meeting(self, program, previous, time_zone: str, start: dt.time):
        """The meeting an earlier import of these bytes made, else the program's meeting that
        day (the one that starts at the printed time, when there are several)."""
        if program.existing is None:
            return None, ""
        made = previous.meeting if previous else None
        if made is not None and made.program_id == program.existing.pk:
            return made, "document"
        same_day = list(
            selectors.meetings_on_day(
                program=program.existing, day=self.record.date, time_zone=time_zone
            )
        )
        if len(same_day) > 1:
            self.warnings.append(
                f"{len(same_day)} meetings of {program.acronym} on {self.record.date}: "
                "the one at the printed time (else the first) is updated"
            )
        at_start = [m for m in same_day if m.local_start.time() == start]
        found = (at_start or same_day or [None])[0]
        return found, "date" if found else ""

    def _join(self) -> JoinPlan | None:
        record = self.record
        if record.web_conference is None and not record.dial_in:
            return None
        web = record.web_conference or parsing.WebConference(None, None, None)
        url = _web_url(web.url) if web.url else ""
        if url and not _is_valid_url(url, Meeting, "web_conference_url"):
            self.warnings.append(f"web conference link {web.url!r} is not usable: left out")
            url = ""
        return JoinPlan(
            url=url,
            meeting_number=_clip(web.meeting_number or "", Meeting, "meeting_number"),
            access_code=_clip(web.access_code or "", Meeting, "web_access_code"),
            dial_ins=tuple(
                DialInPlan(
                    label=_clip(d.label or "Dial-in", MeetingDialIn, "label"),
                    number=_clip(d.number, MeetingDialIn, "number"),
                    access_code=_clip(d.access_code or "", MeetingDialIn, "access_code"),
                )
                for d in record.dial_in
            ),
        )

    def _disclaimer(self, program: ProgramPlan) -> str | None:
        """The meeting keeps its own disclaimer only where it differs from the program's."""
        printed = self.record.disclaimer
        if printed is None:
            return None
        if program.existing is None or _squash(printed.text) == _squash(program.disclaimer):
            return ""
        return printed.text

    def _contact(self) -> PersonPlan | None:
        """The person with the printed address, else one known by the printed name and no
        address yet (a facilitator, who is given it), else a new person."""
        contact = self.record.contact
        if contact is None:
            return None
        name = _clip(contact.name or contact.email, Person, "name")
        found = self.contact_by_email
        if found is None:
            named = self.people.get(name.casefold())
            found = named if named and not named.email else None
        return PersonPlan(name=found.name if found else name, email=contact.email, existing=found)

    def _topic(self, order: int, topic: parsing.Topic) -> TopicPlan:
        return TopicPlan(
            order=order,
            title=_clip(topic.title, AgendaTopic, "title"),
            start_time=topic.start_time,
            end_time=topic.end_time,
            body=_autolinked(topic.body_markdown),
            facilitators=tuple(self._person(name) for name in dict.fromkeys(topic.facilitators)),
            documents=self._documents(topic.documents),
            systems=self._systems_named(topic.title),
        )

    # --- announcements and the meetings they carry --------------------------------------------

    def _announcement(
        self, section: parsing.Announcement, meeting: MeetingPlan
    ) -> AnnouncementPlan | None:
        """A detail section is an announcement when it tells of a change (a policy, a release,
        an outage), of a meeting, or stands apart from the topics; otherwise it only details
        its topic, whose body it already is."""
        kind = _announcement_kind(section)
        if kind is None:
            return None
        title = _clip(section.title, Announcement, "title")
        slug = _announcement_slug(title, self.record.date)
        existing = self._existing_announcement(meeting, title, slug)
        return AnnouncementPlan(
            existing=existing,
            title=title,
            slug=slug,
            kind=existing.kind if existing else kind,
            body=_autolinked(section.body_markdown),
            documents=self._documents(section.documents),
            systems=self._systems_named(section.title, section.topic_title),
            related=self._related_meeting(section, meeting),
        )

    def _existing_announcement(self, meeting: MeetingPlan, title: str, slug: str):
        """The announcement made from this section before: presented at the meeting under this
        title, else carrying this slug."""
        same_title = [
            a
            for a in self.announcements
            if meeting.existing is not None
            and a.presented_at_id == meeting.existing.pk
            and a.title.casefold() == title.casefold()
        ]
        return (same_title or [a for a in self.announcements if a.slug == slug] or [None])[0]

    def _related_meeting(self, section: parsing.Announcement, meeting: MeetingPlan):
        related = section.related_meeting
        if related is None:
            return None
        if related.date is None:
            self.warnings.append(f"“{section.title}” announces a meeting without a date: not made")
            return None
        program = self._program_mentioned(section, meeting.program)
        if program is None:
            self.warnings.append(
                f"“{section.title}” announces a meeting on {related.date} of a program not "
                "found here: not made"
            )
            return None
        if program.slug == meeting.program.slug and related.date == meeting.day:
            return None  # the agenda's own meeting
        time_zone = related.timezone or meeting.time_zone
        existing = self._meeting_on(program, related.date, time_zone)
        start = related.start_time or program.default_start_time or meeting.start
        if existing is None and related.start_time is None:
            self.warnings.append(
                f"“{section.title}” announces a meeting on {related.date} without a time: "
                f"{start:%H:%M} assumed"
            )
        topics = tuple(self._topic(order, t) for order, t in enumerate(related.topics, 1))
        return MeetingPlan(
            role=Role.RELATED,
            program=program,
            existing=existing,
            day=related.date,
            start=start,
            end=None,
            time_zone=time_zone,
            title=program.name,
            # A meeting with an agenda of its own keeps it: its own import is authoritative.
            topics=topics if existing is None or not existing.topic_count else None,
        )

    def _program_mentioned(self, section, own: ProgramPlan) -> ProgramPlan | None:
        """The program whose acronym (as a word) or name an announcement's heading names; another
        program than the agenda's own is preferred ("OMS – CPG Announcement" at a TUG)."""
        text = f"{section.title} {section.topic_title or ''}"
        candidates = [_existing_program(p) for p in self.programs]
        if own.existing is None:
            candidates.append(own)
        named = [
            p
            for p in candidates
            if re.search(rf"\b{re.escape(p.acronym)}\b", text)
            or p.name.casefold() in text.casefold()
        ]
        others = [p for p in named if p.slug != own.slug]
        return (others or named or [None])[0]

    def _meeting_on(self, program: ProgramPlan, day: dt.date, time_zone: str) -> Meeting | None:
        if program.existing is None:
            return None
        return selectors.meetings_on_day(
            program=program.existing, day=day, time_zone=time_zone
        ).first()

    def _next_meeting(self, meeting: MeetingPlan, taken: set) -> MeetingPlan | None:
        """A draft placeholder on the next meeting's date, unless the program has one there."""
        day = self.record.next_meeting_date
        program = meeting.program
        if day is None or day <= meeting.day or (program.slug, day) in taken:
            return None
        existing = self._meeting_on(program, day, meeting.time_zone)
        return MeetingPlan(
            role=Role.NEXT,
            program=program,
            existing=existing,
            day=day,
            start=meeting.start,
            end=meeting.end,
            time_zone=meeting.time_zone,
            title=meeting.title,
        )


# ------------------------------------------------------------------------------- helpers


def _existing_program(program: Program) -> ProgramPlan:
    contact = program.contact
    return ProgramPlan(
        existing=program,
        name=program.name,
        acronym=program.acronym,
        slug=program.slug,
        time_zone=program.time_zone,
        default_start_time=program.default_start_time,
        default_duration=program.default_duration,
        disclaimer_title=program.recording_disclaimer_title,
        disclaimer=program.recording_disclaimer,
        contact=PersonPlan(contact.name, contact.email, contact) if contact else None,
    )


def _same_person(person: PersonPlan, other: PersonPlan | None) -> bool:
    if other is None:
        return False
    if person.existing is None or other.existing is None:
        return person is other  # a new program's contact is the agenda's own
    return person.existing.pk == other.existing.pk


_GENERIC_TAIL = re.compile(r"(?i)(?<!\s)\s+(?:meeting|call|webinar|session|conference)$")


def _meeting_title(record: parsing.AgendaRecord, program: ProgramPlan) -> str:
    """The printed title without its "(TUG)": "Regional Issues Forum Quarterly Stakeholder
    Meeting"; the program's name when that is all it says ("TECHNOLOGY USER GROUP (TUG)
    Meeting") or when nothing is printed."""
    title = record.title or ""
    if record.program_acronym:
        title = title.replace(f"({record.program_acronym})", " ")
    title = _squash(title)
    if not title or _GENERIC_TAIL.sub("", title).casefold() == program.name.casefold():
        return program.name
    return title


_KIND_WORDS = (
    (Announcement.Kind.OUTAGE, re.compile(r"(?i)\b(?:outages?|maintenance|downtime)\b")),
    (
        Announcement.Kind.RELEASE,
        re.compile(r"(?i)\b(?:releases?|deploy\w*|upgrades?|go[- ]live|retire\w*|decommission\w*)"),
    ),
    (Announcement.Kind.POLICY_CHANGE, re.compile(r"(?i)\b(?:polic(?:y|ies)|changes?|rules?)\b")),
    (Announcement.Kind.GENERAL, re.compile(r"(?i)\b(?:announce\w*|notices?|reminders?)\b")),
)


def _announcement_kind(section: parsing.Announcement) -> str | None:
    """The kind of announcement a detail section is, or None when it only details its topic."""
    if section.related_meeting is not None:
        return Announcement.Kind.MEETING
    text = f"{section.title} {section.topic_title or ''}"
    found = next((kind for kind, words in _KIND_WORDS if words.search(text)), None)
    if found is None and section.topic_title is None:
        return Announcement.Kind.GENERAL  # a section of its own, under no topic
    return found


def _announcement_slug(title: str, day: dt.date) -> str:
    limit = Announcement._meta.get_field("slug").max_length - len("-2000-01-01")
    return f"{slugify(title)[:limit].strip('-') or 'announcement'}-{day:%Y-%m-%d}"


def _free_slug(base: str, taken: set[str]) -> str:
    base = base[: Program._meta.get_field("slug").max_length - 3]
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _length(start: dt.time, end: dt.time) -> dt.timedelta:
    day = dt.date(2000, 1, 3)
    length = dt.datetime.combine(day, end) - dt.datetime.combine(day, start)
    return length if length > dt.timedelta(0) else length + dt.timedelta(days=1)


# A bare link in running text: not already an autolink "<...>" nor a Markdown link "[](...)".
_BARE_LINK = re.compile(r"(?<!<)(?<!\]\()\bhttps?://[^\s<>()\"]*[^\s<>()\".,;:!?'”’]", re.I)


def _autolinked(markdown: str) -> str:
    """Bare links become Markdown autolinks, so that the page shows them as links."""
    return _BARE_LINK.sub(lambda match: f"<{match.group()}>", markdown)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str, model, field: str) -> str:
    """Text fitted to its column: a database refuses a longer value (PostgreSQL does)."""
    limit = model._meta.get_field(field).max_length
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _web_url(url: str) -> str:
    """Agendas print "www.caiso.com/..." without a scheme; a link needs one."""
    return f"https://{url}" if url.lower().startswith("www.") else url


def _is_valid_url(url: str, model, field: str) -> bool:
    if len(url) > model._meta.get_field(field).max_length:
        return False
    try:
        URLValidator()(url)
    except ValidationError:
        return False
    return True
