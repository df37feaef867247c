from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tests.factories import make_meeting, make_program
from tests.importer.test_extract import write_docx
from tug_portal.importer.import_plan import agenda_plan
from tug_portal.importer.models import AgendaImport
from tug_portal.importer.services import ImportStatus, PlanChanged, _Writer, agenda_import
from tug_portal.importer.sources import source_read
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import (
    AgendaTopic,
    Announcement,
    Document,
    Meeting,
    Person,
    Program,
    System,
)

pytestmark = pytest.mark.django_db

AGENDAS = Path(__file__).parent / "agendas"
SEED = "tug_2018-10-16.txt"
PACIFIC = "America/Los_Angeles"


def fixture(name: str):
    return source_read(AGENDAS / name)


def agenda(tmp_path, text: str, name: str = "agenda.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return source_read(path)


def meeting_facts(meeting: Meeting) -> dict:
    """What a stakeholder learns of a meeting, as plain values."""
    topics = list(meeting.topics.order_by("order"))
    return {
        "program": meeting.program.slug,
        "starts": meeting.local_start.isoformat(),
        "ends": meeting.local_end.isoformat(),
        "time_zone": meeting.time_zone,
        "web_conference": (
            meeting.web_conference_url,
            meeting.meeting_number,
            meeting.web_access_code,
        ),
        "dial_ins": [(d.label, d.number, d.access_code) for d in meeting.dial_ins.all()],
        "topics": [(t.title, [p.name for p in t.facilitators.all()]) for t in topics],
        "systems": [[s.code for s in t.systems.all()] for t in topics],
        "documents": [(d.url, d.page) for t in topics for d in t.documents.all()],
        "announcements": sorted(
            (a.title, a.kind, a.related_meeting.slug if a.related_meeting else None)
            for a in meeting.announcements.all()
        ),
        "disclaimer": meeting.effective_disclaimer,
        "contact": (meeting.effective_contact.name, meeting.effective_contact.email),
    }


# ------------------------------------------------------------------------------- the seed


def test_agenda_import_of_seed_creates_the_meeting_the_demo_holds():
    load_demo()
    demo_meeting = Meeting.objects.get(slug="tug-2018-10-16")
    expected = meeting_facts(demo_meeting)
    expected_body = demo_meeting.topics.get(order=2).body
    Announcement.objects.filter(presented_at=demo_meeting).delete()
    demo_meeting.delete()

    outcome = agenda_import(source=fixture(SEED))

    meeting = outcome.meeting
    assert (outcome.status, outcome.warnings) == (ImportStatus.CREATED, ())
    assert (meeting.slug, meeting.is_published) == ("tug-2018-10-16", False)
    assert meeting_facts(meeting) == expected
    assert meeting.topics.get(order=2).body == expected_body.strip()
    assert meeting.recording_disclaimer == ""  # the program's, which it repeats


def test_agenda_import_of_seed_states_each_fact_of_the_meeting():
    load_demo()
    Meeting.objects.get(slug="tug-2018-10-16").delete()

    meeting = agenda_import(source=fixture(SEED)).meeting

    assert (meeting.starts_at, meeting.ends_at) == (
        datetime(2018, 10, 16, 17, tzinfo=UTC),
        datetime(2018, 10, 16, 18, tzinfo=UTC),
    )
    assert meeting_facts(meeting) == {
        "program": "tug",
        "starts": "2018-10-16T10:00:00-07:00",
        "ends": "2018-10-16T11:00:00-07:00",
        "time_zone": PACIFIC,
        "web_conference": ("https://caiso.webex.com/meet/CAISO-TUG", "966 010 353", "389 588 9"),
        "dial_ins": [
            ("Domestic Call-In", "(866) 528-2256", "389 588 9"),
            ("International Call-In", "(216) 706-7052", "389 588 9"),
        ],
        "topics": [
            ("Agenda and Roll Call", ["Indu Nambiar"]),
            ("DRRS – Acceptable Use Policy Changes", ["Nalini Chari"]),
            ("OMS – CPG Announcement", ["Justin Wong"]),
        ],
        "systems": [[], ["DRRS"], ["OMS"]],
        "documents": [
            (
                "http://www.caiso.com/Documents/EnergyStorageandDistributionEnergyResourcePhase2"
                "-DRRS-TechnicalSpecificationsv20%20Clean.pdf",
                "11",
            )
        ],
        "announcements": [
            ("DRRS – Acceptable Use Policy", "policy_change", None),
            ("OMS – CPG Announcement", "meeting", "cpg-2018-11-01"),
        ],
        "disclaimer": Program.objects.get(slug="tug").recording_disclaimer,
        "contact": ("Indu Nambiar", "inambiar@caiso.com"),
    }


def test_agenda_import_of_seed_into_an_empty_portal_creates_its_program():
    outcome = agenda_import(source=fixture(SEED))

    program = outcome.meeting.program
    assert (program.slug, program.acronym, program.name) == ("tug", "TUG", "Technology User Group")
    assert (program.time_zone, program.default_start_time, program.default_duration) == (
        PACIFIC,
        time(10),
        timedelta(hours=1),
    )
    assert program.recording_disclaimer_title == "Legal Disclaimer for Recording Meeting"
    assert program.recording_disclaimer.startswith("Calls and webinars are recorded")
    assert (program.contact.name, program.contact.email) == ("Indu Nambiar", "inambiar@caiso.com")
    assert program.web_conference_url == "https://caiso.webex.com/meet/CAISO-TUG"
    assert [(d.label, d.number) for d in program.dial_ins.all()] == [
        ("Domestic Call-In", "(866) 528-2256"),
        ("International Call-In", "(216) 706-7052"),
    ]
    assert (outcome.meeting.contact, outcome.meeting.recording_disclaimer) == (None, "")
    assert outcome.warnings == (
        "new program TUG (Technology User Group): check its settings",
        "“OMS – CPG Announcement” announces a meeting on 2018-11-01 of a program not found "
        "here: not made",
    )


def test_agenda_import_makes_one_person_of_a_facilitator_who_is_also_the_contact():
    agenda_import(source=fixture(SEED))

    assert list(Person.objects.filter(name="Indu Nambiar").values_list("email", flat=True)) == [
        "inambiar@caiso.com"
    ]


def test_agenda_import_stores_bare_links_of_a_body_as_markdown_links():
    meeting = agenda_import(source=fixture(SEED)).meeting

    body = meeting.topics.get(order=2).body
    assert body.endswith(
        "document: <http://www.caiso.com/Documents/EnergyStorageandDistribution"
        "EnergyResourcePhase2-DRRS-TechnicalSpecificationsv20%20Clean.pdf>"
    )


# ------------------------------------------------------------------------------ re-import


def test_agenda_import_again_updates_the_meeting_it_made_and_changes_nothing():
    first = agenda_import(source=fixture(SEED)).meeting
    counts = {
        model: model.objects.count() for model in (Meeting, AgendaTopic, Person, Announcement)
    }
    history = first.history.count()

    again = agenda_import(source=fixture(SEED))

    assert (again.status, again.meeting.pk) == (ImportStatus.UPDATED, first.pk)
    assert {model: model.objects.count() for model in counts} == counts
    assert AgendaImport.objects.get().meeting == first
    assert first.history.count() == history
    first.refresh_from_db()
    assert first.calendar_sequence == 0


def test_agenda_import_of_edited_word_export_updates_the_meeting_by_program_and_date(tmp_path):
    first = agenda_import(source=fixture(SEED)).meeting
    text = (AGENDAS / SEED).read_text(encoding="utf-8")
    edited = text.replace("Agenda and Roll Call", "Welcome and Roll Call")
    path = write_docx(edited, tmp_path / "TUG agenda 2018-10-16.docx")

    outcome = agenda_import(source=source_read(path))

    assert (outcome.status, outcome.meeting.pk) == (ImportStatus.UPDATED, first.pk)
    assert (
        Meeting.objects.filter(program__slug="tug", starts_at__date=date(2018, 10, 16)).count() == 1
    )
    assert first.topics.get(order=1).title == "Welcome and Roll Call"
    assert sorted(AgendaImport.objects.values_list("source_name", "meeting")) == [
        ("TUG agenda 2018-10-16.docx", first.pk),
        (SEED, first.pk),
    ]


def test_agenda_import_updates_the_programs_meeting_on_that_date_and_warns_it_is_public():
    load_demo()
    demo_meeting = Meeting.objects.get(slug="tug-2018-10-16")

    outcome = agenda_import(source=fixture(SEED))

    assert (outcome.status, outcome.meeting.pk) == (ImportStatus.UPDATED, demo_meeting.pk)
    assert outcome.warnings == ("updates a published meeting: the changes are public at once",)
    assert Announcement.objects.count() == 2  # the demo's, updated
    assert Meeting.objects.get(pk=demo_meeting.pk).is_published is True


def test_agenda_import_replaces_a_hand_typed_agenda_topic_for_topic():
    program = make_program("tug", name="Technology User Group")
    meeting = make_meeting(program, date(2018, 10, 16))
    for title in ("Roll call", "DRRS", "OMS", "Open floor"):
        AgendaTopic.objects.create(meeting=meeting, title=title)  # all at order 0

    agenda_import(source=fixture(SEED))

    assert list(meeting.topics.values_list("order", "title")) == [
        (1, "Agenda and Roll Call"),
        (2, "DRRS – Acceptable Use Policy Changes"),
        (3, "OMS – CPG Announcement"),
    ]


def test_agenda_import_keeps_systems_staff_linked_by_hand():
    meeting = agenda_import(source=fixture(SEED)).meeting
    topic = meeting.topics.get(order=1)
    topic.systems.add(System.objects.create(code="CMRI", name="Customer Market Results"))

    agenda_import(source=fixture(SEED))

    assert [s.code for s in topic.systems.all()] == ["CMRI"]


# ----------------------------------------------------------------------------- programs


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("TECHNOLOGY USER GROUP (TUG)", "Technology User Group"),
        ("Technology User Group (TUG) Meeting", "Technology User Group"),
        ("Technology User Group (TUG) Quarterly Review", "Technology User Group Quarterly Review"),
    ],
)
def test_agenda_import_titles_the_meeting_as_printed_or_by_its_program(title, expected, tmp_path):
    make_program("tug", name="Technology User Group")

    meeting = agenda_import(source=agenda(tmp_path, f"{title}\nMay 5, 2020\n10-11 AM PT\n")).meeting

    assert meeting.title == expected


