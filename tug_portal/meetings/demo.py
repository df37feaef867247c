"""Demo data: the TUG agenda of 16 October 2018, fact for fact, and what it points to.

Every text below is as the agenda printed it (typos included: it is a record). Loading is
idempotent: each row is looked up by its natural key and written only when a value differs, so a
second run changes nothing, not even a history row.
"""

from datetime import date, datetime, time

from django.db import transaction

from tug_portal.common.rows import set_related, upsert

from . import selectors, services
from .models import (
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
from .timeutil import local_span_to_utc, local_to_utc

PACIFIC = "America/Los_Angeles"

RECORDING_DISCLAIMER = (
    "Calls and webinars are recorded for stakeholder convenience, allowing those who are unable "
    "to attend to listen to the recordings after the meetings. The recordings will be publically "
    "available on the ISO web page for a limited time following the meetings. The recordings, and "
    "any related transcriptions, should not be reprinted without the ISO's permission."
)

SPEC_URL = (
    "http://www.caiso.com/Documents/EnergyStorageandDistributionEnergyResourcePhase2-DRRS-"
    "TechnicalSpecificationsv20%20Clean.pdf"
)

DRRS_AUP_BODY = f"""\
- The ISO is planning to implement AUP for the DRRS application.
- This AUP allows a user to submit or retrieve a single service only once every 30 seconds.
- This is applicable to all DRRS related API services
- Participants can submit/retrieve other service requests within the same time period \
(i.e.30 seconds)
- The user will receive the following error message if the same service is submitted or \
retrieved within 30 seconds:
    - "CAISO DRRS Acceptable Use Policy Violation, Please retry your requestion."
    - "CAISO DRRS Acceptable Use Policy Violation. Please retry your request again in 30 seconds \
from now. Note: Time resets each time you request before expiration."
- Please refer to Page 11 of Technical Specification document: <{SPEC_URL}>
"""

CPG_AGENDA = [
    (
        "OMS performance/operational changes",
        '- Guideline for users submitting hourly granularity for "Ambient" derate outages.\n'
        "- Remove ability for EIM entities to cancel currently active outages.\n"
        '- Use of the "Update" function when retrieving outage data.\n',
    ),
    (
        "Reliability Coordinator Services Implementation",
        "- Overview of OMS changes\n- Discussion of new/updated web services\n",
    ),
    ("OMS Road Map", ""),
    ("Recurring Outage", ""),
]


def _cpg_announcement_body() -> str:
    sections = [f"**{title}**\n\n{body}".strip() for title, body in CPG_AGENDA]
    return (
        "Agenda for meeting on November 1st 2018 2:00pm "
        "([the CPG meeting page](/meetings/cpg-2018-11-01/))\n\n" + "\n\n".join(sections) + "\n"
    )


def _people() -> dict[str, Person]:
    caiso = "California ISO"
    return {
        "indu": upsert(
            Person, {"name": "Indu Nambiar"}, {"email": "inambiar@caiso.com", "organization": caiso}
        ),
        "nalini": upsert(Person, {"name": "Nalini Chari"}, {"organization": caiso}),
        "justin": upsert(Person, {"name": "Justin Wong"}, {"organization": caiso}),
    }


def _systems() -> dict[str, System]:
    return {
        "DRRS": upsert(System, {"code": "DRRS"}, {"name": "Demand Response Registration System"}),
        "OMS": upsert(System, {"code": "OMS"}, {"name": "Outage Management System"}),
    }


def _stay_connected(program: Program) -> None:
    links = [
        (StayConnectedLink.Kind.SOCIAL, "@California_ISO", "https://twitter.com/California_ISO"),
        (StayConnectedLink.Kind.APP, "Download ISO Today mobile app", "http://www.caiso.com"),
        (
            StayConnectedLink.Kind.NEWSLETTER,
            "Sign up for the Daily Briefing at www.caiso.com",
            "http://www.caiso.com",
        ),
    ]
    for order, (kind, label, url) in enumerate(links):
        upsert(
            StayConnectedLink,
            {"program": program, "label": label},
            {"kind": kind, "url": url, "order": order},
        )


def _programs(people) -> tuple[Program, Program]:
    tug = upsert(
        Program,
        {"slug": "tug"},
        {
            "name": "Technology User Group",
            "acronym": "TUG",
            "description": (
                "The ISO's forum for market participants, EIM entities and their vendors on "
                "the ISO's applications: changes to user interfaces and APIs, release plans, "
                "technology policies such as acceptable use, and open questions."
            ),
            "time_zone": PACIFIC,
            "default_start_time": time(10, 0),
            "recurrence_rule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "recurrence_start": date(2018, 10, 16),
            "web_conference_url": "https://caiso.webex.com/meet/CAISO-TUG",
            "meeting_number": "966 010 353",
            "web_access_code": "389 588 9",
            "recording_disclaimer_title": "Legal Disclaimer for Recording Meeting",
            "recording_disclaimer": RECORDING_DISCLAIMER,
            "contact": people["indu"],
        },
    )
    dial_ins = [("Domestic Call-In", "(866) 528-2256"), ("International Call-In", "(216) 706-7052")]
    for order, (label, number) in enumerate(dial_ins):
        upsert(
            ProgramDialIn,
            {"program": tug, "label": label},
            {"number": number, "access_code": "389 588 9", "order": order},
        )
    _stay_connected(tug)
    cpg = upsert(
        Program,
        {"slug": "cpg"},
        {
            "name": "Customer Partnership Group",
            "acronym": "CPG",
            "description": (
                "Where the ISO and its customers work through operational changes to the "
                "ISO's applications, such as the Outage Management System (OMS)."
            ),
            "time_zone": PACIFIC,
            "default_start_time": time(14, 0),
            "recurrence_rule": "FREQ=MONTHLY;BYDAY=1TH",
            "recurrence_start": date(2018, 11, 1),
            "recording_disclaimer_title": "Legal Disclaimer for Recording Meeting",
            "recording_disclaimer": RECORDING_DISCLAIMER,
        },
    )
    _stay_connected(cpg)
    return tug, cpg


def _meeting(program: Program, day: date, start: time, end: time, **values) -> Meeting:
    starts_at, ends_at = local_span_to_utc(day, start, end, PACIFIC, program.default_duration)
    fields = {
        "program": program,
        "title": program.name,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "time_zone": PACIFIC,
        "status": Meeting.Status.HELD,
        "is_published": True,
        **selectors.meeting_join_details(program),
        **values,
    }
    meeting = upsert(Meeting, {"slug": services.meeting_slug_base(program, day)}, fields)
    for dial_in in program.dial_ins.all():
        upsert(
            MeetingDialIn,
            {"meeting": meeting, "label": dial_in.label},
            {"number": dial_in.number, "access_code": dial_in.access_code, "order": dial_in.order},
        )
    return meeting


def _topic(meeting, order, title, *, body="", people=(), systems=(), documents=()):
    topic = upsert(
        AgendaTopic, {"meeting": meeting, "order": order}, {"title": title, "body": body}
    )
    set_related(topic.facilitators, people)
    set_related(topic.systems, systems)
    set_related(topic.documents, documents)
    return topic


def _published_at(day: date, at: time) -> datetime:
    return local_to_utc(day, at, PACIFIC)


@transaction.atomic
def load_demo(*, upcoming_per_program: int = 4) -> dict:
    """Load the seed agenda and upcoming meetings; returns counts of what exists afterwards."""
    people, systems = _people(), _systems()
    tug, cpg = _programs(people)
    spec = upsert(
        Document,
        {"url": SPEC_URL},
        {"title": "DRRS Technical Specification document", "page": "11"},
    )

    seed = _meeting(tug, date(2018, 10, 16), time(10, 0), time(11, 0))
    cpg_meeting = _meeting(cpg, date(2018, 11, 1), time(14, 0), time(15, 0))
    _meeting(tug, date(2018, 10, 30), time(10, 0), time(11, 0))

    _topic(seed, 1, "Agenda and Roll Call", people=[people["indu"]])
    _topic(
        seed,
        2,
        "DRRS – Acceptable Use Policy Changes",
        body=DRRS_AUP_BODY,
        people=[people["nalini"]],
        systems=[systems["DRRS"]],
        documents=[spec],
    )
    _topic(
        seed,
        3,
        "OMS – CPG Announcement",
        body=_cpg_announcement_body(),
        people=[people["justin"]],
        systems=[systems["OMS"]],
    )
    for order, (title, body) in enumerate(CPG_AGENDA, start=1):
        _topic(cpg_meeting, order, title, body=body, systems=[systems["OMS"]])

    drrs = upsert(
        Announcement,
        {"slug": "drrs-acceptable-use-policy"},
        {
            "title": "DRRS – Acceptable Use Policy",
            "kind": Announcement.Kind.POLICY_CHANGE,
            "body": DRRS_AUP_BODY,
            "presented_at": seed,
            "is_published": True,
            "published_at": _published_at(date(2018, 10, 16), time(10, 0)),
        },
    )
    set_related(drrs.systems, [systems["DRRS"]])
    set_related(drrs.documents, [spec])
    oms = upsert(
        Announcement,
        {"slug": "oms-cpg-announcement"},
        {
            "title": "OMS – CPG Announcement",
            "kind": Announcement.Kind.MEETING,
            "body": _cpg_announcement_body(),
            "presented_at": seed,
            "related_meeting": cpg_meeting,
            "is_published": True,
            "published_at": _published_at(date(2018, 10, 16), time(10, 1)),
        },
    )
    set_related(oms.systems, [systems["OMS"]])

    for program in (tug, cpg):
        _upcoming(program, people["indu"] if program == tug else None, upcoming_per_program)
    return {
        "programs": Program.objects.count(),
        "meetings": Meeting.objects.count(),
        "announcements": Announcement.objects.count(),
    }


def _upcoming(program: Program, roll_call_by, count: int) -> None:
    """Meetings ahead of today from the recurrence, so the portal is never empty (none for a
    program staff deactivated: loading the demo again leaves it as they set it)."""
    if not program.is_active:
        return
    created = services.program_create_next_meetings(program=program, count=count, is_published=True)
    for meeting in created:
        _topic(meeting, 1, "Agenda and Roll Call", people=[roll_call_by] if roll_call_by else [])
