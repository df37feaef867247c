"""Helpers for the API tests: reading answers, and building many rows through the services."""

from datetime import UTC, date, datetime, time, timedelta

from tug_portal.meetings.models import (
    AgendaTopic,
    Announcement,
    Document,
    Meeting,
    Person,
    Program,
    System,
)
from tug_portal.meetings.timeutil import local_span_to_utc

# Saturday 20 October 2018, noon Pacific: after the seed TUG meeting (16 Oct), before the next
# TUG (30 Oct) and the CPG meeting the seed announces (1 Nov).
DEMO_NOW = datetime(2018, 10, 20, 19, 0, tzinfo=UTC)


def get_json(client, url, status=200, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def add_meetings(program: Program, count: int, *, first_day=date(2030, 1, 1)) -> list[Meeting]:
    """`count` published meetings a week apart from `first_day`, each with a topic about DRRS;
    bulk-created, as a long history would be (the services are tested in tests/meetings)."""
    drrs, _ = System.objects.get_or_create(code="DRRS", defaults={"name": "DRRS"})
    meetings = []
    for week in range(count):
        day = first_day + timedelta(weeks=week)
        starts_at, ends_at = local_span_to_utc(
            day, time(10), time(11), program.time_zone, timedelta(hours=1)
        )
        meetings.append(
            Meeting(
                program=program,
                slug=f"{program.slug}-{day:%Y-%m-%d}",
                title=program.name,
                starts_at=starts_at,
                ends_at=ends_at,
                time_zone=program.time_zone,
                is_published=True,
            )
        )
    meetings = Meeting.objects.bulk_create(meetings)
    topics = AgendaTopic.objects.bulk_create(
        AgendaTopic(meeting=meeting, order=1, title="Roll call") for meeting in meetings
    )
    AgendaTopic.systems.through.objects.bulk_create(
        AgendaTopic.systems.through(agendatopic=topic, system=drrs) for topic in topics
    )
    return meetings


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