def test_agenda_import_leaves_an_agenda_of_an_unknown_program_without_acronym_alone():
    outcome = agenda_import(source=fixture("rsc_2019-07-16.txt"))

    assert outcome.status == ImportStatus.SKIPPED
    assert outcome.reason == (
        "program unknown: no program is named “Reliability Subcommittee Meeting” and the agenda "
        "prints no acronym to create one with (choose the program)"
    )
    assert (Meeting.objects.count(), Program.objects.count(), Person.objects.count()) == (0, 0, 0)


def test_agenda_import_into_a_given_program_assumes_its_time_zone():
    program = make_program("rsc", name="Reliability Subcommittee", time_zone="America/Denver")

    outcome = agenda_import(source=fixture("rsc_2019-07-16.txt"), program=program)

    meeting = outcome.meeting
    assert (meeting.time_zone, meeting.local_start.time(), meeting.local_end.time()) == (
        "America/Denver",
        time(9),
        time(11, 45),
    )
    assert outcome.warnings == (
        "no time zone found",
        "time zone America/Denver assumed (the program's)",
        "end time 11:45 taken from the last agenda item",
    )
    assert [(t.title, t.start_time, t.end_time) for t in meeting.topics.all()][2] == (
        "Break",
        time(10, 30),
        time(10, 45),
    )
    assert list(meeting.topics.get(title="Break").facilitators.all()) == []


