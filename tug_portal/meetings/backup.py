"""Programs as a portable JSON document: `manage.py export_program` and `import_program`.

A database backup (pg_dump, or a copy of the SQLite file) restores a whole deployment with its
history. This export is for one or more programs' content: to restore them into an emptied or a
new deployment, or to move them between deployments, where row ids differ. Rows are therefore
named by their natural keys (a program's and a meeting's slug, a person's name and email, a
system's code); a meeting keeps its calendar UID and calendar state, so subscribed calendars see
the restored meetings as the same events, not as duplicates.

Every concrete field is written, generically, so a field added to a model is carried without
touching this module; relations are written as natural keys by hand below.
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone

from tug_portal.common.rows import set_related

from .models import (
    AgendaRequest,
    AgendaTopic,
    Announcement,
    Document,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    ProgramDialIn,
    StayConnectedLink,
    System,
)
from .selectors import meetings_with_calendar_facts

FORMAT = "tug-portal/programs/1"
# Bookkeeping, not content: row ids and the row's own created/updated stamps. An agenda request's
# created_at is the moment it was asked and is kept (see AGENDA_REQUEST_STAMP).
SKIPPED_FIELDS = {"id", "created_at", "updated_at"}
AGENDA_REQUEST_STAMP = "requested_at"
CALENDAR_STATE = (
    "calendar_sequence",
    "calendar_changed_at",
    "calendar_snapshot",
    "change_summary",
    "change_summary_sequence",
)
JSON_NATIVE = (str, int, float, bool, dict, list, type(None))


class ImportRefused(ValueError):
    """The document cannot be imported as it is; nothing was written."""


# --- Rows <-> plain values ------------------------------------------------------------------


def row_values(row: Model) -> dict:
    """Every concrete, non-relation field of a row, as JSON values (as Django's serializers
    write them: dates and durations as ISO strings)."""
    values = {}
    for field in row._meta.concrete_fields:
        if field.is_relation or field.name in SKIPPED_FIELDS:
            continue
        value = field.value_from_object(row)
        values[field.name] = value if isinstance(value, JSON_NATIVE) else field.value_to_string(row)
    return values


def field_values(model: type[Model], values: dict) -> dict:
    """The inverse of `row_values`: python values for the model's own fields in `values`."""
    fields = {
        field.name: field
        for field in model._meta.concrete_fields
        if not field.is_relation and field.name not in SKIPPED_FIELDS
    }
    return {name: fields[name].to_python(value) for name, value in values.items() if name in fields}


def person_key(person: Person | None) -> list | None:
    return [person.name, person.email] if person else None


def document_key(document: Document) -> list:
    return [document.title, document.url, document.page]


# --- Export ---------------------------------------------------------------------------------


def program_export(*, programs, include_unlinked_announcements: bool = False) -> dict:
    """The document for `programs` (a queryset): the programs with their dial-ins and links,
    their meetings with dial-ins and agenda, the announcements presented at or announcing those
    meetings, the agenda requests, and every person, system and document these name."""
    programs = list(programs.select_related("contact").prefetch_related("dial_ins", "links"))
    meetings = list(
        meetings_with_calendar_facts(Meeting.objects.filter(program__in=programs))
        .select_related("program", "replacement")
        .order_by("starts_at", "pk")
    )
    linked = Q(presented_at__in=meetings) | Q(related_meeting__in=meetings)
    if include_unlinked_announcements:
        linked |= Q(presented_at=None, related_meeting=None)
    announcements = list(
        Announcement.objects.filter(linked)
        .select_related("presented_at", "related_meeting")
        .prefetch_related("systems", "documents")
        .order_by("published_at", "pk")
    )
    requests = list(
        AgendaRequest.objects.filter(program__in=programs)
        .select_related("program", "meeting")
        .order_by("created_at", "pk")
    )
    return {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        **_referenced_rows(programs, meetings, announcements),
        "programs": [_program_entry(program) for program in programs],
        "meetings": [_meeting_entry(meeting) for meeting in meetings],
        "announcements": [_announcement_entry(item) for item in announcements],
        "agenda_requests": [_agenda_request_entry(item) for item in requests],
    }


def _referenced_rows(programs, meetings, announcements) -> dict:
    people, systems, documents = {}, {}, {}
    for owner in (*programs, *meetings):
        if owner.contact:
            people[owner.contact.pk] = owner.contact
    for meeting in meetings:
        for topic in meeting.topics.all():
            people.update((person.pk, person) for person in topic.facilitators.all())
            systems.update((system.pk, system) for system in topic.systems.all())
            documents.update((document.pk, document) for document in topic.documents.all())
    for announcement in announcements:
        systems.update((system.pk, system) for system in announcement.systems.all())
        documents.update((document.pk, document) for document in announcement.documents.all())
    return {
        "people": [row_values(row) for row in sorted(people.values(), key=person_key)],
        "systems": [row_values(row) for row in sorted(systems.values(), key=lambda s: s.code)],
        "documents": [row_values(row) for row in sorted(documents.values(), key=document_key)],
    }


