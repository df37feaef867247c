from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from tug_portal.calendars.event_store import event_states
from tug_portal.calendars.facts import event_facts
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.selectors import (
    default_feed_specs,
    feed_data_version,
    feed_event_facts,
    feed_meetings,
    feed_system,
    feed_version_of,
    meetings_aggregate,
    meetings_saved_since,
    system_feed_next,
)
from tug_portal.meetings.models import AgendaTopic, Meeting, Person, Program, System
from tug_portal.meetings.selectors import meetings_with_calendar_facts
from tug_portal.meetings.services import meeting_create

NOW = datetime(2019, 1, 10, 12, 0, tzinfo=UTC)


def _slugs(spec: FeedSpec, now=NOW) -> list[str]:
    return list(feed_meetings(spec, now=now).values_list("slug", flat=True))


@pytest.fixture
def tug(demo):
    return Program.objects.get(slug="tug")


def test_drafts_never_appear_in_a_feed(tug):
    meeting_create(program=tug, day=date(2019, 2, 12), slug="tug-draft", is_published=False)

    for spec in (FeedSpec(), FeedSpec(program="tug"), FeedSpec(full_history=True)):
        assert "tug-draft" not in _slugs(spec)


def test_program_feed_holds_only_its_program(demo):
    assert _slugs(FeedSpec(program="cpg"))[:1] == ["cpg-2018-11-01"]
    assert {slug[:3] for slug in _slugs(FeedSpec(program="cpg"))} == {"cpg"}


def test_system_filter_keeps_meetings_with_a_topic_on_the_system(demo):
    assert _slugs(FeedSpec(system="drrs")) == ["tug-2018-10-16"]
    assert _slugs(FeedSpec(system="oms")) == ["tug-2018-10-16", "cpg-2018-11-01"]
    assert _slugs(FeedSpec(program="cpg", system="drrs")) == []


def test_recent_feed_reaches_back_the_history_setting_and_archive_reaches_all(demo, settings):
    settings.TUG_ICAL_HISTORY_DAYS = 80
    now = datetime(2019, 1, 10, 12, 0, tzinfo=UTC)  # 80 days back: 22 October 2018

    recent = _slugs(FeedSpec(program="tug"), now=now)
    archive = _slugs(FeedSpec(program="tug", full_history=True), now=now)

    assert "tug-2018-10-16" not in recent
    assert "tug-2018-10-30" in recent
    assert archive[:2] == ["tug-2018-10-16", "tug-2018-10-30"]


def test_cancelled_meeting_stays_for_the_window_then_leaves(demo, settings):
    settings.TUG_ICAL_CANCELLED_DAYS = 30
    Meeting.objects.filter(slug="tug-2018-10-30").update(
        status=Meeting.Status.CANCELLED, calendar_changed_at=datetime(2018, 10, 25, tzinfo=UTC)
    )
    spec = FeedSpec(program="tug", full_history=True)

    within = _slugs(spec, now=datetime(2018, 11, 20, tzinfo=UTC))
    after = _slugs(spec, now=datetime(2018, 11, 30, tzinfo=UTC))

    assert "tug-2018-10-30" in within
    assert "tug-2018-10-30" not in after


