"""Feeds assembled from stored events are, byte for byte, the feeds a full build writes: after
any sequence of edits, moves, cancellations, (un)publishing, deletions, topic, person, system
and program changes, and as days pass. And an edit writes only the edited meeting's event."""

import gc
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tug_portal.calendars import event_store, ics_responses, services
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.ics_responses import content_etag
from tug_portal.calendars.models import StoredEvent, StoredFeed, StoredFeedPart
from tug_portal.calendars.selectors import (
    default_feed_specs,
    feed_data_version,
    stored_feeds_touching,
)
from tug_portal.calendars.services import (
    feed_build,
    feeds_refresh_for_meetings,
    feeds_refresh_for_programs,
    feeds_sweep,
)
from tug_portal.meetings.models import AgendaTopic, Meeting, Person, Program, System
from tug_portal.meetings.selectors import meetings_for_system, meetings_next_by_program
from tug_portal.meetings.signals import meetings_changed


@pytest.fixture(autouse=True)
def ticking_clock(demo, time_machine):
    """The shared `demo` freezes the clock; here it ticks again, as in production, so that each
    edit is saved at a moment of its own (a stored event is keyed by when its meeting and topics
    were last saved)."""
    time_machine.move_to(timezone.now(), tick=True)


def _nth(queryset, n):
    items = list(queryset.order_by("pk"))
    return items[n % len(items)] if items else None


def _edit_title(n, k):
    meeting = _nth(Meeting.objects.all(), n)
    meeting.title = f"Edited {k}, with; commas"
    meeting.save()


def _move(n, k):
    meeting = _nth(Meeting.objects.all(), n)
    shift = timedelta(hours=k % 48 - 24, days=k % 5)
    meeting.starts_at += shift
    meeting.ends_at += shift
    meeting.save()


def _cancel(n, k):
    meeting = _nth(Meeting.objects.exclude(status=Meeting.Status.CANCELLED), n)
    if meeting:
        meeting.status = Meeting.Status.CANCELLED
        meeting.cancellation_reason = f"Reason {k}"
        meeting.replacement = _nth(Meeting.objects.exclude(pk=meeting.pk), k) if k % 2 else None
        meeting.save()


def _toggle_published(n, k):
    meeting = _nth(Meeting.objects.all(), n)
    meeting.is_published = not meeting.is_published
    meeting.save()


def _delete(n, k):
    if Meeting.objects.count() > 4:
        meeting = _nth(Meeting.objects.filter(replaces__isnull=True), n)
        if meeting:
            Meeting.objects.filter(replacement=meeting).update(replacement=None)
            meeting.delete()


def _recording(n, k):
    meeting = _nth(Meeting.objects.all(), n)
    meeting.recording_url = f"https://recordings.example.org/{k}"
    meeting.recording_available_until = timezone.localdate() + timedelta(days=k % 7 - 3)
    meeting.save()


def _topic_rename(n, k):
    topic = _nth(AgendaTopic.objects.all(), n)
    if topic:
        topic.title = f"Topic {k}"
        topic.save()


def _topic_time(n, k):
    topic = _nth(AgendaTopic.objects.all(), n)
    if topic:
        topic.start_time = (timezone.now().replace(hour=k % 12 + 8, minute=0)).time()
        topic.end_time = topic.start_time.replace(minute=30)
        topic.save()


def _topic_add(n, k):
    meeting = _nth(Meeting.objects.all(), n)
    topic = AgendaTopic.objects.create(meeting=meeting, order=k % 20, title=f"New topic {k}")
    topic.systems.add(_nth(System.objects.all(), k))
    topic.facilitators.add(_nth(Person.objects.all(), k))


def _topic_delete(n, k):
    topic = _nth(AgendaTopic.objects.all(), n)
    if topic:
        topic.delete()


def _topic_systems(n, k):
    topic = _nth(AgendaTopic.objects.all(), n)
    if topic:
        topic.systems.set([_nth(System.objects.all(), k)] if k % 3 else [])


def _person_rename(n, k):
    person = _nth(Person.objects.all(), n)
    if not Person.objects.filter(name=f"Person {k}", email=person.email).exists():  # unique
        person.name = f"Person {k}"
        person.save()


def _system_rename(n, k):
    system = _nth(System.objects.all(), n)
    if not System.objects.filter(code=f"S{k}").exists():  # codes are unique
        system.code = f"S{k}"
        system.save()


