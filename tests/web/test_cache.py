"""The page cache for anonymous visitors (tug_portal/web/cache.py): a repeated visit costs no
query, whatever junk parameters or made-up session cookie it carries; staff always get a fresh
page; a page rendered afresh takes a slot of the cap on expensive work, a stored one none; an
edit shows at once; htmx fragments and whole pages are stored apart; per-response headers are
fresh on every hit."""

import gzip
from datetime import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.demo import DAY_AFTER_SEED
from tests.web.support import is_fragment, text_of
from tug_portal.common import slots
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import AgendaTopic, Announcement, Meeting, StayConnectedLink
from tug_portal.web.cache import CONTENT_VERSION_KEY

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/programs/tug/", "/meetings/tug-2018-10-16/", "/announcements/"]
HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_second_anonymous_visit_is_served_without_a_query(
    client, demo, django_assert_num_queries, path
):
    first = client.get(path)

    with django_assert_num_queries(0):
        second = client.get(path)

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.cookies == {}


def test_cached_page_gets_fresh_security_headers(client, demo):
    client.get("/meetings/tug-2018-10-16/")

    hit = client.get("/meetings/tug-2018-10-16/")

    assert "default-src 'self'" in hit["Content-Security-Policy"]
    assert hit["X-Frame-Options"] == "DENY"
    assert hit["X-Content-Type-Options"] == "nosniff"
    assert "Cookie" in hit["Vary"]


def test_query_string_order_does_not_matter(client, demo, django_assert_num_queries):
    client.get("/", {"when": "past", "system": "DRRS"})

    with django_assert_num_queries(0):
        response = client.get("/?system=DRRS&when=past")

    assert response.status_code == 200


def test_htmx_fragment_and_whole_page_are_stored_apart(client, demo, django_assert_num_queries):
    page = client.get("/")
    fragment = client.get("/", headers=HTMX)

    with django_assert_num_queries(0):
        page_again = client.get("/")
        fragment_again = client.get("/", headers=HTMX)

    assert not is_fragment(page) and not is_fragment(page_again)
    assert is_fragment(fragment) and is_fragment(fragment_again)
    assert fragment_again.content == fragment.content != page_again.content
    assert "HX-Request" in fragment_again["Vary"]


@pytest.mark.parametrize("value", ["1", "false", "yes", "true ", "x" * 50])
def test_any_htmx_header_value_but_true_gets_the_stored_whole_page(
    client, demo, django_assert_num_queries, value
):
    page = client.get("/")

    with django_assert_num_queries(0):
        answer = client.get("/", headers={"HX-Request": value, "HX-History-Restore-Request": value})

    assert answer.content == page.content


def test_htmx_headers_true_share_one_stored_fragment(client, demo, django_assert_num_queries):
    client.get("/", headers=HTMX)

    with django_assert_num_queries(0):
        again = client.get("/", headers=HTMX)

    assert is_fragment(again)


@pytest.mark.parametrize("extra", ["123", "4711 of", "DRRS", "  drrs  ", "drrs drrs 99"])
def test_numbers_and_short_words_in_a_search_get_the_stored_page(
    client, demo, django_assert_num_queries, extra
):
    stored = client.get("/?when=all&q=drrs")

    with django_assert_num_queries(0):
        response = client.get("/", {"when": "all", "q": f"drrs {extra}"})

    assert response.status_code == 200
    assert response.content == stored.content


def test_a_flood_of_different_searches_pushes_no_ordinary_page_out_of_the_cache(
    client, demo, django_assert_num_queries, settings
):
    # Embedded, the file cache keeps 300 entries and drops a random third past them: 1,500
    # anonymous searches left 1 of 61 stored pages, and while busy their visitors got 503s.
    # Searched pages are kept apart (CACHES["searched_pages"]), within a bound of their own.
    settings.TUG_FAIR_USE_ENABLED = False  # from many addresses, each within its budget
    home = client.get("/")
    program = client.get("/programs/tug/")

    for number in range(350):
        assert client.get("/", {"q": f"zebra{number}x"}).status_code == 200

    with django_assert_num_queries(0):
        assert client.get("/").content == home.content
        assert client.get("/programs/tug/").content == program.content