def test_agenda_import_finds_the_program_by_its_acronym_in_any_case():
    program = make_program("tug", name="TUG forum", acronym="tug")

    outcome = agenda_import(source=fixture(SEED))

    assert outcome.meeting.program == program


def test_agenda_import_takes_the_programs_join_details_when_none_are_printed(tmp_path):
    program = make_program("tug", name="Technology User Group", meeting_number="111 222 333")
    text = (
        "Technology User Group (TUG)\nMay 5, 2020\n10 AM PT\n\nTopic\tPresenter\nRoll call\tAn Le\n"
    )

    outcome = agenda_import(source=agenda(tmp_path, text))

    meeting = outcome.meeting
    assert (meeting.web_conference_url, meeting.meeting_number) == (
        program.web_conference_url,
        "111 222 333",
    )
    assert outcome.warnings == (
        "no web conference or dial-in found",
        "end time 11:00 assumed (the program's default length)",
        "no web conference or dial-in printed: the program's are used",
    )


# --------------------------------------------------------------------- people, documents


def test_agenda_import_keeps_a_disclaimer_that_differs_from_the_programs():
    make_program("mppf", name="Market Performance and Planning Forum", recording_disclaimer="Old.")

    meeting = agenda_import(source=fixture("mppf_2018-11-13.txt")).meeting

    assert meeting.recording_disclaimer == (
        "This meeting is being recorded. By participating you consent to the recording of your "
        "voice and of any comments you make."
    )


def test_agenda_import_sets_a_contact_that_differs_from_the_programs_on_the_meeting():
    make_program("tug", contact=Person.objects.create(name="Ann Lee", email="alee@example.com"))

    meeting = agenda_import(source=fixture(SEED)).meeting

    assert (meeting.contact.name, meeting.contact.email) == ("Indu Nambiar", "inambiar@caiso.com")


