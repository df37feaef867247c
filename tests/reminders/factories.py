"""Rows for reminder tests, written straight to the database (no tasks queued as a side effect,
so a test's Celery worker and SMTP server see only what the test itself sets in motion)."""

from datetime import datetime, timedelta

from tug_portal.meetings.models import (
    AgendaTopic,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    System,
)
from tug_portal.reminders.models import ReminderOffset, Subscriber, Subscription

PACIFIC = "America/Los_Angeles"


def make_program(*, acronym: str = "TUG", offsets: list[timedelta] | None = None) -> Program:
    """A program; its reminder settings are created with it (1 day and 1 hour before) unless
    `offsets` replaces them."""
    program = Program.objects.create(
        name=f"{acronym} Group",
        acronym=acronym,
        slug=acronym.lower(),
        time_zone=PACIFIC,
        web_conference_url="https://caiso.webex.com/meet/CAISO-TUG",
        meeting_number="966 010 353",
        web_access_code="389 588 9",
    )
    if offsets is not None:
        policy = program.reminder_policy
        policy.offsets.all().delete()
        ReminderOffset.objects.bulk_create(ReminderOffset(policy=policy, before=o) for o in offsets)
    return program


def make_meeting(
    program: Program,
    *,
    starts_at: datetime,
    slug: str = "",
    systems: tuple[str, ...] = (),
    **fields,
) -> Meeting:
    """A published meeting of an hour with a dial-in and a topic led by Nalini Chari (about
    `systems`, when given)."""
    meeting = Meeting.objects.create(
        program=program,
        slug=slug or f"{program.slug}-{starts_at:%Y%m%d%H%M}",
        title=fields.pop("title", program.name),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        time_zone=PACIFIC,
        is_published=fields.pop("is_published", True),
        web_conference_url=program.web_conference_url,
        meeting_number=program.meeting_number,
        web_access_code=program.web_access_code,
        **fields,
    )
    MeetingDialIn.objects.create(
        meeting=meeting, label="Domestic Call-In", number="(866) 528-2256", access_code="389 588 9"
    )
    topic = AgendaTopic.objects.create(meeting=meeting, order=1, title="DRRS – Acceptable Use")
    topic.facilitators.add(Person.objects.get_or_create(name="Nalini Chari")[0])
    for code in systems:
        topic.systems.add(System.objects.get_or_create(code=code, defaults={"name": code})[0])
    return meeting


def make_subscription(
    email: str,
    program: Program,
    *,
    status: str = Subscription.Status.CONFIRMED,
    systems: tuple[str, ...] = (),
) -> Subscription:
    subscriber, _ = Subscriber.objects.get_or_create(email=email)
    subscription = Subscription.objects.create(
        subscriber=subscriber, program=program, status=status
    )
    for code in systems:
        subscription.systems.add(
            System.objects.get_or_create(code=code, defaults={"name": code})[0]
        )
    return subscription