def test_search_with_no_usable_word_shares_one_page_that_says_so(
    client, demo, django_assert_num_queries
):
    stored = client.get("/?when=all&q=12")

    with django_assert_num_queries(0):
        response = client.get("/?when=all&q=4711")

    assert response.content == stored.content
    assert "4711" not in response.text


def test_staff_never_get_or_make_a_stored_page(client, staff_client, demo):
    # A draft (updated in place: no edit signalled), which staff see listed and the public not.
    Meeting.objects.filter(slug="tug-2018-11-13").update(is_published=False)
    draft = "Tue 13 Nov 2018"

    assert draft in text_of(staff_client.get("/"))
    assert draft not in text_of(client.get("/"))  # the staff page was not stored
    assert draft not in text_of(client.get("/"))  # the public's stored page ...
    assert draft in text_of(staff_client.get("/"))  # ... is not what staff get


def test_made_up_session_cookie_gets_the_stored_page(client, demo):
    stored = client.get("/announcements/")
    client.cookies["sessionid"] = "a-session-nobody-has-logged-in-with"

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/announcements/")

    assert response.status_code == 200
    assert response.content == stored.content
    assert len(queries) <= 1  # looking the session up; the page is not rendered again


def test_malformed_session_cookie_gets_the_stored_page_without_a_query(
    client, demo, django_assert_num_queries
):
    client.get("/")
    client.cookies["sessionid"] = "x"

    with django_assert_num_queries(0):
        response = client.get("/")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "junk", ["&_=1718000000", "&", "&&utm_source=newsletter", "&callback=x&_=2&"]
)
def test_junk_parameters_get_the_stored_page(client, demo, django_assert_num_queries, junk):
    stored = client.get("/?when=past&system=DRRS")

    with django_assert_num_queries(0):
        response = client.get(f"/?when=past{junk}&system=DRRS")

    assert response.status_code == 200
    assert response.content == stored.content


@pytest.mark.parametrize(
    "repeated",
    [
        "/?when=past&system=DRRS&system=DRRS",
        "/?when=past&when=past&when=past&system=DRRS",
        "/?system=API&when=all&when=past&system=DRRS",  # the last of each, as the form reads
    ],
)
def test_repeated_parameters_get_the_stored_page_of_their_last_values(
    client, demo, django_assert_num_queries, repeated
):
    """A parameter given again and again (k copies: a new URL for every k) asks for the page of
    its last value, which is all the view reads: it is served from the page stored for that,
    never rendered afresh (an attacker's copies took the render slots ordinary pages need)."""
    stored = client.get("/?when=past&system=DRRS")

    with django_assert_num_queries(0):
        response = client.get(repeated)

    assert response.status_code == 200
    assert response.content == stored.content


def test_stored_page_never_carries_a_visitors_junk_parameters(client, demo, make_meetings):
    make_meetings(25)

    first = client.get("/?when=past&_=1718000000&tracking=abc")
    plain = client.get("/?when=past")

    assert "1718000000" not in first.text and "tracking" not in first.text
    assert 'href="?when=past&amp;page=2"' in first.text
    assert plain.content == first.content


@pytest.fixture
def one_slot_each(settings):
    settings.TUG_FAIR_USE_SLOTS = {"search": 1, "render": 1}


def test_search_while_every_search_slot_is_taken_is_refused_503_with_retry_after(
    client, demo, one_slot_each
):
    with slots.slot("search"):
        busy = client.get("/?q=drrs", headers={"Accept": "text/html"})
        other_search = client.get("/announcements/?q=outage", headers=HTMX)
    after = client.get("/?q=drrs")

    assert busy.status_code == other_search.status_code == 503
    assert int(busy["Retry-After"]) >= 1
    assert "busy with other searches" in busy.text
    assert "busy with other searches" in other_search.text
    assert after.status_code == 200


def test_stored_pages_are_served_while_every_slot_is_taken(client, demo, one_slot_each):
    client.get("/?q=drrs")
    client.get("/meetings/tug-2018-10-16/")

    with slots.slot("search"), slots.slot("render"):
        search = client.get("/?q=drrs&_=1")
        page = client.get("/meetings/tug-2018-10-16/")
        fresh = client.get("/programs/tug/")

    assert search.status_code == page.status_code == 200
    assert fresh.status_code == 503