def _program_change(n, k):
    program = _nth(Program.objects.all(), n)
    if not Program.objects.filter(acronym=f"P{k}").exists():  # acronyms are unique
        program.acronym = f"P{k}"
    program.contact = _nth(Person.objects.all(), k)
    program.save()


EDITS = [
    _edit_title,
    _move,
    _cancel,
    _toggle_published,
    _delete,
    _recording,
    _topic_rename,
    _topic_time,
    _topic_add,
    _topic_delete,
    _topic_systems,
    _person_rename,
    _system_rename,
    _program_change,
]


def _specs() -> list[FeedSpec]:
    systems = [spec.system for spec in default_feed_specs() if spec.system]
    combos = [FeedSpec(program="tug", system=code) for code in systems]
    return default_feed_specs() + combos


# The byte-for-byte properties below: runs of one to five edits of any kind, each edit applied
# to the n-th and k-th object it picks from the demo archive.
_byte_for_byte = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_edit_runs = st.lists(
    st.tuples(st.sampled_from(EDITS), st.integers(0, 500), st.integers(0, 500)),
    min_size=1,
    max_size=5,
)


def _apply(edits, capture_on_commit) -> None:
    """Each edit committed on its own, its on-commit callbacks (the refresh signals) run."""
    for edit, n, k in edits:
        with capture_on_commit(execute=True):
            edit(n, k)


def _feeds(now) -> dict[str, tuple[bytes, str] | None]:
    built = {}
    for spec in _specs():
        try:
            feed = feed_build(spec=spec, now=now)
        except Http404:
            built[spec.key] = None
            continue
        built[spec.key] = (feed_content(feed), feed.etag)
    return built


@_byte_for_byte
@given(
    edits=_edit_runs,
    days_later=st.sampled_from([0, 0, 1, 15, 61]),
)
def test_incremental_feeds_equal_full_builds_byte_for_byte(
    built_feeds, django_capture_on_commit_callbacks, edits, days_later
):
    now = timezone.now()
    _feeds(now)  # every piece stored, as the last builds left them
    _apply(edits, django_capture_on_commit_callbacks)
    later = now + timedelta(days=days_later)

    incremental = _feeds(later)
    event_store.forget_all()
    full = _feeds(later)

    assert incremental == full
    for built in full.values():
        if built is not None:
            assert built[1] == content_etag(built[0])


@pytest.fixture
def written(monkeypatch):
    """The meetings whose event was written (not copied from a stored piece)."""
    calls = []
    original = event_store.meeting_event_bytes

    def spy(facts, **kwargs):
        calls.append(facts.slug)
        return original(facts, **kwargs)

    monkeypatch.setattr(event_store, "meeting_event_bytes", spy)
    return calls


def test_one_edit_writes_one_event_and_reassembles_the_feeds_holding_it(
    built_feeds, django_capture_on_commit_callbacks, written
):
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    with django_capture_on_commit_callbacks(execute=True):
        meeting.title = "Renamed"
        meeting.save()
    written.clear()

    rebuilt = feeds_refresh_for_programs(program_ids=[meeting.program_id])

    assert written == [meeting.slug]
    assert {"all", "all?history=all", "tug", "tug?history=all"} <= set(rebuilt)
    assert "cpg" not in rebuilt


@pytest.fixture
def collector_states(monkeypatch):
    """Whether the cyclic collector was on each time an event was written or looked up."""
    states = []
    original = event_store.event_pieces

    def spy(*args, **kwargs):
        states.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(event_store, "event_pieces", spy)
    return states


def test_builds_and_refreshes_run_with_the_cyclic_collector_paused(
    built_feeds, django_capture_on_commit_callbacks, collector_states
):
    """Tens of thousands of rows live for a whole build: each collection scanned them again,
    a sixth of a cold build (common/collector.py)."""
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    with django_capture_on_commit_callbacks(execute=True):
        meeting.title = "Renamed"
        meeting.save()

    feed_build(spec=FeedSpec(full_history=True))
    feeds_refresh_for_meetings(meeting_ids=[meeting.pk], program_ids=[meeting.program_id])
    feeds_refresh_for_programs(program_ids=[meeting.program_id])
    feeds_sweep()

    assert collector_states and not any(collector_states)
    assert gc.isenabled()


