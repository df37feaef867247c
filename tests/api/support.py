"""Helpers for the API tests: reading answers, and building many rows at once."""

from datetime import date

from tests.support.bulk import bulk_meetings
from tug_portal.meetings.models import (
    AgendaTopic,
    Announcement,
    Document,
    Meeting,
    Person,
    Program,
    System,
)

# Every API endpoint's path, as the OpenAPI schema and the docs page list them (sorted).
API_PATHS = [
    "/api/v1/",
    "/api/v1/announcements",
    "/api/v1/announcements/{slug}",
    "/api/v1/meetings",
    "/api/v1/meetings/{slug}",
    "/api/v1/next-meetings",
    "/api/v1/programs",
    "/api/v1/programs/{slug}",
]


def get_json(client, url, status=200, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def add_meetings(program: Program, count: int, *, first_day=date(2030, 1, 1)) -> list[Meeting]:
    return bulk_meetings(program, count, first_day=first_day)


def add_topics(meeting: Meeting, count: int) -> None:
    """`count` topics, each with its own facilitator, system and document."""
    numbers = range(count)
    people = Person.objects.bulk_create(Person(name=f"Person {n}") for n in numbers)
    systems = System.objects.bulk_create(System(code=f"S{n}", name=f"System {n}") for n in numbers)
    documents = Document.objects.bulk_create(
        Document(title=f"Doc {n}", url=f"https://example.com/{n}.pdf") for n in numbers
    )
    topics = AgendaTopic.objects.bulk_create(
        AgendaTopic(meeting=meeting, order=n + 2, title=f"Topic {n}", body=f"- point {n}")
        for n in numbers
    )
    links = {"facilitators": ("person", people), "systems": ("system", systems)}
    links["documents"] = ("document", documents)
    for field, (column, rows) in links.items():
        through = getattr(AgendaTopic, field).through
        through.objects.bulk_create(
            through(agendatopic=topic, **{column: row})
            for topic, row in zip(topics, rows, strict=True)
        )


def add_announcements(meeting: Meeting, count: int) -> list[Announcement]:
    """`count` published announcements about DRRS that announce `meeting`."""
    drrs, _ = System.objects.get_or_create(code="DRRS", defaults={"name": "DRRS"})
    announcements = Announcement.objects.bulk_create(
        Announcement(
            title=f"Notice {n}",
            slug=f"notice-{n}",
            body=f"- change {n}",
            is_published=True,
            related_meeting=meeting,
            presented_at=meeting,
        )
        for n in range(count)
    )
    Announcement.systems.through.objects.bulk_create(
        Announcement.systems.through(announcement=announcement, system=drrs)
        for announcement in announcements
    )
    return announcements
