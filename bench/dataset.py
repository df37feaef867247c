"""The ten-year dataset the bench measures on, written with bulk_create into the current
database (the bench points that at a throwaway one; see environment.py).

At scale 1: the seed agenda (`load_demo`), then 5 programs x 10 years of biweekly meetings
(about 1,300, the last year still ahead), each with 8 agenda topics whose bodies are Markdown
and 3 dial-ins; 200 announcements; 10,000 confirmed subscribers, every one of them subscribed to
TUG (so one TUG meeting fans out to all of them) and some to a second program. The calendar
state of every meeting is then synced by the core's own service, so SEQUENCE, snapshots and
change times are real. Everything random comes from one seeded generator: two builds at the
same date are the same data.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, time, timedelta

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import (
    AgendaTopic,
    Announcement,
    Document,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    ProgramDialIn,
    System,
)
from tug_portal.meetings.search_index import search_documents_rebuild
from tug_portal.meetings.services import (
    RENDERED_MARKDOWN,
    markdown_fields_render,
    meetings_sync_calendar_state,
)
from tug_portal.meetings.timeutil import local_span_to_utc

SEED = 20181016
YEARS = 10
MEETINGS_PER_YEAR = 26  # biweekly
YEARS_AHEAD = 1  # the last year of each series is still to come
TOPICS_PER_MEETING = 8
DIAL_INS_PER_MEETING = 3
ANNOUNCEMENTS = 200
SUBSCRIBERS = 10_000
SECOND_PROGRAM_SHARE = 0.3  # subscribers who also follow a second program
CANCELLED_ONE_IN = 80
DRAFTS_AHEAD_PER_PROGRAM = 2  # the last meetings of each series are drafts staff still edit
PEOPLE = 40
DOCUMENTS = 120


@dataclass(frozen=True)
class ProgramSeries:
    slug: str
    name: str
    acronym: str
    anchor: date  # one meeting day of the biweekly series
    start: time
    time_zone: str


# TUG and CPG are the seed programs (load_demo creates them); the other three are new.
SERIES = (
    ProgramSeries(
        "tug", "Technology User Group", "TUG", date(2018, 10, 16), time(10), "America/Los_Angeles"
    ),
    ProgramSeries(
        "cpg",
        "Customer Partnership Group",
        "CPG",
        date(2018, 11, 1),
        time(14),
        "America/Los_Angeles",
    ),
    ProgramSeries(
        "rug", "Release User Group", "RUG", date(2018, 10, 17), time(9), "America/Los_Angeles"
    ),
    ProgramSeries(
        "mppf",
        "Market Performance and Planning Forum",
        "MPPF",
        date(2018, 10, 22),
        time(13),
        "America/Los_Angeles",
    ),
    ProgramSeries(
        "eimf", "EIM Implementation Forum", "EIMF", date(2018, 10, 18), time(11), "America/Denver"
    ),
)

SYSTEMS = {
    "DRRS": "Demand Response Registration System",
    "OMS": "Outage Management System",
    "CMRI": "Customer Market Results Interface",
    "ADS": "Automated Dispatch System",
    "SIBR": "Scheduling Infrastructure and Business Rules",
    "OASIS": "Open Access Same-time Information System",
    "MRI-S": "Market Results Interface - Settlements",
    "RIMS": "Resource Interconnection Management System",
}
FIRST_NAMES = ["Indu", "Nalini", "Justin", "Maria", "Wei", "Olga", "Tomas", "Priya", "Sam", "Ana"]
LAST_NAMES = ["Nambiar", "Chari", "Wong", "Garcia", "Chen", "Ivanova", "Novak", "Rao"]
SUBJECTS = [
    "Acceptable Use Policy Changes",
    "Release Plan",
    "API Deprecation Notice",
    "User Interface Changes",
    "Certificate Renewal",
    "Market Simulation Results",
    "Performance Improvements",
    "Outage Reporting Guidelines",
    "Web Services Update",
    "Roadmap Review",
    "Open Questions",
]
VERBS = ["implement", "retire", "upgrade", "pilot", "document", "migrate"]
THINGS = [
    "a new acceptable use policy",
    "version 2 of the retrieval API",
    "single sign-on for the user interface",
    "hourly granularity for derates",
    "bulk download of results",
    "the new certificate authority",
]
ANNOUNCEMENT_KINDS = list(Announcement.Kind.values)


@dataclass(frozen=True)
class Size:
    """How much to build; `scale` shrinks everything but the programs (tests, development)."""

    meetings_per_program: int
    announcements: int
    subscribers: int

    @classmethod
    def at(cls, scale: float) -> "Size":
        return cls(
            meetings_per_program=max(2, round(YEARS * MEETINGS_PER_YEAR * scale)),
            announcements=max(1, round(ANNOUNCEMENTS * scale)),
            subscribers=max(1, round(SUBSCRIBERS * scale)),
        )


def subscriber_model():
    """The reminders app's Subscriber, once its tables exist; None before."""
    try:
        model = apps.get_model("reminders", "Subscriber")
    except LookupError:
        return None
    return model if model._meta.db_table in connection.introspection.table_names() else None


