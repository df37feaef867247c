"""Writes: an agenda document becomes draft meetings.

`agenda_import` works out the plan (`import_plan.agenda_plan`) inside its transaction and carries it
out, so an import either writes everything its plan names or, on any failure, nothing. Rows are
written only where a value differs, so importing the same document twice changes nothing the
second time (not even a history row or a calendar SEQUENCE).
"""

import os
from dataclasses import dataclass
from itertools import zip_longest

from django.db import transaction
from django.utils import timezone

from tug_portal.common.rows import lock_for_transaction, set_related
from tug_portal.meetings import search_index
from tug_portal.meetings.models import (
    AgendaTopic,
    Announcement,
    Document,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    ProgramDialIn,
)
from tug_portal.meetings.selectors import JOIN_FIELDS
from tug_portal.meetings.services import meeting_create
from tug_portal.meetings.timeutil import local_span_to_utc

from .extract import AgendaFileError
from .import_plan import (
    AnnouncementPlan,
    DocumentPlan,
    ImportPlan,
    JoinPlan,
    MeetingPlan,
    PersonPlan,
    ProgramPlan,
    Role,
    TopicPlan,
    agenda_plan,
)
from .models import AgendaImport
from .sources import AgendaSource, source_read


class ImportStatus:
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"  # needs a human look before anything can be imported
    FAILED = "failed"


@dataclass(frozen=True)
class ImportOutcome:
    file: str
    status: str
    meeting: Meeting | None = None
    warnings: tuple[str, ...] = ()
    reason: str = ""  # why it was skipped or failed

    @property
    def needs_a_look(self) -> bool:
        return self.status == ImportStatus.SKIPPED or bool(self.warnings)


class PlanChanged(Exception):
    """The data moved on since the plan was shown: the new plan must be shown again."""

    def __init__(self, plan: ImportPlan):
        super().__init__("The portal's data changed since the preview.")
        self.plan = plan


def agenda_import_file(
    *, path: str | os.PathLike, program: Program | None = None, user=None, dry_run: bool = False
) -> ImportOutcome:
    """Import one file; a file that cannot be read is a failed outcome saying why. A dry run
    tells what the import would do and writes nothing."""
    name = os.path.basename(path)
    try:
        source = source_read(path)
    except AgendaFileError as error:
        reason = str(error).removeprefix(f"{name}: ")
        return ImportOutcome(file=name, status=ImportStatus.FAILED, reason=reason)
    if dry_run:
        return _planned_outcome(agenda_plan(source=source, program=program))
    return agenda_import(source=source, program=program, user=user)


def _planned_outcome(plan: ImportPlan) -> ImportOutcome:
    status = {"create": ImportStatus.CREATED, "update": ImportStatus.UPDATED}.get(
        plan.action, ImportStatus.SKIPPED
    )
    return ImportOutcome(
        file=plan.source.name,
        status=status,
        meeting=plan.meeting.existing if plan.meeting else None,
        warnings=plan.warnings,
        reason=plan.blocked,
    )


@transaction.atomic
@search_index.deferred()  # each meeting's search document once, not once per topic
def agenda_import(
    *,
    source: AgendaSource,
    program: Program | None = None,
    user=None,
    expected_digest: str = "",
) -> ImportOutcome:
    """Create or update the meetings an agenda describes, as drafts. With `expected_digest`
    (the preview's), raises `PlanChanged` instead when the plan is no longer the one shown."""
    # Two imports of one new agenda at once would both plan "create": one after the other, the
    # second finds the first's meeting.
    lock_for_transaction("importer.agenda_import")
    plan = agenda_plan(source=source, program=program)
    if expected_digest and plan.digest != expected_digest:
        raise PlanChanged(plan)
    if plan.meeting is None:
        return ImportOutcome(
            file=source.name,
            status=ImportStatus.SKIPPED,
            warnings=plan.warnings,
            reason=plan.blocked,
        )
    writer = _Writer()
    meeting = writer.meeting(plan.meeting)
    for announcement in plan.announcements:
        writer.announcement(announcement, presented_at=meeting)
    if plan.next_meeting is not None:
        writer.meeting(plan.next_meeting)
    _record_import(plan, meeting, user)
    return ImportOutcome(
        file=source.name,
        status=ImportStatus.CREATED if plan.meeting.creates else ImportStatus.UPDATED,
        meeting=meeting,
        warnings=plan.warnings,
    )


