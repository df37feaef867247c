"""Programs, meetings, subscriptions and digest preferences for tests: real rows, made the way
the portal makes them.

`make_meeting` with a `day` goes through `meeting_create`, as staff and the importer do; with
`starts_at` it writes the row itself, so a reminder test can place a meeting to the minute
(no service rounds it to a local day and start time). Neither queues a task by itself: a test's
Celery worker and SMTP server see only what the test sets in motion.
"""

from datetime import date, datetime, time, timedelta

from tug_portal.digest.models import DigestPreference
from tug_portal.meetings.models import (
    AgendaTopic,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    System,
)
from tug_portal.meetings.selectors import meeting_join_details
from tug_portal.meetings.services import meeting_create
from tug_portal.reminders.models import ReminderOffset, Subscriber, Subscription

PACIFIC = "America/Los_Angeles"


def make_program(
    slug: str = "", *, acronym: str = "", offsets: list[timedelta] | None = None, **values
) -> Program:
    """A program in the Pacific zone starting at 10:00, with the TUG's web conference. Named by
    `slug` or `acronym` (each defaults from the other; "tug" when neither is given). Its reminder
    settings are created with it (1 day and 1 hour before) unless `offsets` replaces them."""
    slug = slug or (acronym or "TUG").lower()
    acronym = acronym or slug.upper()
    defaults = {
        "name": f"{acronym} Group",
        "time_zone": PACIFIC,
        "default_start_time": time(10),
        "web_conference_url": "https://caiso.webex.com/meet/CAISO-TUG",
        "meeting_number": "966 010 353",
        "web_access_code": "389 588 9",
    }
    program = Program.objects.create(slug=slug, acronym=acronym, **{**defaults, **values})
    if offsets is not None:
        policy = program.reminder_policy
        policy.offsets.all().delete()
        ReminderOffset.objects.bulk_create(ReminderOffset(policy=policy, before=o) for o in offsets)
    return program


def make_meeting(
    program: Program,
    day: date = date(2030, 1, 8),
    *,
    starts_at: datetime | None = None,
    systems: tuple[str, ...] = (),
    is_published: bool = True,
    **values,
) -> Meeting:
    """A published meeting of `program`, with its join details.

    Given a `day`: made by `meeting_create` at the program's default start and duration, with
    the program's dial-ins. Given `starts_at`: an hour from that instant, with a dial-in and a
    topic led by Nalini Chari (about `systems`, whose codes a subscription can filter on)."""
    if starts_at is None:
        return meeting_create(program=program, day=day, is_published=is_published, **values)
    meeting = Meeting.objects.create(
        program=program,
        slug=values.pop("slug", "") or f"{program.slug}-{starts_at:%Y%m%d%H%M}",
        title=values.pop("title", program.name),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        time_zone=PACIFIC,
        is_published=is_published,
        **{**meeting_join_details(program), **values},
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


def make_digest_subscription(
    email: str,
    program: Program,
    *,
    systems: tuple[str, ...] = (),
    weekday: int = 0,
    hour: int = 8,
    time_zone: str = PACIFIC,
    enabled: bool = True,
    status: str = Subscription.Status.CONFIRMED,
) -> Subscription:
    """A subscription (confirmed unless `status` says otherwise) with its weekly digest
    preference: Mondays at 08:00 Pacific unless told otherwise."""
    subscription = make_subscription(email, program, systems=systems, status=status)
    DigestPreference.objects.create(
        subscription=subscription, enabled=enabled, weekday=weekday, hour=hour, time_zone=time_zone
    )
    return subscription