@pytest.fixture
def hashed(monkeypatch):
    """The sizes of the event pieces hashed (`ics_responses.event_digest`) for ETags."""
    sizes = []
    original = ics_responses.event_digest

    def spy(piece):
        sizes.append(len(piece))
        return original(piece)

    monkeypatch.setattr(ics_responses, "event_digest", spy)
    return sizes


def test_one_edit_hashes_one_event_not_every_feed_byte_again(
    built_feeds, django_capture_on_commit_callbacks, hashed, signalled
):
    """A feed's ETag is hashed from its events' digests, each taken once per written or read
    piece: re-joining four feeds after one edit hashes that event's bytes, not megabytes."""
    _one_title_edit(signalled, django_capture_on_commit_callbacks)
    hashed.clear()

    rebuilt = feeds_refresh_for_meetings(**signalled)

    assert {"all", "all?history=all", "tug", "tug?history=all"} <= set(rebuilt)
    assert len(hashed) == 1
    for key in rebuilt:
        feed = StoredFeed.objects.get(key=key)
        assert feed.etag == content_etag(feed_content(feed))


def test_pieces_survive_the_process_that_wrote_them(built_feeds, written):
    event_store.forget_held()  # another process: only the table holds the pieces

    feed_build(spec=FeedSpec(full_history=True))

    assert written == []
    assert StoredEvent.objects.exists()


def test_a_piece_whose_state_moved_is_written_again_not_served(
    built_feeds, django_capture_on_commit_callbacks, written
):
    meeting = Meeting.objects.published().order_by("starts_at")[0]
    with django_capture_on_commit_callbacks(execute=True):
        AgendaTopic.objects.create(meeting=meeting, order=9, title="Late addition")

    content = feed_content(feed_build(spec=FeedSpec(full_history=True)))

    assert written == [meeting.slug]
    assert b"Late addition" in content


def test_a_meeting_deleted_while_its_event_is_written_leaves_no_piece_behind(
    built_feeds, monkeypatch
):
    """Another process deletes the meeting between its facts read and its piece stored: no
    piece is stored for it (its foreign key, checked when the build commits, would have lost
    the whole build)."""
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("starts_at")[0]
    original = event_store.meeting_event_bytes

    def deleted_meanwhile(facts, **kwargs):
        written = original(facts, **kwargs)
        if facts.slug == meeting.slug:
            Meeting.objects.filter(pk=meeting.pk).delete()
        return written

    monkeypatch.setattr(event_store, "meeting_event_bytes", deleted_meanwhile)
    event_store.forget_all()

    feed_build(spec=FeedSpec(program="tug", full_history=True))

    assert not StoredEvent.objects.filter(meeting_id=meeting.pk).exists()
    assert StoredEvent.objects.exists()
    connection.check_constraints()  # what the commit checks


@pytest.fixture
def signalled():
    """What the core's `meetings_changed` said (the refresh task's arguments)."""
    said = {"meeting_ids": set(), "program_ids": set(), "system_ids": set()}

    def listen(sender, *, meeting_ids, program_ids, system_ids=(), **kwargs):
        said["meeting_ids"] |= set(meeting_ids)
        said["program_ids"] |= set(program_ids)
        said["system_ids"] |= set(system_ids)

    meetings_changed.connect(listen, dispatch_uid="tests.signalled")
    yield said
    meetings_changed.disconnect(dispatch_uid="tests.signalled")


@_byte_for_byte
@given(
    edits=_edit_runs,
    later=st.sampled_from([timedelta(0), timedelta(0), timedelta(minutes=5), timedelta(days=1)]),
)
def test_feeds_patched_from_their_layout_equal_full_builds_byte_for_byte(
    built_feeds, django_capture_on_commit_callbacks, signalled, edits, later
):
    now = timezone.now()
    _feeds(now)  # every feed stored with its layout
    signalled["meeting_ids"].clear()
    signalled["program_ids"].clear()
    _apply(edits, django_capture_on_commit_callbacks)
    later = now + later

    rebuilt = feeds_refresh_for_meetings(**signalled, now=later)

    touching = stored_feeds_touching(program_ids=signalled["program_ids"])
    stored = {feed.key: feed for feed in touching}
    specs = {spec.key: spec for spec in _specs()}
    event_store.forget_all()
    for key, feed in stored.items():
        version = feed_data_version(specs[key], now=later)
        full = feed_build(spec=specs[key], now=later)
        # Each feed is a full build's, or one that checking data versions (the sweep, and the
        # refresh before layouts) would leave alone too: a change no signal names, such as a
        # topic's clock time, reaches feeds with the next change of their meetings.
        assert feed.etag == full.etag or feed.data_version == version, key
        if key in rebuilt:
            assert feed_content(feed) == feed_content(full), key
            assert feed.data_version == version, key


