import gzip
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from tests.calendars.parsers import parse_events
from tug_portal.calendars import event_store, feed_store
from tug_portal.calendars import selectors as calendar_selectors
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.ics_responses import CHUNK_SIZE
from tug_portal.calendars.layout_store import forget_held_layouts
from tug_portal.calendars.models import StoredFeed
from tug_portal.calendars.services import feed_build, feeds_refresh_for_meetings
from tug_portal.meetings.models import AgendaTopic, Meeting, Program
from tug_portal.meetings.services import meeting_create

pytestmark = pytest.mark.usefixtures("no_aup")


def _body(response) -> bytes:
    body = b"".join(response.streaming_content)
    return gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body


def test_program_feed_is_served_as_text_calendar_with_validators(built_feeds, client):
    feed = StoredFeed.objects.get(key="tug")

    response = client.get("/calendar/tug.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["ETag"] == f'"{feed.etag}"'
    assert response["Last-Modified"] == http_date(feed.content_changed_at.timestamp())
    assert response["Content-Disposition"] == 'attachment; filename="tug.ics"'
    assert response["Vary"] == "Accept-Encoding"
    assert "Access-Control-Allow-Origin" not in response
    assert _body(response) == feed_content(feed)


def test_conditional_get_with_current_etag_is_304_without_queries(
    built_feeds, client, django_assert_num_queries
):
    etag = client.get("/calendar/tug.ics")["ETag"]

    with django_assert_num_queries(0):
        response = client.get("/calendar/tug.ics", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response["ETag"] == etag


def test_full_get_of_a_feed_this_process_served_before_costs_no_query(
    built_feeds, client, django_assert_num_queries
):
    client.get("/calendar/tug.ics")

    with django_assert_num_queries(0):
        response = client.get("/calendar/tug.ics")

    assert response.status_code == 200
    assert _body(response) == feed_content(StoredFeed.objects.get(key="tug"))


def test_first_full_get_after_a_build_reads_the_row_once_then_the_cache(
    built_feeds, client, django_assert_num_queries
):
    # A build stores the feed's head and layout; the first request assembles the bytes (the
    # events are held by this process, which built them) and puts them in the cache.
    feed = StoredFeed.objects.get(key="tug")

    with django_assert_num_queries(1):
        first = client.get("/calendar/tug.ics")
    feed_store._held_feeds.clear()  # another web process: only the cache holds them
    with django_assert_num_queries(0):
        response = client.get("/calendar/tug.ics")

    for answer in (first, response):
        assert answer.status_code == 200
        assert _body(answer) == feed_content(feed)
        assert answer["ETag"] == f'"{feed.etag}"'


def test_full_get_when_the_cache_lost_the_feed_reads_the_stored_row_once(
    built_feeds, client, django_assert_num_queries
):
    feed = StoredFeed.objects.get(key="tug")
    cache.clear()

    with django_assert_num_queries(1):
        response = client.get("/calendar/tug.ics")

    assert _body(response) == feed_content(feed)
    assert feed_store.feed_validators("tug") == feed_store.Validators.of(
        feed.etag, feed.content_changed_at
    )


def test_304_to_the_etag_this_process_just_served_needs_no_cache_read(
    built_feeds, client, django_assert_num_queries
):
    etag = client.get("/calendar/tug.ics")["ETag"]
    cache.clear()

    with django_assert_num_queries(0):
        response = client.get("/calendar/tug.ics", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert feed_store.feed_validators("tug") is None


def test_304_once_the_recent_validators_expired_reads_them_again(
    built_feeds, client, monkeypatch, django_assert_num_queries
):
    etag = client.get("/calendar/tug.ics")["ETag"]
    monkeypatch.setattr(feed_store, "RECENT_VALIDATORS_SECONDS", 0)
    feed_store.feed_publish(StoredFeed.objects.get(key="tug"))  # a rebuild, remembered expired
    cache.clear()

    # The cache lost the validators: is there such a feed (one small query, what a URL naming
    # nothing costs), then the stored row.
    with django_assert_num_queries(2):
        response = client.get("/calendar/tug.ics", headers={"If-None-Match": etag})

    assert response.status_code == 304


def test_feed_served_after_a_rebuild_is_the_new_one(
    built_feeds, client, django_capture_on_commit_callbacks
):
    before = client.get("/calendar/tug.ics")
    upcoming = Meeting.objects.filter(program__slug="tug", starts_at__gt=datetime.now(UTC))

    with django_capture_on_commit_callbacks(execute=True):
        AgendaTopic.objects.create(meeting=upcoming.first(), order=2, title="OMS Road Map")
        feed_build(spec=FeedSpec(program="tug"))
    after = client.get("/calendar/tug.ics")

    assert after["ETag"] != before["ETag"]
    assert b"- OMS Road Map" in _body(after)


def test_conditional_get_with_if_modified_since_is_304_without_queries(
    built_feeds, client, django_assert_num_queries
):
    last_modified = client.get("/calendar/all.ics?history=all")["Last-Modified"]

    with django_assert_num_queries(0):
        response = client.get(
            "/calendar/all.ics?history=all", headers={"If-Modified-Since": last_modified}
        )

    assert response.status_code == 304


def test_conditional_get_with_old_etag_gets_the_feed(built_feeds, client):
    response = client.get("/calendar/tug.ics", headers={"If-None-Match": '"old"'})

    assert response.status_code == 200


def test_gzip_is_a_plain_gzip_of_the_stored_bytes_and_its_etag_is_its_own(built_feeds, client):
    feed = StoredFeed.objects.get(key="all")

    first = client.get("/calendar/all.ics", headers={"Accept-Encoding": "gzip, br"})
    again = client.get("/calendar/all.ics", headers={"Accept-Encoding": "gzip, br"})

    for response in (first, again):
        body = b"".join(response.streaming_content)
        assert response["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == feed_content(feed)
        assert body[3] == 0  # one member, no file name or comment: a plain gzip
        assert response["ETag"] == f'"{feed.etag}-gz"'
        assert response["Content-Length"] == str(len(body))


def test_gzip_etag_also_validates_for_304(built_feeds, client, django_assert_num_queries):
    etag = client.get("/calendar/all.ics", headers={"Accept-Encoding": "gzip"})["ETag"]

    with django_assert_num_queries(0):
        response = client.get(
            "/calendar/all.ics", headers={"Accept-Encoding": "gzip", "If-None-Match": f"W/{etag}"}
        )

    assert response.status_code == 304


def test_long_feed_streams_in_chunks(demo, client):
    program = Program.objects.get(slug="tug")
    first = datetime(2031, 1, 1).date()
    for n in range(70):
        meeting_create(program=program, day=first + timedelta(days=n), is_published=True)

    response = client.get("/calendar/tug.ics")

    assert response.streaming
    chunks = list(response.streaming_content)
    assert [len(chunk) for chunk in chunks[:-1]] == [CHUNK_SIZE] * (len(chunks) - 1)
    assert len(chunks) >= 2
    assert len(parse_events(b"".join(chunks))) == 74


def test_system_filter_serves_only_meetings_on_that_system(built_feeds, seed, client):
    response = client.get("/calendar/all.ics?system=DRRS&history=all")

    assert response.status_code == 200
    assert list(parse_events(_body(response))) == [f"{seed.uid}@tug-portal"]
    assert response["Content-Disposition"] == 'attachment; filename="all-drrs-archive.ics"'


def test_never_built_combination_is_built_on_its_first_request(built_feeds, seed, client):
    response = client.get("/calendar/tug.ics?system=oms&history=all")

    assert response.status_code == 200
    assert list(parse_events(_body(response))) == [f"{seed.uid}@tug-portal"]
    assert StoredFeed.objects.filter(key="tug?system=oms&history=all").exists()


@pytest.mark.parametrize(
    ("url", "same_as"),
    [
        ("/calendar/TUG.ics", "/calendar/tug.ics"),
        ("/calendar/Tug.ics?system=oms", "/calendar/tug.ics?system=OMS"),
        ("/calendar/all.ics?system=Drrs&history=all", "/calendar/all.ics?system=DRRS&history=all"),
    ],
)
def test_a_feed_url_in_any_case_is_served_not_redirected_from_the_one_stored_feed(
    built_feeds, client, url, same_as
):
    """A subscribed URL keeps working as it was typed: no redirect (not every calendar client
    follows one or updates its subscription), and one stored feed for every spelling."""
    feeds = StoredFeed.objects.count()

    asked, canonical = client.get(url), client.get(same_as)

    assert asked.status_code == 200
    assert _body(asked) == _body(canonical)
    assert asked["ETag"] == canonical["ETag"]
    assert asked["Content-Disposition"] == canonical["Content-Disposition"]
    assert StoredFeed.objects.count() == feeds + (1 if "Tug" in url else 0)


def test_drafts_never_appear_in_served_feeds(demo, client):
    draft = meeting_create(program=Program.objects.get(slug="tug"), day=datetime(2031, 3, 4).date())

    response = client.get("/calendar/tug.ics")

    assert f"{draft.uid}@tug-portal" not in parse_events(_body(response))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/calendar/all.ics?history=forever", "history can only be 'all' (the whole archive)."),
        ("/calendar/all.ics?system=%3Cscript%3E", "system must be a system code such as DRRS."),
        (
            "/calendar/tug.ics?alarm=soon",
            "alarm takes up to 4 numbers of minutes before the meeting, from 0 to 40320, "
            "e.g. ?alarm=30 or ?alarm=1440,15.",
        ),
        (
            "/calendar/tug.ics?alarm=1,2,3,4,5",
            "alarm takes up to 4 numbers of minutes before the meeting, from 0 to 40320, "
            "e.g. ?alarm=30 or ?alarm=1440,15.",
        ),
    ],
)
def test_bad_query_is_a_400_that_says_why(demo, client, url, message):
    response = client.get(url)

    assert response.status_code == 400
    assert response.content.decode() == message


@pytest.mark.parametrize("url", ["/calendar/nope.ics", "/calendar/all.ics?system=NOPE"])
def test_unknown_program_or_system_is_404(demo, client, url):
    assert client.get(url).status_code == 404


def test_alarms_are_added_to_every_event_but_cancelled_ones(
    demo, client, django_capture_on_commit_callbacks
):
    upcoming = Meeting.objects.filter(program__slug="tug", starts_at__gt=datetime.now(UTC))
    Meeting.objects.filter(pk=upcoming.first().pk).update(status=Meeting.Status.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        feed_build(spec=FeedSpec(program="tug"))

    response = client.get("/calendar/tug.ics?alarm=30,1440")

    body = _body(response).decode()
    assert body.count("BEGIN:VEVENT") == 4
    assert body.count("STATUS:CANCELLED") == 1
    assert body.count("BEGIN:VALARM") == 6
    assert "TRIGGER:-PT1440M\r\nEND:VALARM\r\nBEGIN:VALARM\r\nACTION:DISPLAY" in body
    assert response["ETag"].endswith('-a1440-a30"')
    assert len(parse_events(body.encode())) == 4


def test_one_meeting_calendar_is_served_for_download(seed, client):
    response = client.get("/meetings/tug-2018-10-16.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tug-2018-10-16.ics"'
    assert list(parse_events(_body(response))) == [f"{seed.uid}@tug-portal"]


def test_one_meeting_calendar_typed_in_another_case_is_moved_with_its_alarm(seed, client):
    # As an agenda prints it: the meeting's page moved there, its calendar was a 404.
    response = client.get("/meetings/TUG-2018-10-16.ics", {"alarm": "30"})

    assert response.status_code == 301
    assert response["Location"] == "/meetings/tug-2018-10-16.ics?alarm=30"
    assert client.get("/meetings/TUG-2099-01-01.ics").status_code == 404


def test_one_meeting_calendar_304_without_queries_once_cached(
    seed, client, django_assert_num_queries
):
    etag = client.get("/meetings/tug-2018-10-16.ics")["ETag"]

    with django_assert_num_queries(0):
        response = client.get("/meetings/tug-2018-10-16.ics", headers={"If-None-Match": etag})

    assert response.status_code == 304


def test_a_one_meeting_calendar_cached_before_a_deploy_that_changed_the_output_is_built_again(
    seed, client, monkeypatch
):
    """The cache outlives a deploy (Redis): a one-meeting calendar the old code wrote is not
    served by a release whose calendars differ (`BUILD_FORMAT`, `EVENT_FORMAT` bumped)."""
    before = client.get("/meetings/tug-2018-10-16.ics")
    monkeypatch.setattr(calendar_selectors, "BUILD_FORMAT", "next-release")

    with CaptureQueriesContext(connection) as built:
        after = client.get(
            "/meetings/tug-2018-10-16.ics", headers={"If-None-Match": before["ETag"]}
        )

    assert built.captured_queries  # built, not the cached answer
    assert after.status_code == 304  # the same bytes: subscribers download nothing


def test_draft_meeting_calendar_is_404_for_public_and_private_for_staff(demo, client):
    draft = meeting_create(
        program=Program.objects.get(slug="tug"), day=datetime(2031, 3, 4).date(), slug="draft"
    )
    public = client.get("/meetings/draft.ics")
    client.force_login(User.objects.create_user("staff", is_staff=True))

    staff = client.get("/meetings/draft.ics")

    assert public.status_code == 404
    assert staff.status_code == 200
    assert staff["Cache-Control"] == "private, no-store"
    assert list(parse_events(_body(staff))) == [f"{draft.uid}@tug-portal"]


def test_one_meeting_calendar_follows_an_edit(seed, client, django_capture_on_commit_callbacks):
    before = client.get("/meetings/tug-2018-10-16.ics")["ETag"]

    with django_capture_on_commit_callbacks(execute=True):
        seed.title = "Technology User Group (extended)"
        seed.save()
    after = client.get("/meetings/tug-2018-10-16.ics")

    assert after["ETag"] != before
    assert b"SUMMARY:TUG: Technology User Group (extended)" in _body(after)


def test_help_page_lists_subscribe_links_for_every_program(demo, client, settings):
    settings.SITE_URL = "https://portal.example.org"

    response = client.get("/calendar/help/")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'href="webcal://portal.example.org/calendar/all.ics"' in content
    assert 'href="webcal://portal.example.org/calendar/tug.ics"' in content
    assert 'href="webcal://portal.example.org/calendar/cpg.ics"' in content
    assert (
        "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fportal.example.org"
        "%2Fcalendar%2Fcpg.ics"
    ) in content
    assert "<script>" not in content
    assert "style=" not in content


def test_help_page_lists_a_feed_for_each_system_with_its_reminders(client, db):
    from tug_portal.meetings.models import System

    System.objects.create(code="DRRS", name="Demand Response Registration System")
    System.objects.create(code="OMS", name="Outage Management System")

    body = client.get("/calendar/help/").content.decode()

    for code in ("DRRS", "OMS"):
        assert f"{code}: " in body
        assert f"/calendar/all.ics?system={code}</code>" in body
        assert f'href="webcal://127.0.0.1:8000/calendar/all.ics?system={code}"' in body
        assert f'href="/subscriptions/new/?system={code}"' in body


# --- A feed's bytes are not stored whole: its head and layout are, and each event once ---------


def _forget_this_process():
    """Another web process, that never built nor served the feed: nothing held here."""
    feed_store._held_feeds.clear()
    feed_store._recent_validators.clear()
    event_store.forget_held()
    forget_held_layouts()


def test_a_stored_feed_row_holds_its_head_and_layout_not_its_events_bytes(built_feeds):
    # An edit rewrote every feed holding the meeting whole: megabytes a save for an archive.
    # The events are stored once each (StoredEvent); a feed row keeps what assembles them.
    feed = StoredFeed.objects.get(key="all?history=all")
    content = feed_content(feed)
    row = StoredFeed.objects.filter(pk=feed.pk).values().get()
    stored = sum(len(value) for value in row.values() if isinstance(value, bytes | memoryview))

    assert content.count(b"BEGIN:VEVENT") == feed.event_count >= 10
    assert stored < len(content) / 3


def test_a_feed_the_cache_lost_is_served_as_built_assembled_from_its_stored_events(
    built_feeds, client, django_assert_max_num_queries
):
    feed = StoredFeed.objects.get(key="all?history=all")
    built = feed_content(feed)
    cache.clear()
    _forget_this_process()

    with django_assert_max_num_queries(3):  # the row, its layout's parts, the events
        response = client.get("/calendar/all.ics?history=all")

    assert response.status_code == 200
    assert _body(response) == built
    assert response["ETag"] == f'"{feed.etag}"'
    assert StoredFeed.objects.get(pk=feed.pk).content_changed_at == feed.content_changed_at


def test_a_feed_whose_events_moved_on_since_its_build_is_built_again_when_the_cache_lost_it(
    built_feeds, client
):
    # The meeting's new event is stored by another feed's build before this feed's refresh
    # ran: the stored layout no longer assembles, so the request builds the feed afresh.
    meeting = Meeting.objects.get(slug="tug-2018-10-16")
    Meeting.objects.filter(pk=meeting.pk).update(title="Renamed in between")
    meeting.refresh_from_db()
    from tug_portal.meetings.services import meetings_sync_calendar_state

    meetings_sync_calendar_state(meetings=Meeting.objects.filter(pk=meeting.pk))
    feed_build(spec=FeedSpec(program="tug", full_history=True))
    cache.clear()
    _forget_this_process()

    response = client.get("/calendar/all.ics?history=all")

    assert response.status_code == 200
    body = _body(response)
    assert b"Renamed in between" in body
    assert response["ETag"] == f'"{StoredFeed.objects.get(key="all?history=all").etag}"'


def test_one_meeting_calendar_keeps_its_bytes_under_its_etag_when_built_again_later(
    seed, client, time_machine
):
    # Its DTSTAMP was the moment it was built: the cache entry gone (any edit, an hour, a
    # cache loss), the same ETag came back with other bytes.
    first = client.get("/meetings/tug-2018-10-16.ics")
    cache.clear()
    time_machine.shift(timedelta(minutes=7))

    again = client.get("/meetings/tug-2018-10-16.ics")

    assert again["ETag"] == first["ETag"]
    assert _body(again) == _body(first)


def test_a_feed_whose_bytes_the_cache_cannot_take_back_is_served_all_the_same(
    built_feeds, client, monkeypatch, caplog
):
    # The file cache's temporary file deleted under it (an operator's rm var/cache/*), Redis
    # gone: putting the assembled bytes back failed the request with a 500.
    feed = StoredFeed.objects.get(key="tug")
    built = feed_content(feed)
    cache.clear()
    _forget_this_process()

    def refuse(*args, **kwargs):
        raise FileNotFoundError("var/cache/tmp0000")

    monkeypatch.setattr(cache, "add", refuse)
    monkeypatch.setattr(cache, "set", refuse)
    response = client.get("/calendar/tug.ics", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert _body(response) == built
    assert "not put back in the cache" in caplog.text


def _served_then_renamed_by_the_worker(client, capture_on_commit, title):
    """This web process serves the TUG feed, then the worker publishes an edit's feed; the
    process still trusts the validators it served (a moment old). Returns them."""
    old = feed_store.feed_validators("tug")
    client.get("/calendar/tug.ics")
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    with capture_on_commit(execute=True):
        meeting.title = title
        meeting.save()
    with capture_on_commit(execute=True):  # the worker's task
        feeds_refresh_for_meetings(meeting_ids=[meeting.pk], program_ids=[meeting.program_id])
    assert feed_store.feed_validators("tug") != old
    feed_store._remember("tug", old)  # a web process that did not publish
    return old


def test_a_gzip_download_moments_after_an_edit_leaves_the_new_feed_in_the_cache(
    built_feeds, client, django_capture_on_commit_callbacks
):
    # This web process read the validators a moment before the worker published the edit's:
    # its first gzip request put those old validators and bytes back in the cache, and every
    # process served the replaced feed until the sweep.
    old = _served_then_renamed_by_the_worker(
        client, django_capture_on_commit_callbacks, "Renamed by the worker"
    )
    new = _row_validators("tug")

    client.get("/calendar/tug.ics", headers={"Accept-Encoding": "gzip"})

    assert feed_store.feed_validators("tug") == new
    assert cache.get(feed_store._feed_content_cache_key("tug", old.etag)) is None
    fresh = client.get("/calendar/tug.ics", headers={"If-None-Match": f'"{old.etag}"'})
    assert fresh.status_code == 200
    assert b"Renamed by the worker" in _body(fresh)


def test_an_oversized_if_none_match_is_a_full_answer_without_parsing_it(
    built_feeds, client, monkeypatch
):
    # 8 KB of commas took Django's parse_etags 10 ms, twice a request, past every budget.
    from tug_portal.calendars import ics_responses

    parsed, parse_etags = [], ics_responses.parse_etags
    monkeypatch.setattr(
        ics_responses, "parse_etags", lambda value: parsed.append(value) or parse_etags(value)
    )
    etag = client.get("/calendar/tug.ics")["ETag"]

    response = client.get("/calendar/tug.ics", headers={"If-None-Match": "," * 8100 + etag})
    listed = client.get("/calendar/tug.ics", headers={"If-None-Match": f'"other", {etag}'})

    assert response.status_code == 200
    assert listed.status_code == 304
    assert len(parsed) == 1  # the short list only


def test_a_download_with_validators_a_moment_old_does_not_put_them_back_in_an_emptied_cache(
    built_feeds, client, django_capture_on_commit_callbacks
):
    # The cache lost the edit's validators (cleaned, evicted, restarted) within the moment this
    # process trusts its own: a gzip download wrote those old ones back, and every process
    # served the replaced feed until the sweep.
    old = _served_then_renamed_by_the_worker(
        client, django_capture_on_commit_callbacks, "Renamed before the cache was lost"
    )
    cache.clear()

    client.get("/calendar/tug.ics", headers={"Accept-Encoding": "gzip"})

    assert feed_store.feed_validators("tug") in (None, _row_validators("tug"))
    assert cache.get(feed_store._feed_content_cache_key("tug", old.etag)) is None
    feed_store._recent_validators.clear()  # another process
    fresh = client.get("/calendar/tug.ics")
    assert b"Renamed before the cache was lost" in _body(fresh)


def _row_validators(key):
    feed = StoredFeed.objects.get(key=key)
    return feed_store.Validators.of(feed.etag, feed.content_changed_at)


def test_a_request_that_read_the_row_just_before_a_refresh_committed_serves_the_new_feed(
    built_feeds, client, monkeypatch, django_capture_on_commit_callbacks
):
    """A request read the feed's row (head, ETag, layout), then a refresh committed a new
    layout before the request read its parts: what it assembles matches neither. It reads the
    row again and serves the new feed; it does not build the feed itself (the whole archive,
    in a request, while the worker has just done it)."""
    from tug_portal.calendars import serving

    stale = StoredFeed.objects.get(key="tug")
    meeting = Meeting.objects.published().filter(program__slug="tug").order_by("-starts_at")[0]
    said = {"meeting_ids": {meeting.pk}, "program_ids": {meeting.program_id}}
    with django_capture_on_commit_callbacks(execute=True):
        meeting.title = "Renamed between two reads"
        meeting.save()
    with django_capture_on_commit_callbacks(execute=True):
        feeds_refresh_for_meetings(**said)
    forget_held_layouts()
    cache.clear()
    rows = iter([stale])
    monkeypatch.setattr(
        serving, "stored_feed_get", lambda key: next(rows, None) or StoredFeed.objects.get(key=key)
    )

    def no_build(**kwargs):
        raise AssertionError("built in the request")

    monkeypatch.setattr(serving.services, "feed_build", no_build)

    response = client.get("/calendar/tug.ics")

    assert response.status_code == 200
    assert b"Renamed between two reads" in _body(response)
    assert response["ETag"] == f'"{StoredFeed.objects.get(key="tug").etag}"'
