"""A week of activity in TUG, as a digest sent on Monday 2026-03-02 at 08:00 Pacific sees it."""

from datetime import UTC, datetime, timedelta

from tests.factories import make_meeting
from tug_portal.meetings.models import AgendaRequest, Announcement, Meeting, Program

SEND_AT = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # Monday 08:00 PST
DAY = timedelta(days=1)


def changed(meeting: Meeting, *, at: datetime, summary: str) -> None:
    """What the core's calendar sync records of an edit (it runs on commit)."""
    Meeting.objects.filter(pk=meeting.pk).update(
        calendar_changed_at=at, change_summary=summary, calendar_sequence=1
    )


def week_of_activity(program: Program) -> dict:
    """A meeting coming up (about DRRS), one moved (about OMS), one cancelled, an announcement
    and an answered agenda request, all within the week before SEND_AT, and things outside it
    that must not show."""
    upcoming = make_meeting(
        program, starts_at=SEND_AT + 2 * DAY, slug="tug-upcoming", systems=("DRRS",)
    )
    moved = make_meeting(program, starts_at=SEND_AT + 9 * DAY, slug="tug-moved", systems=("OMS",))
    changed(moved, at=SEND_AT - 2 * DAY, summary="Time: 10:00 AM → 1:00 PM")
    cancelled = make_meeting(
        program,
        starts_at=SEND_AT + 20 * DAY,
        slug="tug-cancelled",
        status=Meeting.Status.CANCELLED,
        cancellation_reason="Holiday week",
    )
    changed(cancelled, at=SEND_AT - DAY, summary="Cancelled")
    make_meeting(program, starts_at=SEND_AT + 30 * DAY, slug="tug-far-ahead")  # beyond 14 days
    Announcement.objects.create(
        title="DRRS release 4.2",
        slug="drrs-4-2",
        is_published=True,
        published_at=SEND_AT - 3 * DAY,
        presented_at=upcoming,
    )
    Announcement.objects.create(
        title="Old news", slug="old", is_published=True, published_at=SEND_AT - 8 * DAY
    )
    request = AgendaRequest.objects.create(
        program=program,
        meeting=upcoming,
        name="Ann",
        email="ann@example.com",
        topic="Outage windows",
        status=AgendaRequest.Status.SCHEDULED,
    )
    AgendaRequest.objects.filter(pk=request.pk).update(
        updated_at=SEND_AT - DAY, answered_at=SEND_AT - DAY
    )
    return {"upcoming": upcoming, "moved": moved, "cancelled": cancelled}