def test_one_edit_patches_only_the_feeds_holding_it_from_their_layout(
    built_feeds, django_capture_on_commit_callbacks, signalled, django_assert_max_num_queries
):
    # An archive saved an hour ago (what was saved in the last minute is read again), its
    # feeds built since.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Meeting.objects.update(updated_at=an_hour_ago)
    AgendaTopic.objects.update(updated_at=an_hour_ago)
    feeds_sweep()
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    with django_capture_on_commit_callbacks(execute=True):
        meeting.title = "Renamed"
        meeting.save()

    # The feeds and their layouts, the programs, what was saved since, the edited meeting's
    # membership, state and facts, the next meetings, and each rebuilt feed's row (with the
    # savepoints): a few per feed rebuilt, none per meeting it holds.
    with django_assert_max_num_queries(60):
        rebuilt = feeds_refresh_for_meetings(**signalled)

    assert set(rebuilt) == {"all", "all?history=all", "tug", "tug?history=all"}
    for key in rebuilt:
        feed = StoredFeed.objects.get(key=key)
        assert b"SUMMARY:Renamed" in feed_content(feed) or b"Renamed" in feed_content(feed)


def test_a_feed_found_current_by_a_check_is_patched_by_the_next_edit_not_checked_again(
    built_feeds, django_capture_on_commit_callbacks, signalled, monkeypatch, time_machine
):
    """A feed that no edit touched all day (a system's feed) was built in the morning, and more
    meetings than a patch takes were saved since: a refresh reading "what was saved since the
    oldest build" would find them every time and check every feed. The sweep's check finds it
    current and says so: the next edit patches again."""
    monkeypatch.setattr(services, "PATCH_MAX_MEETINGS", 2)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Meeting.objects.update(updated_at=an_hour_ago)
    AgendaTopic.objects.update(updated_at=an_hour_ago)
    feeds_sweep()
    time_machine.move_to(timezone.now() + timedelta(hours=1), tick=True)
    # The day's other edits: meetings the OMS feed does not hold (it is not rebuilt).
    without_oms = Meeting.objects.exclude(meetings_for_system(code="oms"))
    assert without_oms.count() >= 3
    for meeting in without_oms[:3]:
        with django_capture_on_commit_callbacks(execute=True):
            meeting.title = f"{meeting.title} (edited)"
            meeting.save()
    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=True)
    assert "all?system=oms" not in feeds_sweep()  # the periodic catch-up, minutes later
    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=True)
    checked = []
    monkeypatch.setattr(services, "_refresh_one", lambda feed, **kw: checked.append(feed.key))
    _one_title_edit(signalled, django_capture_on_commit_callbacks)

    rebuilt = feeds_refresh_for_meetings(**signalled)

    assert checked == []
    assert "all?system=oms" not in rebuilt


def test_a_meeting_moved_to_another_program_leaves_the_feed_of_the_one_it_left_at_once(
    built_feeds, django_capture_on_commit_callbacks, signalled
):
    """Found from outside: the moved meeting stayed in its old program's feed until the sweep
    (up to 5 minutes), with its old program and time, beside its copy in the new one."""
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    uid = str(meeting.uid).encode()
    assert uid in feed_content(StoredFeed.objects.get(key="tug"))
    signalled["meeting_ids"].clear()
    signalled["program_ids"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting.program = Program.objects.get(slug="cpg")
        meeting.save()

    rebuilt = feeds_refresh_for_meetings(**signalled)

    assert {"tug", "cpg"} <= set(rebuilt)
    assert uid not in feed_content(StoredFeed.objects.get(key="tug"))
    assert uid in feed_content(StoredFeed.objects.get(key="cpg"))


def _etags() -> dict[str, str]:
    return dict(StoredFeed.objects.values_list("key", "etag"))


@pytest.mark.parametrize("program", ["tug", "cpg"])
def test_an_edit_that_changes_a_programs_next_meeting_leaves_no_feed_behind_for_the_sweep(
    program, built_feeds, django_capture_on_commit_callbacks, signalled, time_machine
):
    """Cancelling a program's next meeting changes what that program's feeds and the
    all-programs ones name as next: the edit's refresh rebuilds them. The other program's feeds
    and the systems' feeds name no meeting of it (a system's feed names its own next one): the
    sweep minutes later finds every feed current. (Their data versions held every program's
    next meeting: the sweep rebuilt them all, whole, to the bytes they had.)"""
    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=False)
    assert feeds_sweep() == []
    next_meeting = meetings_next_by_program()[Program.objects.get(slug=program).pk]
    etags = _etags()
    with django_capture_on_commit_callbacks(execute=True):
        next_meeting.status = Meeting.Status.CANCELLED
        next_meeting.save()
    feeds_refresh_for_meetings(**signalled)  # the task the signal queues
    changed = {key for key, etag in _etags().items() if etags[key] != etag}
    assert {program, "all"} <= changed

    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=False)
    assert feeds_sweep() == []