def _record_import(plan: ImportPlan, meeting: Meeting, user) -> None:
    AgendaImport.objects.update_or_create(
        sha256=plan.source.sha256,
        defaults={
            "source_name": plan.source.name[:255],
            "meeting": meeting,
            "imported_at": timezone.now(),
            "imported_by": user if user and user.is_authenticated else None,
            "warnings": list(plan.warnings),
        },
    )


def _join_fields(join: JoinPlan) -> dict[str, str]:
    """The join details an agenda prints, as the fields `meeting_join_details` names."""
    return dict(zip(JOIN_FIELDS, (join.url, join.meeting_number, join.access_code), strict=True))


class _Writer:
    """Carries out one plan. People, documents and programs it creates are remembered, so that
    a name printed twice becomes one person."""

    def __init__(self):
        self.people: dict[str, Person] = {}
        self.documents: dict[tuple[str, str], Document] = {}
        self.programs: dict[str, Program] = {}

    # --- people, documents, programs ---------------------------------------------------------

    def person(self, plan: PersonPlan) -> Person:
        person = plan.existing or self._person_made(plan)
        if plan.email and not person.email:
            person.email = plan.email  # known by name only until now (a facilitator)
            person.save(update_fields=["email", "updated_at"])
        return person

    def _person_made(self, plan: PersonPlan) -> Person:
        """A person this import creates: once, however often the agenda names them."""
        person = self.people.get(plan.email.casefold()) if plan.email else None
        named = self.people.get(plan.name.casefold())
        if person is None and named is not None and not (plan.email and named.email):
            person = named
        if person is None:
            person = Person.objects.create(name=plan.name, email=plan.email)
        self.people.setdefault(plan.name.casefold(), person)
        if plan.email:
            self.people.setdefault(plan.email.casefold(), person)
        return person

    def document(self, plan: DocumentPlan) -> Document:
        key = (plan.url, plan.page)
        if key not in self.documents:
            self.documents[key] = plan.existing or Document.objects.create(
                title=plan.title, url=plan.url, page=plan.page
            )
        return self.documents[key]

    def program(self, plan: ProgramPlan) -> Program:
        if plan.existing is not None:
            return plan.existing
        if plan.slug not in self.programs:
            self.programs[plan.slug] = self._program_create(plan)
        return self.programs[plan.slug]

    def _program_create(self, plan: ProgramPlan) -> Program:
        join = plan.join or JoinPlan("", "", "", ())
        disclaimer_title = {"recording_disclaimer_title": plan.disclaimer_title}
        program = Program.objects.create(
            name=plan.name,
            acronym=plan.acronym,
            slug=plan.slug,
            time_zone=plan.time_zone,
            default_start_time=plan.default_start_time,
            default_duration=plan.default_duration,
            recording_disclaimer=plan.disclaimer,
            contact=self.person(plan.contact) if plan.contact else None,
            **_join_fields(join),
            **(disclaimer_title if plan.disclaimer_title else {}),
        )
        ProgramDialIn.objects.bulk_create(
            ProgramDialIn(
                program=program,
                label=d.label,
                number=d.number,
                access_code=d.access_code,
                order=order,
            )
            for order, d in enumerate(join.dial_ins)
        )
        return program

    # --- meetings ----------------------------------------------------------------------------

    def meeting(self, plan: MeetingPlan) -> Meeting:
        program = self.program(plan.program)
        if plan.existing is None:
            meeting = self._meeting_create(plan, program)
        elif plan.role == Role.MAIN:
            meeting = self._meeting_update(plan, program)
        else:
            meeting = plan.existing  # a meeting of its own: only an empty agenda is filled in
        if plan.join is not None:
            self._dial_ins(meeting, plan.join)
        if plan.topics is not None:
            self._topics(meeting, plan.topics)
        return meeting

    def _meeting_create(self, plan: MeetingPlan, program: Program) -> Meeting:
        # Join details as printed; none printed: the program's (`meeting_create` copies them).
        fields = _join_fields(plan.join) if plan.join is not None else {}
        return meeting_create(
            program=program,
            day=plan.day,
            start=plan.start,
            end=plan.end,
            title=plan.title,
            time_zone=plan.time_zone,
            is_published=False,
            copy_program_defaults=plan.join is None,
            recording_disclaimer=plan.recording_disclaimer or "",
            contact=self.person(plan.contact) if plan.contact else None,
            **fields,
        )

    def _meeting_update(self, plan: MeetingPlan, program: Program) -> Meeting:
        starts_at, ends_at = local_span_to_utc(
            plan.day, plan.start, plan.end, plan.time_zone, program.default_duration
        )
        values = {
            "title": plan.title,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "time_zone": plan.time_zone,
        }
        if plan.join is not None:
            values |= _join_fields(plan.join)
        if plan.recording_disclaimer is not None:
            values["recording_disclaimer"] = plan.recording_disclaimer
        if plan.sets_contact:
            values["contact"] = self.person(plan.contact) if plan.contact else None
        return _save_changes(plan.existing, values)

    def _dial_ins(self, meeting: Meeting, join: JoinPlan) -> None:
        """The dial-ins as printed, replaced only when they differ."""
        wanted = [(d.label, d.number, d.access_code) for d in join.dial_ins]
        current = meeting.dial_ins.order_by("order", "pk")
        if [(d.label, d.number, d.access_code) for d in current] == wanted:
            return
        meeting.dial_ins.all().delete()
        for order, (label, number, access_code) in enumerate(wanted):
            MeetingDialIn.objects.create(
                meeting=meeting, label=label, number=number, access_code=access_code, order=order
            )

    def _topics(self, meeting: Meeting, topics: tuple[TopicPlan, ...]) -> None:
        """The agenda's topics, in its order: the meeting's topics are taken in their order
        and updated one for one (however staff numbered them), those left over are removed."""
        current = list(meeting.topics.order_by("order", "pk"))
        for plan, topic in zip_longest(topics, current):
            if plan is None:
                topic.delete()
            else:
                self._topic(meeting, plan, topic)

    def _topic(self, meeting: Meeting, plan: TopicPlan, topic: AgendaTopic | None) -> None:
        values = {
            "order": plan.order,
            "title": plan.title,
            "start_time": plan.start_time,
            "end_time": plan.end_time,
            "body": plan.body,
        }
        people = [self.person(p) for p in plan.facilitators]
        documents = [self.document(d) for d in plan.documents]
        if topic is None:
            topic = AgendaTopic.objects.create(meeting=meeting, **values)
            _link_new(topic.facilitators, people)
            _link_new(topic.documents, documents)
        else:
            _save_changes(topic, values)
            set_related(topic.facilitators, people)
            set_related(topic.documents, documents)
        _add_missing(topic.systems, plan.systems)  # systems staff linked by hand are kept

    # --- announcements -----------------------------------------------------------------------

    def announcement(self, plan: AnnouncementPlan, *, presented_at: Meeting) -> Announcement:
        related = self.meeting(plan.related) if plan.related else None
        values = {
            "title": plan.title,
            "kind": plan.kind,
            "body": plan.body,
            "presented_at": presented_at,
        }
        if related is not None:
            values["related_meeting"] = related
        documents = [self.document(d) for d in plan.documents]
        if plan.existing is None:
            # A draft, dated when it was presented.
            announcement = Announcement.objects.create(
                slug=plan.slug, is_published=False, published_at=presented_at.starts_at, **values
            )
            _link_new(announcement.documents, documents)
        else:
            announcement = _save_changes(plan.existing, values)
            set_related(announcement.documents, documents)
        _add_missing(announcement.systems, plan.systems)
        return announcement


def _save_changes(row, values: dict):
    """Write only the fields whose value differs (no history row when nothing does)."""
    changed = [field for field, value in values.items() if getattr(row, field) != value]
    if changed:
        for field in changed:
            setattr(row, field, values[field])
        row.save(update_fields=[*changed, "updated_at"])
    return row


def _link_new(manager, rows) -> None:
    """Links of a row just created: nothing to compare with."""
    if rows:
        manager.add(*rows)


def _add_missing(manager, rows) -> None:
    """Add what is missing, remove nothing (staff may have linked more by hand)."""
    if not rows:
        return
    missing = set(rows) - set(manager.all())
    if missing:
        manager.add(*missing)
