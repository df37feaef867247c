"""`manage.py export_feeds DIR`: every default feed and every published meeting's own .ics as
files, for outside checkers (the CI's parsers), made from the site's data and stored nowhere."""

from django.core.management import call_command
from icalendar import Calendar

from tests.calendars.parsers import parse_events
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.models import StoredEvent, StoredFeed, StoredFeedPart
from tug_portal.calendars.selectors import default_feed_specs
from tug_portal.meetings.models import Meeting

LIVE_SITE = "https://portal.example.org"
EXPORT_SITE = "http://127.0.0.1:8000"  # the command run on the server without PORT set


def _stored_state() -> dict:
    """What the site serves its feeds from."""
    return {
        "feeds": sorted(
            StoredFeed.objects.values_list("key", "etag", "data_version", "current_at", "head")
        ),
        "parts": sorted(StoredFeedPart.objects.values_list("feed_id", "year", "entries")),
        "events": sorted(
            StoredEvent.objects.values_list("meeting_id", "state", "stamp_at", "content")
        ),
    }


def test_export_writes_every_default_feed_and_each_published_meetings_calendar(
    demo, tmp_path, settings
):
    settings.SITE_URL = EXPORT_SITE

    call_command("export_feeds", tmp_path)

    for spec in default_feed_specs():
        calendar = Calendar.from_ical((tmp_path / spec.filename).read_bytes())
        assert calendar.name == "VCALENDAR", spec.filename
    assert parse_events((tmp_path / "all.ics").read_bytes())
    published = Meeting.objects.published()
    assert sorted(path.stem for path in (tmp_path / "meetings").iterdir()) == sorted(
        published.values_list("slug", flat=True)
    )
    all_feed = (tmp_path / "all.ics").read_text()
    assert f"{EXPORT_SITE}/meetings/" in all_feed


def test_export_on_a_live_site_stores_nothing_and_leaves_the_served_feeds_as_they_were(
    built_feeds, client, tmp_path, settings, django_capture_on_commit_callbacks
):
    """Run on the server with another address than the site's (no PORT in the shell), an
    export wrote its feeds over the live ones: subscribers got its links until the next sweep."""
    settings.SITE_URL = LIVE_SITE
    Meeting.objects.filter(slug="tug-2018-10-16").update(title="Renamed before the export")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("build_feeds")
    before = _stored_state()
    served = {feed.key: feed_content(feed) for feed in StoredFeed.objects.all()}

    settings.SITE_URL = EXPORT_SITE
    with django_capture_on_commit_callbacks(execute=True):
        call_command("export_feeds", tmp_path)

    assert _stored_state() == before
    assert f"{EXPORT_SITE}/meetings/".encode() in (tmp_path / "all.ics").read_bytes()
    for spec in default_feed_specs():
        response = client.get(f"/calendar/{spec.program or 'all'}.ics", spec.query)
        assert response.status_code == 200, spec.key
        body = b"".join(response.streaming_content)
        assert body == served[spec.key], spec.key
        assert LIVE_SITE.encode() in body
        assert EXPORT_SITE.encode() not in body
