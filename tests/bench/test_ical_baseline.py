"""The feed-build baseline (bench/ical_baseline.py) writes the very feed the portal built, from
plain values."""

import pytest

from bench.ical_baseline import bare_build, plain_calendar
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.services import feed_build
from tug_portal.meetings.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive_feed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    with django_capture_on_commit_callbacks(execute=True):
        return feed_build(spec=FeedSpec(full_history=True))


def test_bare_build_of_plain_values_is_byte_for_byte_the_feed(archive_feed):
    content = feed_content(archive_feed)

    assert bare_build(plain_calendar(content)) == content


def test_plain_calendar_holds_plain_values_of_every_event(archive_feed):
    plain = plain_calendar(feed_content(archive_feed))

    assert len(plain.events) == archive_feed.event_count == 11
    assert [tz["TZID"] for tz in plain.timezones] == ["America/Los_Angeles"]
    uid = next(value for name, value, _ in plain.events[0] if name == "uid")
    assert isinstance(uid, str) and uid.endswith("@tug-portal")