def test_agenda_import_finds_people_by_name_in_any_case():
    nalini = Person.objects.create(name="NALINI CHARI", organization="California ISO")
    people = Person.objects.count()

    meeting = agenda_import(source=fixture(SEED)).meeting

    assert list(meeting.topics.get(order=2).facilitators.all()) == [nalini]
    assert Person.objects.count() == people + 2  # Indu Nambiar, Justin Wong


def test_agenda_import_reuses_a_document_linked_at_the_same_page():
    spec = Document.objects.create(
        title="DRRS Technical Specification",
        url="http://www.caiso.com/Documents/EnergyStorageandDistributionEnergyResourcePhase2-DRRS"
        "-TechnicalSpecificationsv20%20Clean.pdf",
        page="11",
    )

    meeting = agenda_import(source=fixture(SEED)).meeting

    assert list(meeting.topics.get(order=2).documents.all()) == [spec]
    assert Document.objects.count() == 1


def test_agenda_import_splits_several_presenters_of_one_cell_into_people():
    make_program("mppf", name="Market Performance and Planning Forum")

    meeting = agenda_import(source=fixture("mppf_2018-11-13.txt")).meeting

    topic = meeting.topics.get(order=4)
    assert (topic.title, [p.name for p in topic.facilitators.order_by("name")]) == (
        "Release Planning",
        ["Devon Park", "Janet Moreno"],
    )
    assert (topic.start_time, topic.end_time) == (time(11, 30), time(11, 55))


# ------------------------------------------------------- announcements, related and next


def test_agenda_import_makes_the_meeting_an_announcement_carries_with_its_topics():
    make_program("tug", name="Technology User Group")
    cpg = make_program("cpg", name="Customer Partnership Group", default_start_time=time(14))

    agenda_import(source=fixture(SEED))

    related = Meeting.objects.get(program=cpg)
    announcement = Announcement.objects.get(title="OMS – CPG Announcement")
    assert announcement.related_meeting == related
    assert (related.slug, related.is_published, related.local_start.isoformat()) == (
        "cpg-2018-11-01",
        False,
        "2018-11-01T14:00:00-07:00",
    )
    assert list(related.topics.values_list("title", flat=True)) == [
        "OMS performance/operational changes",
        "Reliability Coordinator Services Implementation",
        "OMS Road Map",
        "Recurring Outage",
    ]


def test_agenda_import_leaves_the_agenda_of_an_announced_meeting_that_has_one():
    load_demo()
    cpg_meeting = Meeting.objects.get(slug="cpg-2018-11-01")
    before = list(cpg_meeting.topics.values_list("pk", "title", "body"))

    agenda_import(source=fixture(SEED))

    assert list(cpg_meeting.topics.values_list("pk", "title", "body")) == before


def test_agenda_import_makes_draft_announcements_presented_at_the_meeting():
    meeting = agenda_import(source=fixture(SEED)).meeting

    rows = Announcement.objects.order_by("slug").values_list(
        "slug", "kind", "is_published", "presented_at", "published_at"
    )
    assert list(rows) == [
        (
            "drrs-acceptable-use-policy-2018-10-16",
            "policy_change",
            False,
            meeting.pk,
            meeting.starts_at,
        ),
        ("oms-cpg-announcement-2018-10-16", "meeting", False, meeting.pk, meeting.starts_at),
    ]


def test_agenda_import_makes_no_announcement_of_a_section_that_only_details_its_topic():
    make_program("mppf", name="Market Performance and Planning Forum")

    meeting = agenda_import(source=fixture("mppf_2018-11-13.txt")).meeting

    assert Announcement.objects.count() == 0
    assert meeting.topics.get(order=2).body.startswith("- Real-time price divergence")


def test_agenda_import_makes_a_placeholder_for_the_next_meeting_once():
    agenda_import(source=fixture(SEED))

    agenda_import(source=fixture(SEED))

    placeholder = Meeting.objects.get(slug="tug-2018-10-30")
    assert (placeholder.is_published, placeholder.local_start.isoformat()) == (
        False,
        "2018-10-30T10:00:00-07:00",
    )
    assert Meeting.objects.filter(program__slug="tug").count() == 2


# ------------------------------------------------------------------ all or nothing