def _program_entry(program: Program) -> dict:
    return {
        **row_values(program),
        "contact": person_key(program.contact),
        "dial_ins": [row_values(dial_in) for dial_in in program.dial_ins.all()],
        "links": [row_values(link) for link in program.links.all()],
    }


def _meeting_entry(meeting: Meeting) -> dict:
    return {
        **row_values(meeting),
        "program": meeting.program.slug,
        "contact": person_key(meeting.contact),
        "replacement": meeting.replacement.slug if meeting.replacement else None,
        "dial_ins": [row_values(dial_in) for dial_in in meeting.dial_ins.all()],
        "topics": [
            {
                **row_values(topic),
                "facilitators": [person_key(person) for person in topic.facilitators.all()],
                "systems": [system.code for system in topic.systems.all()],
                "documents": [document_key(document) for document in topic.documents.all()],
            }
            for topic in meeting.topics.all()
        ],
    }


def _announcement_entry(announcement: Announcement) -> dict:
    return {
        **row_values(announcement),
        "presented_at": announcement.presented_at.slug if announcement.presented_at else None,
        "related_meeting": (
            announcement.related_meeting.slug if announcement.related_meeting else None
        ),
        "systems": [system.code for system in announcement.systems.all()],
        "documents": [document_key(document) for document in announcement.documents.all()],
    }


def _agenda_request_entry(request: AgendaRequest) -> dict:
    return {
        **row_values(request),
        AGENDA_REQUEST_STAMP: request.created_at.isoformat(),
        "program": request.program.slug,
        "meeting": request.meeting.slug if request.meeting else None,
    }


# --- Import ---------------------------------------------------------------------------------