def test_a_page_past_its_time_is_served_while_every_render_slot_is_taken(
    client, demo, one_slot_each, time_machine, settings
):
    # A flood of searches holds the render slots when the home page's minute is up: its
    # visitors get the page stored a moment ago, not a 503 (bench row 7 on SQLite saw 503s).
    first = client.get("/")
    time_machine.shift(settings.TUG_WEB_PAGE_CACHE_SECONDS + 1)

    with slots.slot("search"), slots.slot("render"):
        busy = client.get("/")

    assert busy.status_code == 200
    assert busy.content == first.content


def test_a_page_from_before_an_edit_is_never_served_while_busy(
    client, committed_demo, one_slot_each, django_capture_on_commit_callbacks
):
    """Found from outside: while every render slot was taken, a visitor got the page stored
    before an edit, which could show what the edit withdrew. Busy, it is a 503 now; once a
    slot is free, the page as edited."""
    client.get("/meetings/tug-2018-10-16/")
    topic = AgendaTopic.objects.filter(meeting__slug="tug-2018-10-16").order_by("order").first()
    with django_capture_on_commit_callbacks(execute=True):
        topic.title = "DRRS outage window moved"
        topic.save()

    with slots.slot("render"):
        busy = client.get("/meetings/tug-2018-10-16/")
    free = client.get("/meetings/tug-2018-10-16/")

    assert busy.status_code == 503
    assert int(busy["Retry-After"]) >= 1
    assert "DRRS outage window moved" in free.text


def test_an_unpublished_meeting_is_never_served_from_the_store_while_busy(
    client, committed_demo, one_slot_each, django_capture_on_commit_callbacks
):
    pages = ["/meetings/tug-2018-10-30/", "/programs/tug/", "/"]
    for path in pages:
        assert client.get(path).status_code == 200  # stored
    meeting = Meeting.objects.get(slug="tug-2018-10-30")
    with django_capture_on_commit_callbacks(execute=True):
        meeting.is_published = False
        meeting.save()

    with slots.slot("search"), slots.slot("render"):
        busy = [client.get(path) for path in pages]

    assert [response.status_code for response in busy] == [503, 503, 503]


def test_a_stored_page_is_kept_no_longer_than_its_stale_limit(
    client, demo, one_slot_each, time_machine, settings
):
    client.get("/")
    kept = settings.TUG_WEB_PAGE_CACHE_SECONDS + settings.TUG_WEB_PAGE_STALE_SECONDS
    time_machine.shift(kept + 1)

    with slots.slot("search"), slots.slot("render"):
        busy = client.get("/")

    assert busy.status_code == 503


def test_a_search_flood_leaves_the_render_slots_to_pages(client, demo, one_slot_each):
    with slots.slot("search"):
        page = client.get("/programs/tug/")
        other_search = client.get("/?q=oms")
    with slots.slot("render"):
        search = client.get("/?q=drrs")

    assert other_search.status_code == 503
    assert page.status_code == search.status_code == 200


def test_staff_searches_take_no_slot(staff_client, demo, one_slot_each):
    with slots.slot("search"):
        response = staff_client.get("/?q=drrs")

    assert response.status_code == 200