def test_agenda_import_that_fails_half_way_leaves_nothing(monkeypatch):
    def broken(self, plan, *, presented_at):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(_Writer, "announcement", broken)

    with pytest.raises(RuntimeError):
        agenda_import(source=fixture(SEED))

    counts = [m.objects.count() for m in (Program, Meeting, AgendaTopic, Person, AgendaImport)]
    assert counts == [0, 0, 0, 0, 0]


def test_agenda_import_refuses_a_plan_that_changed_since_it_was_shown():
    make_program("tug", name="Technology User Group")
    shown = agenda_plan(source=fixture(SEED))
    make_meeting(Program.objects.get(slug="tug"), date(2018, 10, 16))

    with pytest.raises(PlanChanged) as changed:
        agenda_import(source=fixture(SEED), expected_digest=shown.digest)

    assert (shown.action, changed.value.plan.action) == ("create", "update")
    assert Meeting.objects.count() == 1


def test_agenda_plan_writes_nothing():
    load_demo()
    counts = {m: m.objects.count() for m in (Meeting, AgendaTopic, Person, Announcement, Document)}

    plan = agenda_plan(source=fixture(SEED))

    assert plan.action == "update"
    assert {m: m.objects.count() for m in counts} == counts


# ------------------------------------------------------------------------- every layout

LAYOUTS = {
    # fixture: (program slug, acronym, name, time zone) of an existing program, or None
    "cpg_2019-02-12.txt": None,
    "eim_2018-12-04.txt": ("eim", "EIM", "EIM Governing Body", "America/Phoenix"),
    "mppf_2018-11-13.txt": None,
    "rif_2019-03-05.txt": None,
    "rsc_2019-07-16.txt": ("rsc", "RSC", "Reliability Subcommittee", "America/Denver"),
    "tpsc_2019-11-14.txt": ("tpsc", "TPSC", "Transmission Planning", "America/Chicago"),
    SEED: None,
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_agenda_import_gives_each_layout_the_meeting_its_record_describes(name):
    given = LAYOUTS[name]
    program = None
    if given:
        slug, acronym, title, zone = given
        program = make_program(slug, acronym=acronym, name=title, time_zone=zone)
    source = fixture(name)
    record = source.record

    meeting = agenda_import(source=source, program=program).meeting

    assert meeting.local_start.date() == record.date
    assert meeting.local_start.time() == record.start_time
    assert meeting.time_zone == (record.timezone or program.time_zone)
    assert [(d.label, d.number, d.access_code) for d in meeting.dial_ins.all()] == [
        (d.label, d.number, d.access_code or "") for d in record.dial_in
    ]
    assert [t.title for t in meeting.topics.all()] == [t.title for t in record.topics]
    assert [sorted(p.name for p in t.facilitators.all()) for t in meeting.topics.all()] == [
        sorted(t.facilitators) for t in record.topics
    ]
    if record.web_conference:
        assert meeting.web_conference_url == (record.web_conference.url or "")


# ------------------------------------------------------------------------ query counts


def agenda_with_topics(count: int) -> str:
    rows = "\n".join(f"Topic {n}\tPresenter {n} Smith" for n in range(count))
    details = "\n\n".join(
        f"Topic {n}\n\n- See page {n} of https://example.com/doc-{n}.pdf" for n in range(count)
    )
    return (
        "Technology User Group (TUG)\nMay 5, 2020\n10:00 - 11:00 AM PT\n"
        "URL\thttps://caiso.webex.com/meet/CAISO-TUG\n\n"
        f"Topic\tPresenter\n{rows}\n\n\n{details}\n\nContact: Ann Lee, alee@example.com\n"
    )


@pytest.mark.parametrize("count", [3, 12])
def test_agenda_plan_costs_the_same_queries_whatever_the_number_of_topics(
    count, tmp_path, django_assert_num_queries
):
    make_program("tug", name="Technology User Group")
    source = agenda(tmp_path, agenda_with_topics(count))

    with django_assert_num_queries(8):
        plan = agenda_plan(source=source)

    assert len(plan.meeting.topics) == count


def test_agenda_import_costs_a_bounded_number_of_queries_per_topic(
    tmp_path, django_assert_max_num_queries
):
    # Each new topic, person and document writes its row and its history rows (simple_history
    # also records every link): about 25 queries for a topic that names a new presenter and a
    # new document. Importing the same document again only compares. (One more on PostgreSQL:
    # the lock that keeps simultaneous imports apart.)
    make_program("tug", name="Technology User Group")
    source = agenda(tmp_path, agenda_with_topics(12))

    with django_assert_max_num_queries(26 + 12 * 25):
        agenda_import(source=source)
    with django_assert_max_num_queries(17 + 12 * 2):
        agenda_import(source=source)