def test_a_renamed_systems_feeds_that_hold_no_meeting_are_rebuilt_by_the_edits_refresh(
    built_feeds, django_capture_on_commit_callbacks, signalled, time_machine
):
    """A system's feed names the system ("Meetings with topics on OMS (Outage Management
    System)"). Renamed, the feeds holding one of its meetings were patched; those holding
    none (another program's, or none yet) kept the old name, through every sweep: nothing in
    their data version named the system. Found from outside."""
    system = System.objects.create(code="EMS", name="Energy Management System")
    feeds_sweep()  # its default feeds (all programs: recent, archive)
    feed_build(spec=FeedSpec(program="cpg", system="ems"))  # asked for by someone
    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        system.name = "Energy Management System Two"
        system.save()
    assert signalled["system_ids"] == {system.pk}
    rebuilt = feeds_refresh_for_meetings(**signalled)

    assert sorted(rebuilt) == ["all?system=ems", "all?system=ems&history=all", "cpg?system=ems"]
    for key in rebuilt:
        assert b"Energy Management System Two" in feed_content(StoredFeed.objects.get(key=key))
    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=False)
    assert feeds_sweep() == []


def test_a_programs_new_description_reaches_its_feeds_by_the_saves_refresh_and_no_other_feed(
    built_feeds, django_capture_on_commit_callbacks, signalled, time_machine
):
    """A program's feed describes the program. Its save changed no meeting's calendar, so the
    core told no one and the feeds kept the old text until the sweep, which then rebuilt every
    feed of every program (each data version held every program's last save). Found from
    outside."""
    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=False)
    etags = _etags()
    program = Program.objects.get(slug="cpg")

    with django_capture_on_commit_callbacks(execute=True):
        program.description = "A new description of the CPG."
        program.save()
    assert signalled["program_ids"] == {program.pk}
    feeds_refresh_for_meetings(**signalled)

    changed = {key for key, etag in _etags().items() if etags[key] != etag}
    assert changed == {"cpg", "cpg?history=all"}
    for key in changed:
        assert b"A new description of the CPG." in feed_content(StoredFeed.objects.get(key=key))
    time_machine.move_to(timezone.now() + timedelta(minutes=3), tick=False)
    assert feeds_sweep() == []


def _one_title_edit(signalled, capture_on_commit) -> None:
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    signalled["meeting_ids"].clear()
    signalled["program_ids"].clear()
    with capture_on_commit(execute=True):
        meeting.title = "Renamed once more"
        meeting.save()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's parameter binding")