@pytest.fixture
def committed_demo(db, time_machine, django_capture_on_commit_callbacks):
    """The seed data with its on-commit work done, as after a deploy: a later edit is then a
    transaction of its own, whose commit sends `meetings_changed`."""
    time_machine.move_to(DAY_AFTER_SEED, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()


def test_edited_topic_shows_on_the_next_visit(
    client, committed_demo, django_capture_on_commit_callbacks
):
    client.get("/meetings/tug-2018-10-16/")
    topic = AgendaTopic.objects.filter(meeting__slug="tug-2018-10-16").order_by("order").first()

    with django_capture_on_commit_callbacks(execute=True):
        topic.title = "DRRS outage window moved"
        topic.save()
    response = client.get("/meetings/tug-2018-10-16/")

    assert "DRRS outage window moved" in response.text


def test_edits_sequence_does_not_track_show_on_the_next_visit_and_calendar(
    client, committed_demo, django_capture_on_commit_callbacks
):
    # A topic's clock time and text, the meeting's notes: shown on the page and in the
    # one-meeting calendar, though SEQUENCE does not track them. Found by review: the cached
    # page kept them for a minute, the one-meeting .ics for an hour.
    slug = "tug-2018-10-16"
    client.get(f"/meetings/{slug}/")
    client.get(f"/meetings/{slug}.ics")
    meeting = Meeting.objects.get(slug=slug)
    sequence = meeting.calendar_sequence
    topic = meeting.topics.order_by("order").first()

    with django_capture_on_commit_callbacks(execute=True):
        topic.start_time, topic.end_time = time(10, 5), time(10, 25)
        topic.body = "Bring the outage list."
        topic.save()
        meeting.notes = "The room moved to B-12."
        meeting.save()
    page = client.get(f"/meetings/{slug}/")
    calendar = client.get(f"/meetings/{slug}.ics")

    assert "Bring the outage list." in page.text
    assert "The room moved to B-12." in page.text
    assert "10:05-10:25 AM" in b"".join(calendar.streaming_content).decode().replace("\r\n ", "")
    assert Meeting.objects.get(slug=slug).calendar_sequence == sequence


def test_missing_page_is_not_stored(client, demo):
    client.get("/meetings/tug-2099-01-01/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/meetings/tug-2099-01-01/")

    assert response.status_code == 404
    assert len(queries) > 0


def test_page_is_stored_compressed_for_gzip_clients_and_plain_for_others(client, demo):
    gzip_client = {"Accept-Encoding": "gzip, deflate"}
    first = client.get("/", headers=gzip_client)
    plain_first = client.get("/")

    hit = client.get("/", headers=gzip_client)
    plain_hit = client.get("/")

    assert first["Content-Encoding"] == hit["Content-Encoding"] == "gzip"
    assert gzip.decompress(hit.content) == gzip.decompress(first.content) == plain_hit.content
    assert int(hit["Content-Length"]) == len(hit.content)
    assert "Content-Encoding" not in plain_first and "Content-Encoding" not in plain_hit
    assert plain_hit.content == plain_first.content
    assert "Accept-Encoding" in hit["Vary"] and "Accept-Encoding" in plain_hit["Vary"]


def test_published_announcement_shows_on_the_next_visit(
    client, committed_demo, django_capture_on_commit_callbacks
):
    client.get("/announcements/")
    client.get("/")

    with django_capture_on_commit_callbacks(execute=True):
        Announcement.objects.create(
            title="OMS release moved to December", slug="oms-release-moved", is_published=True
        )

    assert "OMS release moved to December" in client.get("/announcements/").text
    assert "OMS release moved to December" in client.get("/").text


def test_edited_stay_connected_link_shows_on_the_next_visit(
    client, committed_demo, django_capture_on_commit_callbacks
):
    client.get("/programs/tug/")
    link = StayConnectedLink.objects.filter(program__slug="tug").first()

    with django_capture_on_commit_callbacks(execute=True):
        link.label = "Grid operator newsletter"
        link.save()

    assert "Grid operator newsletter" in client.get("/programs/tug/").text


def test_pages_stored_before_the_content_version_was_lost_are_not_served(client, demo):
    client.get("/meetings/tug-2018-10-16/")
    cache.delete(CONTENT_VERSION_KEY)  # evicted, say, while the pages stayed
    # Changed behind the portal's back (no signal): only a fresh render can show it.
    AgendaTopic.objects.filter(meeting__slug="tug-2018-10-16").update(
        title="Retitled while evicted"
    )

    response = client.get("/meetings/tug-2018-10-16/")

    assert "Retitled while evicted" in response.text


@pytest.fixture
def content_version_reads(monkeypatch):
    """How many cache reads asked for the content version."""
    from tug_portal.web import cache as web_cache

    reads = []
    original = web_cache.cache.get_many

    def spy(keys, *args, **kwargs):
        if web_cache.CONTENT_VERSION_KEY in keys:
            reads.append(keys)
        return original(keys, *args, **kwargs)

    monkeypatch.setattr(web_cache.cache, "get_many", spy)
    return reads


@pytest.mark.parametrize(
    "url", ["/programs/tug/", "/?system=DRRS", "/", "/meetings/tug-2018-10-16/", "/announcements/"]
)
def test_a_page_reads_the_content_version_once(
    staff_client, client, demo, content_version_reads, url
):
    """The spelling check, the page cache and the view all need it: one read per request, not
    one each (a round trip to Redis apiece)."""
    for browser in (staff_client, client):
        content_version_reads.clear()

        assert browser.get(url).status_code == 200

        assert len(content_version_reads) == 1, browser
