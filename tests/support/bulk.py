"""Many meetings at once, for query counts and paging: bulk-created, as a long history would be
(the services that write one meeting at a time are tested in tests/meetings)."""

from datetime import date, time, timedelta

from tug_portal.meetings.models import AgendaTopic, Meeting, Person, Program, System
from tug_portal.meetings.search_index import search_documents_refresh
from tug_portal.meetings.timeutil import local_span_to_utc


def bulk_meetings(program: Program, count: int, *, first_day: date) -> list[Meeting]:
    """`count` published meetings of `program` a week apart from `first_day` (slugs
    `<program>-bulk-<n>`), 10:00-11:00 in its zone, each with one topic ("Topic <n>") about DRRS
    led by Nalini Chari."""
    system, _ = System.objects.get_or_create(code="DRRS", defaults={"name": "DRRS"})
    person, _ = Person.objects.get_or_create(name="Nalini Chari")
    meetings = []
    for n in range(count):
        day = first_day + timedelta(weeks=n)
        starts_at, ends_at = local_span_to_utc(
            day, time(10), time(11), program.time_zone, timedelta(hours=1)
        )
        meetings.append(
            Meeting(
                program=program,
                slug=f"{program.slug}-bulk-{n}",
                title=program.name,
                starts_at=starts_at,
                ends_at=ends_at,
                time_zone=program.time_zone,
                is_published=True,
            )
        )
    meetings = Meeting.objects.bulk_create(meetings)
    topics = AgendaTopic.objects.bulk_create(
        AgendaTopic(meeting=meeting, order=1, title=f"Topic {n}", body="- A point")
        for n, meeting in enumerate(meetings)
    )
    AgendaTopic.systems.through.objects.bulk_create(
        AgendaTopic.systems.through(agendatopic=topic, system=system) for topic in topics
    )
    AgendaTopic.facilitators.through.objects.bulk_create(
        AgendaTopic.facilitators.through(agendatopic=topic, person=person) for topic in topics
    )
    # bulk_create sends no signals: refresh the search documents as a bulk import must.
    search_documents_refresh(meeting_ids=[meeting.pk for meeting in meetings])
    return meetings