def test_a_patched_feeds_bytes_never_travel_inside_the_sql_text(
    built_feeds, django_capture_on_commit_callbacks, signalled
):
    """Django's psycopg backend binds on the client: the feed's megabytes would be sent as a
    hex literal in the statement, for the server to parse back. They go as a binary parameter
    (a statement Django does not see), and still reach the row."""
    _one_title_edit(signalled, django_capture_on_commit_callbacks)
    calendar_hex = b"BEGIN:VCALENDAR".hex()

    with CaptureQueriesContext(connection) as queries:
        rebuilt = feeds_refresh_for_meetings(**signalled)

    assert {"all", "all?history=all", "tug", "tug?history=all"} <= set(rebuilt)
    assert not [query for query in queries if calendar_hex in query["sql"].lower()]
    for key in rebuilt:
        feed = StoredFeed.objects.get(key=key)
        assert feed.etag == content_etag(feed_content(feed))
    archive = feed_content(StoredFeed.objects.get(key="all?history=all"))
    assert b"Renamed once more" in archive.replace(b"\r\n ", b"")  # unfolded


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's parameter binding")
def test_a_cold_builds_event_pieces_never_travel_inside_the_sql_text(built_feeds):
    """The cold build stores every event's piece: as binary parameters, not hex literals in the
    statements' text (row 3c), and each piece is what a build reads back."""
    event_store.forget_all()
    through_django = []  # bytes parameters given to Django's cursors (bound on the client)

    def watch(execute, sql, params, many, context):
        rows = (params or []) if many else [params or []]
        if any(isinstance(value, bytes | memoryview) for row in rows for value in row):
            through_django.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        first = feed_content(feed_build(spec=FeedSpec(full_history=True)))

    assert not [sql for sql in through_django if "calendars_storedevent" in sql]
    assert StoredEvent.objects.count() == first.count(b"BEGIN:VEVENT")
    event_store.forget_held()  # another process: only the stored pieces
    assert feed_content(feed_build(spec=FeedSpec(full_history=True))) == first


def test_a_feeds_head_and_layout_parts_are_stored_where_reading_them_costs_least(built_feeds):
    """SQLite: the head is the row's last column, so reading the ETag or the layout does not
    walk its overflow pages. PostgreSQL: a part's entries are stored uncompressed (rewritten
    whole on every change of the part, compressing them cost more than it saved)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = %s::regclass "
                "AND attname = 'entries'",
                [StoredFeedPart._meta.db_table],
            )
            assert dict(cursor.fetchall()) == {"entries": "e"}
        else:
            cursor.execute(f"PRAGMA table_info({StoredFeed._meta.db_table})")
            columns = [row[1] for row in cursor.fetchall()]
            assert columns[-1] == "head"


def test_a_patch_reads_no_feeds_head(built_feeds, django_capture_on_commit_callbacks, signalled):
    """A one-edit refresh writes the feeds' heads but never reads them back (nor the layout
    parts it holds already)."""
    _one_title_edit(signalled, django_capture_on_commit_callbacks)
    content = connection.ops.quote_name("head")

    with CaptureQueriesContext(connection) as queries:
        feeds_refresh_for_meetings(**signalled)

    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert selects
    assert not [sql for sql in selects if f".{content}" in sql and "storedfeed" in sql]
    assert not [sql for sql in selects if StoredFeedPart._meta.db_table in sql]
    # Nor a stored piece for the meeting it read afresh: just edited, none is stored yet.
    assert not [sql for sql in selects if StoredEvent._meta.db_table in sql]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's binary write")
def test_a_failed_binary_write_raises_djangos_database_error(built_feeds):
    """The bytes' UPDATE runs on a psycopg cursor of its own: a failure there must reach the
    caller as Django's exception (the tasks' retry idiom catches `django.db.OperationalError`,
    never psycopg's), and roll back as any other statement's would."""
    from django.db import OperationalError, transaction

    with connection.cursor() as cursor:  # a trigger that fails the bytes' write alone
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no trigger event left pending
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse_entries() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION USING ERRCODE = 'query_canceled'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_entries BEFORE INSERT OR UPDATE "
            "ON calendars_storedfeedpart "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_entries()"
        )
    before = StoredFeed.objects.get(key="all?history=all").current_at

    with pytest.raises(OperationalError), transaction.atomic():
        feed_build(spec=FeedSpec(full_history=True), now=timezone.now() + timedelta(days=1))

    assert StoredFeed.objects.get(key="all?history=all").current_at == before


# --- A layout kept in parts, one per year ---------------------------------------------------------


def _parts() -> dict[tuple[str, int], bytes]:
    """{(feed key, year): entries} of every stored layout part."""
    rows = StoredFeedPart.objects.values_list("feed__key", "year", "entries")
    return {(key, year): bytes(entries) for key, year, entries in rows}


def _contents(keys) -> dict[str, bytes]:
    return {feed.key: feed_content(feed) for feed in StoredFeed.objects.filter(key__in=keys)}


def _archive_saved_an_hour_ago() -> None:
    """As a real archive is (what was saved in the last minute is read again by a patch), its
    feeds built since."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Meeting.objects.update(updated_at=an_hour_ago)
    AgendaTopic.objects.update(updated_at=an_hour_ago)
    feeds_sweep()


