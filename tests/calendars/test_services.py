import gzip
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.calendars.parsers import parse_events, vobject_calendar
from tug_portal.calendars import feed_store
from tug_portal.calendars.describe import meeting_when
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.feed_store import feed_validators
from tug_portal.calendars.models import StoredFeed
from tug_portal.calendars.services import feed_build, feeds_refresh, feeds_sweep
from tug_portal.meetings.models import (
    AgendaTopic,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    System,
)
from tug_portal.meetings.selectors import meeting_next_for_program
from tug_portal.meetings.timeutil import local_span_to_utc

ARCHIVE = FeedSpec(program="tug", full_history=True)


def _event(feed: StoredFeed, meeting: Meeting):
    return parse_events(feed_content(feed))[f"{meeting.uid}@tug-portal"]


def _last_modified(feed: StoredFeed, meeting: Meeting) -> datetime:
    events = vobject_calendar(feed_content(feed)).vevent_list
    event = next(event for event in events if event.uid.value == f"{meeting.uid}@tug-portal")
    return event.last_modified.value


def test_feed_build_stores_its_etag_and_publishes_validators_not_bytes(
    demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        feed = feed_build(spec=ARCHIVE)

    assert feed.key == "tug?history=all"
    assert feed_content(feed).startswith(b"BEGIN:VCALENDAR\r\n")
    assert _cached_bytes(feed) is None  # the first request assembles them and caches them
    assert feed.event_count == Meeting.objects.filter(program__slug="tug").count()
    assert len(feed.etag) == 32
    validators = feed_validators("tug?history=all")
    assert validators.etag == feed.etag
    assert validators.last_modified == feed.content_changed_at.timestamp()


def test_feed_build_of_unknown_program_or_system_is_404(demo):
    with pytest.raises(Http404):
        feed_build(spec=FeedSpec(program="nope"))
    with pytest.raises(Http404):
        feed_build(spec=FeedSpec(system="nope"))


def test_feed_names_the_same_next_meeting_as_the_rest_of_the_portal(demo):
    program = Program.objects.get(slug="tug")
    upcoming = meeting_next_for_program(program=program)

    feed = feed_build(spec=FeedSpec(program="tug"))

    description = vobject_calendar(feed_content(feed)).description.value
    assert description.endswith(f"\nNext TUG: {meeting_when(upcoming)}")
    assert "Meets every other Tuesday, 10:00-11:00 AM Pacific." in description


def test_rebuild_of_unchanged_data_keeps_the_stored_bytes_and_etag(demo):
    first = feed_build(spec=ARCHIVE, now=datetime(2026, 1, 5, 10, tzinfo=UTC))
    first_content = feed_content(first)

    second = feed_build(spec=ARCHIVE, now=datetime(2026, 1, 5, 11, tzinfo=UTC))

    assert second.etag == first.etag
    assert feed_content(StoredFeed.objects.get(pk=second.pk)) == first_content
    assert second.content_changed_at == first.content_changed_at
    assert second.current_at == datetime(2026, 1, 5, 11, tzinfo=UTC)


def _cached_bytes(feed: StoredFeed):
    return cache.get(feed_store._feed_content_cache_key(feed.key, feed.etag))


def test_first_request_caches_the_bytes_and_the_first_gzip_request_their_gzip(
    demo, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        feed = feed_build(spec=ARCHIVE)

    client.get("/calendar/tug.ics?history=all")
    assert _cached_bytes(feed) == (feed_content(feed), None)

    client.get("/calendar/tug.ics?history=all", headers={"Accept-Encoding": "gzip"})
    content, content_gzip = _cached_bytes(feed)
    assert content == feed_content(feed)
    assert gzip.decompress(content_gzip) == feed_content(feed)


def test_rebuild_of_unchanged_data_leaves_the_cached_bytes_alone(
    demo, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = feed_build(spec=ARCHIVE, now=datetime(2026, 1, 5, 10, tzinfo=UTC))
    client.get("/calendar/tug.ics?history=all")
    assert _cached_bytes(first) is not None
    # A marker in their place: writing megabytes again would overwrite it.
    cache.set(feed_store._feed_content_cache_key(first.key, first.etag), "left alone")

    with django_capture_on_commit_callbacks(execute=True):
        second = feed_build(spec=ARCHIVE, now=datetime(2026, 1, 5, 11, tzinfo=UTC))

    assert _cached_bytes(second) == "left alone"
    assert feed_validators(second.key) == feed_store.Validators.of(
        second.etag, second.content_changed_at
    )


def test_editing_a_topic_bumps_sequence_and_last_modified_and_keeps_uid(
    seed, django_capture_on_commit_callbacks, time_machine
):
    before = feed_build(spec=ARCHIVE)
    old_event = _event(before, seed)
    topic = seed.topics.get(order=2)
    edited_at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    time_machine.move_to(edited_at, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        topic.title = "DRRS – Acceptable Use Policy (final)"
        topic.save()
    after = feed_build(spec=ARCHIVE)

    new_event = _event(after, seed)
    assert new_event.uid == old_event.uid == f"{seed.uid}@tug-portal"
    assert new_event.sequence == old_event.sequence + 1
    assert _last_modified(after, seed) == edited_at
    assert after.etag != before.etag


def test_cancelling_gives_status_cancelled_and_bumps_sequence(
    seed, django_capture_on_commit_callbacks
):
    before = _event(feed_build(spec=ARCHIVE), seed)

    with django_capture_on_commit_callbacks(execute=True):
        seed.status = Meeting.Status.CANCELLED
        seed.save()
    after = _event(feed_build(spec=ARCHIVE), seed)

    assert (before.status, after.status) == ("CONFIRMED", "CANCELLED")
    assert after.sequence == before.sequence + 1


def test_moving_a_meeting_keeps_its_join_details_and_says_what_changed(
    seed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        seed.starts_at, seed.ends_at = local_span_to_utc(
            date(2018, 10, 16), time(13, 0), time(14, 0), "America/Los_Angeles", timedelta()
        )
        seed.save()
    feed = feed_build(spec=ARCHIVE)

    content = feed_content(feed).replace(b"\r\n ", b"").decode()
    assert _event(feed, seed).start == datetime(2018, 10, 16, 20, tzinfo=UTC)
    assert "time moved from Tue Oct 16 10:00 AM PT to Tue Oct 16 1:00 PM PT" in content
    assert "Meeting number: 966 010 353" in content
    assert "tel:+18665282256\\,\\,3895889%23" not in content  # URIs are not text-escaped


def _add_published_meetings(program: Program, numbers: range, person: Person, system: System):
    """Meetings with a dial-in and a topic with a facilitator and a system: every relation a
    feed reads, so that an N+1 on any of them shows."""
    start = datetime(2030, 1, 1, 18, tzinfo=UTC)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            program=program,
            slug=f"bulk-{n}",
            title=program.name,
            starts_at=start + timedelta(days=n),
            ends_at=start + timedelta(days=n, hours=1),
            is_published=True,
        )
        for n in numbers
    )
    MeetingDialIn.objects.bulk_create(
        MeetingDialIn(meeting=meeting, label="Domestic Call-In", number="(866) 528-2256")
        for meeting in meetings
    )
    topics = AgendaTopic.objects.bulk_create(
        AgendaTopic(meeting=meeting, order=1, title="Roll call") for meeting in meetings
    )
    AgendaTopic.facilitators.through.objects.bulk_create(
        AgendaTopic.facilitators.through(agendatopic=topic, person=person) for topic in topics
    )
    AgendaTopic.systems.through.objects.bulk_create(
        AgendaTopic.systems.through(agendatopic=topic, system=system) for topic in topics
    )


@pytest.mark.parametrize("spec", [FeedSpec(program="p"), FeedSpec(system="sys")])
def test_build_query_count_does_not_grow_with_meetings(db, spec, django_assert_num_queries):
    person = Person.objects.create(name="Indu Nambiar", email="inambiar@caiso.com")
    system = System.objects.create(code="SYS", name="A system")
    program = Program.objects.create(name="Program", acronym="P", slug="p", contact=person)
    _add_published_meetings(program, range(3), person, system)
    feed_build(spec=spec)  # stores the row: later builds update it
    _add_published_meetings(program, range(3, 4), person, system)
    with CaptureQueriesContext(connection) as few:
        feed_build(spec=spec)
    _add_published_meetings(program, range(4, 300), person, system)

    with django_assert_num_queries(len(few.captured_queries)):
        feed = feed_build(spec=spec)

    assert feed.event_count == 300


def test_refresh_skips_feeds_whose_data_did_not_move(demo):
    feed_build(spec=ARCHIVE)

    assert feeds_refresh(feeds=StoredFeed.objects.all()) == []


def test_sweep_builds_every_default_feed(demo):
    rebuilt = feeds_sweep()

    assert sorted(rebuilt) == sorted(StoredFeed.objects.values_list("key", flat=True))
    assert len(rebuilt) == 10


def test_sweep_builds_a_default_feed_stored_without_a_layout_as_after_an_upgrade(demo):
    """A migration drops layouts (a new format): a feed without one would be checked at every
    edit, not patched, until its data moved; the sweep builds it with one at once."""
    feeds_sweep()
    StoredFeed.objects.filter(key="tug?history=all").update(layout=None)

    rebuilt = feeds_sweep()

    assert rebuilt == ["tug?history=all"]
    assert StoredFeed.objects.get(key="tug?history=all").layout["token"]


def test_sweep_rebuilds_a_feed_whose_change_event_was_lost(demo):
    feeds_sweep()
    meeting = Meeting.objects.filter(program__slug="tug", starts_at__gt=datetime.now(UTC)).first()
    # An edit whose on-commit hook never ran (a crash, a broker outage): no signal at all.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(hours=2),
        ends_at=meeting.ends_at + timedelta(hours=2),
    )

    rebuilt = feeds_sweep()

    assert {"all", "all?history=all", "tug", "tug?history=all"} <= set(rebuilt)
    event = _event(StoredFeed.objects.get(key="tug"), meeting)
    assert event.start == meeting.starts_at + timedelta(hours=2)
    assert event.sequence == 1


def test_refresh_removes_the_feeds_of_a_program_no_longer_active(demo):
    feeds_sweep()
    Program.objects.filter(slug="cpg").update(is_active=False)

    feeds_sweep()

    assert not StoredFeed.objects.filter(key__startswith="cpg").exists()


@pytest.mark.parametrize("active_after", [False, True], ids=["deactivated", "reactivated"])
def test_a_program_switched_off_or_on_leaves_or_rejoins_all_ics_with_the_refresh_its_save_queues(
    demo, django_capture_on_commit_callbacks, monkeypatch, active_after
):
    """Not at the next sweep: the refresh the save's commit queues (run here in process)."""
    from tug_portal.calendars import receivers

    queued = []
    monkeypatch.setattr(
        receivers, "enqueue_on_commit", lambda task, *args: queued.append((task, args))
    )
    cpg = Program.objects.get(slug="cpg")
    if not active_after:
        feeds_sweep()
    else:
        Program.objects.filter(pk=cpg.pk).update(is_active=False)
        feeds_sweep()
    published = Meeting.objects.filter(program=cpg, is_published=True)
    cpg_uids = {f"{meeting.uid}@tug-portal" for meeting in published}
    cpg.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        cpg.is_active = active_after
        cpg.save()
    for task, args in queued:
        task(*args)

    refreshed = set(parse_events(feed_content(StoredFeed.objects.get(key="all"))))
    assert bool(cpg_uids & refreshed) == active_after
    # What a whole build holds (a cancelled or long-past meeting may be left out by its rule).
    assert refreshed == set(parse_events(feed_content(feed_build(spec=FeedSpec()))))


def test_system_feed_describes_only_its_own_next_meeting(demo):
    from tug_portal.calendars.selectors import feed_meetings

    now = datetime(2018, 10, 1, tzinfo=UTC)  # before the demo's DRRS meetings
    spec = FeedSpec(system="drrs")
    upcoming = (
        feed_meetings(spec, now=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .filter(ends_at__gt=now)
        .first()
    )

    feed = feed_build(spec=spec, now=now)

    calendar = vobject_calendar(feed_content(feed))
    description = calendar.description.value
    next_lines = [line for line in description.splitlines() if line.startswith("Next ")]
    assert upcoming is not None  # the demo has one, so the line below says something
    assert next_lines == [f"Next {upcoming.program.acronym} on DRRS: {meeting_when(upcoming)}"]
    assert calendar.contents["x-wr-caldesc"][0].value == description
