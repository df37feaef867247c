"""Reads the importer needs: what already exists for the facts an agenda prints. Each lookup
takes every name (or link) of a document at once, so that planning an import costs the same
few queries at three topics as at thirty."""

import operator
from collections.abc import Iterable
from datetime import date, time, timedelta
from functools import reduce

from django.db.models import Count, Q, QuerySet

from tug_portal.meetings.models import Announcement, Document, Meeting, Person, Program, System
from tug_portal.meetings.timeutil import local_to_utc

from .models import AgendaImport


def agenda_import_of(*, sha256: str) -> AgendaImport | None:
    """The earlier import of exactly these bytes, with the meeting it made."""
    return (
        AgendaImport.objects.select_related("meeting", "meeting__program")
        .filter(sha256=sha256)
        .first()
    )


def agenda_imports_listed() -> QuerySet[AgendaImport]:
    return AgendaImport.objects.select_related("meeting", "meeting__program", "imported_by")


def programs_all() -> list[Program]:
    """Every program (a handful): an agenda names its own and those its announcements mention."""
    return list(Program.objects.select_related("contact").order_by("pk"))


def program_named(programs: Iterable[Program], *, acronym: str | None, name: str | None):
    """The program an agenda's title names, by acronym first, then by full name (any case)."""
    programs = list(programs)
    for wanted, key in ((acronym, "acronym"), (name, "name")):
        if wanted:
            found = [p for p in programs if getattr(p, key).casefold() == wanted.casefold()]
            if found:
                return found[0]
    return None


def meetings_on_day(*, program: Program, day: date, time_zone: str) -> QuerySet[Meeting]:
    """A program's meetings starting on a local calendar day, earliest first, with their number
    of topics."""
    start = local_to_utc(day, time(0), time_zone)
    end = local_to_utc(day + timedelta(days=1), time(0), time_zone)
    return (
        Meeting.objects.filter(program=program, starts_at__gte=start, starts_at__lt=end)
        .select_related("program")
        .annotate(topic_count=Count("topics"))
        .order_by("starts_at", "pk")
    )


def people_named(*, names: Iterable[str]) -> dict[str, Person]:
    """People by name, keyed by the name casefolded (the first one made, when several share a
    name)."""
    query = _any_iexact("name", names)
    if query is None:
        return {}
    found: dict[str, Person] = {}
    for person in Person.objects.filter(query).order_by("pk"):
        found.setdefault(person.name.casefold(), person)
    return found


def _any_iexact(field: str, values: Iterable[str]) -> Q | None:
    queries = [Q(**{f"{field}__iexact": value}) for value in set(values)]
    return reduce(operator.or_, queries) if queries else None


def person_with_email(*, email: str) -> Person | None:
    return Person.objects.filter(email__iexact=email).order_by("pk").first()


def documents_linked(*, urls: Iterable[str]) -> dict[tuple[str, str], Document]:
    """Documents by (URL, page): one link may be cited at several pages."""
    urls = set(urls)
    if not urls:
        return {}
    found: dict[tuple[str, str], Document] = {}
    for document in Document.objects.filter(url__in=urls).order_by("pk"):
        found.setdefault((document.url, document.page), document)
    return found


def systems_all() -> list[System]:
    return list(System.objects.order_by("code"))


def announcements_matching(
    *, meeting: Meeting | None, titles: Iterable[str], slugs: Iterable[str]
) -> list[Announcement]:
    """Announcements an earlier import made from these sections: presented at the meeting under
    the same title, or carrying the slug an import gives them."""
    query = Q(slug__in=set(slugs))
    same_title = _any_iexact("title", titles)
    if meeting is not None and same_title is not None:
        query |= Q(presented_at=meeting) & same_title
    return list(Announcement.objects.filter(query).order_by("pk"))