# --- Text -----------------------------------------------------------------------------------


def topic_body(rng: random.Random, system: str, document: Document | None) -> str:
    """An agenda topic's Markdown, shaped like the seed's: bullets, a nested list, a quote,
    emphasis and a link."""
    lines = [
        f"- The ISO is planning to {rng.choice(VERBS)} {rng.choice(THINGS)} in **{system}**.",
        f"- This applies to all {system} related API services from "
        f"{rng.choice(['January', 'April', 'July', 'October'])} {rng.randint(2017, 2028)}.",
        "- Participants can submit other requests in the same period (i.e. 30 seconds).",
        "- Users will see one of these messages:",
        f'    - "{system} Acceptable Use Policy Violation, please retry your request."',
        f'    - "{system} Acceptable Use Policy Violation. Please retry in 30 seconds."',
    ]
    if document is not None:
        lines.append(
            f"- Please refer to page {document.page} of [{document.title}]({document.url})."
        )
    lines += ["", f"> Questions about {system}? Raise them at the next meeting.", ""]
    return "\n".join(lines)


def announcement_body(rng: random.Random, system: str) -> str:
    return (
        f"The ISO will {rng.choice(VERBS)} {rng.choice(THINGS)} in **{system}**.\n\n"
        f"- Effective for all {system} users.\n"
        "- Test in the market simulation environment first.\n"
        "- See the [technical specification](https://www.caiso.com/Documents/spec.pdf).\n"
    )


# --- Rows -----------------------------------------------------------------------------------


def _bulk(model, rows: list, progress) -> list:
    if model in RENDERED_MARKDOWN:  # what a save would store: bulk_create sends no signal
        markdown_fields_render(instances=rows)
    created = model.objects.bulk_create(rows, batch_size=1000)
    progress.update(len(rows))
    return created


def _reference_data(rng: random.Random, progress):
    people = _bulk(
        Person,
        [
            Person(
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n}",
                email=f"person{n}@example.org",
                organization=rng.choice(["California ISO", "PG&E", "SCE", "SDG&E", "NV Energy"]),
            )
            for n in range(PEOPLE)
        ],
        progress,
    )
    existing = set(System.objects.values_list("code", flat=True))
    _bulk(
        System,
        [System(code=code, name=name) for code, name in SYSTEMS.items() if code not in existing],
        progress,
    )
    documents = _bulk(
        Document,
        [
            Document(
                title=f"{rng.choice(list(SYSTEMS))} Technical Specification v{n}",
                url=f"https://www.caiso.com/Documents/spec-{n}.pdf",
                page=str(rng.randint(1, 80)),
            )
            for n in range(DOCUMENTS)
        ],
        progress,
    )
    return people, {system.code: system for system in System.objects.all()}, documents


def _programs(people: list[Person], progress) -> list[Program]:
    existing = {program.slug: program for program in Program.objects.all()}
    new = [
        Program(
            slug=series.slug,
            name=series.name,
            acronym=series.acronym,
            description=f"The ISO's {series.name}: changes, releases and open questions.",
            time_zone=series.time_zone,
            default_start_time=series.start,
            recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY="
            + ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][series.anchor.weekday()],
            recurrence_start=series.anchor,
            web_conference_url=f"https://caiso.webex.com/meet/CAISO-{series.acronym}",
            meeting_number="966 010 353",
            web_access_code="389 588 9",
            contact=people[index],
        )
        for index, series in enumerate(SERIES)
        if series.slug not in existing
    ]
    for program in _bulk(Program, new, progress):
        existing[program.slug] = program
    _bulk(
        ProgramDialIn,
        [
            ProgramDialIn(program=existing[p.slug], label=label, number=number, order=order)
            for p in new
            for order, (label, number) in enumerate(DIAL_IN_NUMBERS)
        ],
        progress,
    )
    return [existing[series.slug] for series in SERIES]


DIAL_IN_NUMBERS = [
    ("Domestic Call-In", "(866) 528-2256"),
    ("International Call-In", "(216) 706-7052"),
    ("Toll-free (Canada)", "(855) 244-8681"),
]