class BackupRestorer:
    """Writes one document, resolving natural keys as it goes. Rows found by their key are
    updated to the document's values; a meeting's or program's dial-ins, links and agenda are
    replaced by the document's, so that after the import they are exactly what it says."""

    def __init__(self, document: dict):
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ImportRefused(f"Not a TUG Portal program export (expected format {FORMAT}).")
        self.document = document
        self.people: dict[tuple, Person] = {}
        self.systems: dict[str, System] = {}
        self.documents: dict[tuple, Document] = {}
        self.meetings: dict[str, Meeting] = {}
        self.unresolved: list[str] = []  # slugs of meetings named but found nowhere

    def run(self) -> dict:
        for values in self.document.get("people", []):
            self.people[(values["name"], values["email"])] = self._upsert(
                Person, {"name": values["name"], "email": values["email"]}, values
            )
        for values in self.document.get("systems", []):
            self.systems[values["code"]] = self._upsert(System, {"code": values["code"]}, values)
        for values in self.document.get("documents", []):
            key = (values["title"], values["url"], values["page"])
            self.documents[key] = self._upsert(
                Document, dict(zip(("title", "url", "page"), key, strict=True)), values
            )
        programs = [self._program(entry) for entry in self.document.get("programs", [])]
        meeting_entries = self.document.get("meetings", [])
        for entry in meeting_entries:
            self._meeting(entry)
        for entry in meeting_entries:  # once all are here: a replacement may come later
            self._meeting_replacement(entry)
        for entry in self.document.get("announcements", []):
            self._announcement(entry)
        for entry in self.document.get("agenda_requests", []):
            self._agenda_request(entry)
        return {
            "programs": len(programs),
            "meetings": len(self.meetings),
            "announcements": len(self.document.get("announcements", [])),
            "agenda_requests": len(self.document.get("agenda_requests", [])),
            "unresolved_meeting_links": sorted(set(self.unresolved)),
        }

    def _upsert(self, model, lookup: dict, values: dict, **relations):
        """The row named by `lookup`, created or given the document's values; saved only when
        something differs, so importing the same document twice adds no history."""
        wanted = {**field_values(model, values), **relations}
        row = model.objects.filter(**lookup).first()
        if row is None:
            return self._save(model(**{**lookup, **wanted}))
        changed = [name for name, value in wanted.items() if getattr(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, wanted[name])
            self._save(row)
        return row

    def _create(self, model, values: dict, **relations):
        return self._save(model(**field_values(model, values), **relations))

    @staticmethod
    def _save(row):
        # Validated as the admin validates (lengths, URLs, time zones, rules), so a hand-edited
        # file cannot store what a form would refuse; uniqueness is the database's to enforce.
        row.full_clean(validate_unique=False)
        row.save()
        return row

    def _person(self, key):
        return self.people[tuple(key)] if key else None

    def _meeting_named(self, slug):
        """A meeting of the document or already here. An export of one program can name a
        meeting of another (an announcement of the next CPG): absent, the link stays empty and
        is reported."""
        if slug is None:
            return None
        meeting = self.meetings.get(slug) or Meeting.objects.filter(slug=slug).first()
        if meeting is None:
            self.unresolved.append(slug)
        return meeting

    def _program(self, entry: dict) -> Program:
        program = self._upsert(
            Program, {"slug": entry["slug"]}, entry, contact=self._person(entry["contact"])
        )
        program.dial_ins.all().delete()
        program.links.all().delete()
        for values in entry["dial_ins"]:
            self._create(ProgramDialIn, values, program=program)
        for values in entry["links"]:
            self._create(StayConnectedLink, values, program=program)
        return program

    def _meeting(self, entry: dict) -> None:
        values = {k: v for k, v in entry.items() if k not in CALENDAR_STATE}
        is_new = not Meeting.objects.filter(uid=entry["uid"]).exists()
        meeting = self._upsert(
            Meeting,
            {"uid": entry["uid"]},
            values,
            program=Program.objects.get(slug=entry["program"]),
            contact=self._person(entry["contact"]),
        )
        if is_new:
            # A restored meeting continues its calendar history (SEQUENCE never goes back). An
            # existing one keeps its own: the sync after commit bumps it if the import changed
            # what calendars show.
            state = field_values(Meeting, {k: entry[k] for k in CALENDAR_STATE if k in entry})
            Meeting.objects.filter(pk=meeting.pk).update(**state)
        meeting.dial_ins.all().delete()
        meeting.topics.all().delete()
        for values in entry["dial_ins"]:
            self._create(MeetingDialIn, values, meeting=meeting)
        for topic_entry in entry["topics"]:
            topic = self._create(AgendaTopic, topic_entry, meeting=meeting)
            topic.facilitators.set(self._person(key) for key in topic_entry["facilitators"])
            topic.systems.set(self.systems[code] for code in topic_entry["systems"])
            topic.documents.set(self.documents[tuple(key)] for key in topic_entry["documents"])
        self.meetings[meeting.slug] = meeting

    def _meeting_replacement(self, entry: dict) -> None:
        meeting = Meeting.objects.get(uid=entry["uid"])
        replacement = self._meeting_named(entry.get("replacement"))
        if meeting.replacement_id != (replacement.pk if replacement else None):
            meeting.replacement = replacement
            self._save(meeting)

    def _announcement(self, entry: dict) -> None:
        announcement = self._upsert(
            Announcement,
            {"slug": entry["slug"]},
            entry,
            presented_at=self._meeting_named(entry["presented_at"]),
            related_meeting=self._meeting_named(entry["related_meeting"]),
        )
        set_related(announcement.systems, [self.systems[code] for code in entry["systems"]])
        set_related(
            announcement.documents, [self.documents[tuple(key)] for key in entry["documents"]]
        )

    def _agenda_request(self, entry: dict) -> None:
        program = Program.objects.get(slug=entry["program"])
        requested_at = AgendaRequest._meta.get_field("created_at").to_python(
            entry[AGENDA_REQUEST_STAMP]
        )
        lookup = {"program": program, "email": entry["email"], "topic": entry["topic"]}
        if AgendaRequest.objects.filter(**lookup, created_at=requested_at).exists():
            return
        request = self._create(
            AgendaRequest, entry, program=program, meeting=self._meeting_named(entry["meeting"])
        )
        # created_at is stamped on insert; the request keeps the moment it was really made.
        AgendaRequest.objects.filter(pk=request.pk).update(created_at=requested_at)


@transaction.atomic
def program_import(*, document: dict) -> dict:
    """Write a document made by `program_export`; all of it or, on any error, nothing.
    Returns counts of what it holds, and the meetings it links to that exist nowhere."""
    try:
        return BackupRestorer(document).run()
    except ImportRefused:
        raise
    except ValidationError as error:
        raise ImportRefused(f"The document holds invalid values: {error.messages}") from error
    except IntegrityError as error:
        raise ImportRefused(f"The document clashes with rows already here: {error}") from error
    except (KeyError, TypeError, ValueError, ObjectDoesNotExist) as error:
        raise ImportRefused(f"The document is incomplete or malformed ({error!r}).") from error