def test_a_patch_rewrites_only_the_year_its_meeting_is_in_of_each_feed_holding_it(
    built_feeds, django_capture_on_commit_callbacks, signalled
):
    """One edit rewrites one part per feed holding the meeting (a year's entries), not the
    archive's layout (hundreds of kilobytes per feed, rewritten whole until the fifteenth
    session)."""
    _archive_saved_an_hour_ago()
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    year = meeting.starts_at.astimezone(UTC).year
    before = _parts()
    assert len({y for _, y in before}) > 1  # the demo spans several years
    signalled["meeting_ids"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting.title = "Renamed"
        meeting.save()

    rebuilt = feeds_refresh_for_meetings(**signalled)

    after = _parts()
    changed = {part for part in after if after[part] != before.get(part)}
    assert set(rebuilt) == {"all", "all?history=all", "tug", "tug?history=all"}
    assert changed == {(key, year) for key in rebuilt}
    assert set(after) == set(before)


def test_a_meeting_moved_to_another_year_leaves_one_part_for_another_as_a_full_build_would(
    built_feeds, django_capture_on_commit_callbacks, signalled
):
    _archive_saved_an_hour_ago()
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    old_year = meeting.starts_at.astimezone(UTC).year
    signalled["meeting_ids"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting.starts_at += timedelta(days=366)
        meeting.ends_at += timedelta(days=366)
        meeting.save()
    new_year = meeting.starts_at.astimezone(UTC).year

    rebuilt = feeds_refresh_for_meetings(**signalled)

    assert set(rebuilt) == {"all", "all?history=all", "tug", "tug?history=all"}
    after = _parts()
    for key in rebuilt:
        holds = [line for line in after.get((key, new_year), b"").split(b"\n") if line]
        assert any(line.startswith(f"[{meeting.pk},".encode()) for line in holds), key
        held_before = after.get((key, old_year), b"").split(b"\n")
        assert not any(line.startswith(f"[{meeting.pk},".encode()) for line in held_before)
    patched = _contents(rebuilt)
    event_store.forget_all()  # the full builds write every event again
    specs = {spec.key: spec for spec in _specs()}
    for key in rebuilt:
        assert patched[key] == feed_content(feed_build(spec=specs[key])), key


def test_the_feeds_one_edit_rebuilds_are_published_in_two_cache_calls(
    built_feeds, django_capture_on_commit_callbacks, signalled, monkeypatch
):
    """Their validators together, and the bytes they replace gone together: two round trips to
    Redis for the refresh, not two per feed."""
    from tug_portal.calendars import feed_store

    calls = []
    real = feed_store.cache

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(real, name)

    _archive_saved_an_hour_ago()
    _one_title_edit(signalled, django_capture_on_commit_callbacks)
    monkeypatch.setattr(feed_store, "cache", Counting())

    with django_capture_on_commit_callbacks(execute=True):
        rebuilt = feeds_refresh_for_meetings(**signalled)

    assert len(rebuilt) == 4
    assert calls == ["set_many", "delete_many"]


def test_a_feed_whose_layout_a_refresh_read_without_its_pieces_is_still_served(
    built_feeds, django_capture_on_commit_callbacks, signalled
):
    """A process that read the layouts of feeds an edit did not touch holds them without their
    pieces (they are looked up only for a feed it patches); a request for such a feed's bytes
    in that process (tasks run in the web process when eager) assembles them from the table."""
    from tug_portal.calendars.layout_store import forget_held_layouts, held_layout

    _archive_saved_an_hour_ago()
    feeds = {feed.key: feed for feed in StoredFeed.objects.all()}
    expected = {key: feed_content(feed) for key, feed in feeds.items()}
    forget_held_layouts()  # another process: layouts read from their parts
    _one_title_edit(signalled, django_capture_on_commit_callbacks)

    rebuilt = feeds_refresh_for_meetings(**signalled)

    read = [
        feed
        for key, feed in feeds.items()
        if key not in rebuilt and held_layout(key, feed.layout["token"]) and feed.event_count
    ]
    assert read  # the system feeds a TUG edit may touch, left alone
    for feed in read:
        assert not held_layout(feed.key, feed.layout["token"]).has_pieces
        assert feed_content(feed) == expected[feed.key]