def series_dates(series: ProgramSeries, *, count: int, today: date) -> list[date]:
    """The last `count` days of the biweekly series that end YEARS_AHEAD after today."""
    end = today + timedelta(days=365 * YEARS_AHEAD)
    last = series.anchor + timedelta(days=(end - series.anchor).days // 14 * 14)
    return [last - timedelta(days=14 * n) for n in reversed(range(count))]


def _meetings(rng, programs, size: Size, today: date, progress) -> list[Meeting]:
    taken = set(Meeting.objects.values_list("slug", flat=True))
    rows = []
    for series, program in zip(SERIES, programs, strict=True):
        dates = series_dates(series, count=size.meetings_per_program, today=today)
        drafts = set(dates[-DRAFTS_AHEAD_PER_PROGRAM:])
        for day in dates:
            slug = f"{program.slug}-{day:%Y-%m-%d}"
            if slug in taken:  # a seed or upcoming demo meeting has that day already
                continue
            rows.append(_meeting(rng, program, series, day, slug, today, is_draft=day in drafts))
    return _bulk(Meeting, rows, progress)


def _meeting(rng, program, series, day, slug, today, *, is_draft) -> Meeting:
    starts_at, ends_at = local_span_to_utc(
        day, series.start, None, series.time_zone, timedelta(hours=1)
    )
    past = day < today
    status = Meeting.Status.HELD if past else Meeting.Status.SCHEDULED
    if rng.randrange(CANCELLED_ONE_IN) == 0:
        status = Meeting.Status.CANCELLED
    recorded = past and status != Meeting.Status.CANCELLED and rng.random() < 0.5
    return Meeting(
        program=program,
        slug=slug,
        uid=uuid.UUID(int=rng.getrandbits(128), version=4),
        title=program.name,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=series.time_zone,
        status=status,
        is_published=not is_draft,
        web_conference_url=program.web_conference_url,
        meeting_number=program.meeting_number,
        web_access_code=program.web_access_code,
        recording_url=f"https://www.caiso.com/recordings/{slug}.mp4" if recorded else "",
        recording_available_until=day + timedelta(days=90) if recorded else None,
        notes="Slides are posted on the meeting page the day before." if past else "",
    )


def _dial_ins(meetings: list[Meeting], progress) -> None:
    _bulk(
        MeetingDialIn,
        [
            MeetingDialIn(
                meeting=meeting, label=label, number=number, access_code="389 588 9", order=order
            )
            for meeting in meetings
            for order, (label, number) in enumerate(DIAL_IN_NUMBERS[:DIAL_INS_PER_MEETING])
        ],
        progress,
    )


def _topics(rng, meetings, people, systems, documents, progress) -> None:
    codes = sorted(systems)
    rows, links = [], []
    for meeting in meetings:
        for order in range(1, TOPICS_PER_MEETING + 1):
            code = rng.choice(codes)
            document = rng.choice(documents) if rng.random() < 0.4 else None
            title = "Agenda and Roll Call" if order == 1 else f"{code} – {rng.choice(SUBJECTS)}"
            rows.append(
                AgendaTopic(
                    meeting=meeting,
                    order=order,
                    title=title,
                    body="" if order == 1 else topic_body(rng, code, document),
                )
            )
            links.append(
                (rng.sample(people, rng.randint(1, 2)), [] if order == 1 else [code], document)
            )
    topics = _bulk(AgendaTopic, rows, progress)
    _topic_links(topics, links, systems, progress)


def _topic_links(topics, links, systems, progress) -> None:
    facilitators = AgendaTopic.facilitators.through
    topic_systems = AgendaTopic.systems.through
    topic_documents = AgendaTopic.documents.through
    _bulk(
        facilitators,
        [
            facilitators(agendatopic_id=topic.pk, person_id=person.pk)
            for topic, (people, _codes, _document) in zip(topics, links, strict=True)
            for person in people
        ],
        progress,
    )
    _bulk(
        topic_systems,
        [
            topic_systems(agendatopic_id=topic.pk, system_id=systems[code].pk)
            for topic, (_people, codes, _document) in zip(topics, links, strict=True)
            for code in codes
        ],
        progress,
    )
    _bulk(
        topic_documents,
        [
            topic_documents(agendatopic_id=topic.pk, document_id=document.pk)
            for topic, (_people, _codes, document) in zip(topics, links, strict=True)
            if document is not None
        ],
        progress,
    )


def _announcements(rng, meetings, systems, size: Size, today: date, progress) -> None:
    past = [m for m in meetings if m.starts_at.date() < today and m.is_published]
    ahead = [m for m in meetings if m.starts_at.date() >= today and m.is_published]
    rows, codes = [], []
    for n in range(size.announcements):
        code = rng.choice(sorted(systems))
        presented_at = rng.choice(past) if past else None
        title = f"{code} – {rng.choice(SUBJECTS)}"
        rows.append(
            Announcement(
                title=title,
                slug=f"{slugify(title)[:100]}-{n}",
                kind=rng.choice(ANNOUNCEMENT_KINDS),
                body=announcement_body(rng, code),
                effective_date=today - timedelta(days=rng.randint(-60, 3650)),
                presented_at=presented_at,
                related_meeting=rng.choice(ahead) if ahead and rng.random() < 0.2 else None,
                is_published=rng.random() >= 0.05,
                published_at=presented_at.starts_at if presented_at else timezone.now(),
            )
        )
        codes.append(code)
    announcements = _bulk(Announcement, rows, progress)
    through = Announcement.systems.through
    _bulk(
        through,
        [
            through(announcement_id=announcement.pk, system_id=systems[code].pk)
            for announcement, code in zip(announcements, codes, strict=True)
        ],
        progress,
    )


def _subscribers(rng, programs, size: Size, progress) -> None:
    """Confirmed subscriptions: everyone to TUG (the fan-out the bench measures), some to a
    second program too."""
    subscriber = subscriber_model()
    if subscriber is None:
        return
    subscription = apps.get_model("reminders", "Subscription")
    now = timezone.now()
    subscribers = _bulk(
        subscriber,
        [subscriber(email=f"subscriber{n:05d}@example.org") for n in range(size.subscribers)],
        progress,
    )
    confirmed = {
        "status": subscription.Status.CONFIRMED,
        "confirmation_requested_at": now,
        "confirmation_sent_at": now,
        "confirmed_at": now,
    }
    rows = []
    for person in subscribers:
        followed = [programs[0]]
        if rng.random() < SECOND_PROGRAM_SHARE:
            followed.append(rng.choice(programs[1:]))
        rows += [subscription(subscriber=person, program=p, **confirmed) for p in followed]
    _bulk(subscription, rows, progress)


def _planned_rows(size: Size) -> int:
    """Roughly how many rows the build writes, for the progress bar's total."""
    meetings = len(SERIES) * size.meetings_per_program
    per_meeting = 1 + DIAL_INS_PER_MEETING + TOPICS_PER_MEETING * 3.5
    subscribers = size.subscribers * (2 + SECOND_PROGRAM_SHARE)
    return int(PEOPLE + DOCUMENTS + meetings * per_meeting + size.announcements * 2 + subscribers)


def build_dataset(*, scale: float = 1.0, today: date | None = None, progress=True) -> dict:
    """Build the dataset into the current (empty) database; returns the counts it holds."""
    size = Size.at(scale)
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    bar = tqdm(total=_planned_rows(size), unit="rows", desc="dataset", disable=not progress)
    # The seed first, in a transaction of its own: its edits sync their own meetings when it
    # commits. (In the bulk transaction they would re-sync all of TUG's and CPG's meetings.)
    load_demo()
    with bar, transaction.atomic():
        people, systems, documents = _reference_data(rng, bar)
        programs = _programs(people, bar)
        meetings = _meetings(rng, programs, size, today, bar)
        _dial_ins(meetings, bar)
        _topics(rng, meetings, people, systems, documents, bar)
        _announcements(rng, meetings, systems, size, today, bar)
        _subscribers(rng, programs, size, bar)
        bar.set_description("calendar state")
        # Every meeting never synced: the generated ones (and the seed's, when its commit hook
        # has not run, as inside a test's transaction).
        never_synced = Meeting.objects.filter(calendar_changed_at__isnull=True)
        meetings_sync_calendar_state(meetings=never_synced)
        bar.set_description("search documents")
        search_documents_rebuild()  # bulk_create sends no signals
        bar.update(max(bar.total - bar.n, 0))
    return dataset_counts()


def dataset_counts() -> dict:
    counts = {
        "programs": Program.objects.count(),
        "meetings": Meeting.objects.count(),
        "published_meetings": Meeting.objects.published().count(),
        "topics": AgendaTopic.objects.count(),
        "meeting_dial_ins": MeetingDialIn.objects.count(),
        "announcements": Announcement.objects.count(),
    }
    subscriber = subscriber_model()
    if subscriber is not None:
        counts["confirmed_subscribers"] = (
            subscriber.objects.filter(subscriptions__status="confirmed").distinct().count()
        )
    return counts