def test_data_version_moves_when_a_topic_is_added(demo, django_capture_on_commit_callbacks):
    spec, other = FeedSpec(program="tug", full_history=True), FeedSpec(program="cpg")
    before, other_before = feed_data_version(spec, now=NOW), feed_data_version(other, now=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        AgendaTopic.objects.create(
            meeting=Meeting.objects.get(slug="tug-2018-10-30"), order=2, title="OMS Road Map"
        )

    assert feed_data_version(spec, now=NOW) != before
    assert feed_data_version(other, now=NOW) == other_before


def test_a_systems_feed_version_names_its_own_next_meeting_not_the_programs(
    demo, make_meetings, django_capture_on_commit_callbacks
):
    """A system's feed names the next meeting it holds: its version moves when that meeting is
    over, and not when a program's next meeting (not on that system) is cancelled."""
    make_meetings(3, start=(NOW + timedelta(days=1)).date())  # a DRRS topic each
    spec = FeedSpec(system="drrs")
    states = event_states(feed_meetings(spec, now=NOW), now=NOW)
    upcoming = system_feed_next(states, now=NOW)
    assert upcoming is not None

    summed = feed_version_of(
        spec,
        now=NOW,
        meetings=meetings_aggregate(states),
        system=feed_system(spec),
        system_next=upcoming.pk,
    )
    assert summed == feed_data_version(spec, now=NOW)

    same_day = upcoming.ends_at.replace(hour=0, minute=1)
    while_ahead = feed_data_version(spec, now=same_day)
    assert feed_data_version(spec, now=upcoming.ends_at) != while_ahead

    cpg_next = Meeting.objects.filter(program__slug="cpg", starts_at__gt=same_day)
    with django_capture_on_commit_callbacks(execute=True):
        cpg_next.update(status=Meeting.Status.CANCELLED)
    assert feed_data_version(spec, now=same_day) == while_ahead


def test_a_systems_feed_version_moves_when_the_system_is_renamed_though_it_holds_nothing(db):
    """Its description names the system: an empty feed of it changes with the name."""
    system = System.objects.create(code="EMS", name="Energy Management System")
    spec = FeedSpec(system="ems")
    before = feed_data_version(spec, now=NOW)

    system.name = "Energy Management System Two"
    system.save()

    assert feed_data_version(spec, now=NOW) != before


def test_a_programs_feed_version_moves_with_its_own_program_not_with_another(demo, time_machine):
    tug, cpg, every = FeedSpec(program="tug"), FeedSpec(program="cpg"), FeedSpec()
    before = {spec: feed_data_version(spec, now=NOW) for spec in (tug, cpg, every)}
    time_machine.move_to(timezone.now() + timedelta(minutes=1), tick=False)

    program = Program.objects.get(slug="cpg")
    program.description = "Another description."
    program.save()

    assert feed_data_version(tug, now=NOW) == before[tug]
    assert feed_data_version(cpg, now=NOW) != before[cpg]
    assert feed_data_version(every, now=NOW) != before[every]


def test_data_version_is_stable_within_a_day_and_moves_with_the_day(demo):
    spec = FeedSpec()
    morning = timezone.make_aware(datetime(2019, 1, 10, 8, 0))

    same_day = feed_data_version(spec, now=morning + timedelta(hours=10))
    next_day = feed_data_version(spec, now=morning + timedelta(days=1))

    assert feed_data_version(spec, now=morning) == same_day
    assert next_day != same_day


def test_default_feeds_are_all_each_program_and_each_system_recent_and_archive(demo):
    keys = [spec.key for spec in default_feed_specs()]

    assert keys == [
        "all",
        "all?history=all",
        "cpg",
        "cpg?history=all",
        "tug",
        "tug?history=all",
        "all?system=drrs",
        "all?system=drrs&history=all",
        "all?system=oms",
        "all?system=oms&history=all",
    ]


def test_event_facts_read_as_rows_equal_those_of_prefetched_meetings(
    seed, django_assert_num_queries
):
    topic = seed.topics.order_by("order", "pk").first()
    topic.facilitators.add(Person.objects.create(name="Aaron Abel", email="aabel@example.org"))
    meetings = feed_meetings(FeedSpec(full_history=True), now=NOW)
    expected = [event_facts(meeting) for meeting in meetings_with_calendar_facts(meetings)]

    with django_assert_num_queries(
        6
    ):  # meetings, topics, facilitators, systems, dial-ins, materials
        facts = feed_event_facts(meetings)

    assert facts == expected
    seed_facts = next(meeting for meeting in facts if meeting.slug == seed.slug)
    assert seed_facts.topics[0].facilitators[0] == "Aaron Abel"


def test_saved_since_names_meetings_saved_their_topics_saved_or_their_replacement_saved(demo):
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Meeting.objects.update(updated_at=an_hour_ago)
    AgendaTopic.objects.update(updated_at=an_hour_ago)
    since = timezone.now() - timedelta(minutes=1)
    saved, with_topic, replaced, replacement, untouched = Meeting.objects.order_by("pk")[:5]
    saved.save()
    with_topic.topics.create(order=99, title="Late addition")
    Meeting.objects.filter(pk=replaced.pk).update(replacement=replacement)
    replacement.save()

    assert meetings_saved_since(since) == {saved.pk, with_topic.pk, replaced.pk, replacement.pk}
    assert untouched.pk not in meetings_saved_since(since)


def test_a_data_version_summed_up_from_calendar_states_equals_the_databases(demo):
    """A patched feed sums its version up from its layout's states (`Layout.aggregate`), a
    checked one from the database: equal, whichever database (PostgreSQL sums a bigint key
    as a Decimal, Python as an int)."""
    for spec in default_feed_specs():
        states = event_states(feed_meetings(spec, now=NOW), now=NOW)
        summed = feed_version_of(
            spec,
            now=NOW,
            meetings=meetings_aggregate(states),
            system=feed_system(spec),
            system_next=getattr(system_feed_next(states, now=NOW), "pk", None),
        )

        assert summed == feed_data_version(spec, now=NOW), spec.key
