"""The bytes of the whole-archive feed, pinned: work that makes the build faster must not change
a single byte of what subscribers get.

The data is the demo agenda loaded at a fixed instant, with fixed UIDs, plus a moved meeting (a
change note), a cancelled one and a recording, so that every part of an event is written. When
the output changes on purpose, regenerate the file with
`TUG_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/calendars/test_golden.py` and review its
diff.
"""

import os
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.services import feed_build
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.timeutil import local_span_to_utc

GOLDEN = Path(__file__).parent / "golden" / "all-archive.ics"
EDITED_AT = datetime(2026, 1, 4, 9, 30, tzinfo=UTC)
BUILT_AT = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def pinned_demo(db, settings, time_machine, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://portal.example.org"
    time_machine.move_to(EDITED_AT, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    for meeting in Meeting.objects.all():
        Meeting.objects.filter(pk=meeting.pk).update(
            uid=uuid.uuid5(uuid.NAMESPACE_URL, meeting.slug)
        )
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    cancelled, recorded = Meeting.objects.filter(is_published=True).order_by("-starts_at")[:2]
    with django_capture_on_commit_callbacks(execute=True):
        seed.starts_at, seed.ends_at = local_span_to_utc(
            date(2018, 10, 16), time(13, 0), time(14, 0), "America/Los_Angeles", timedelta()
        )
        seed.save()
        cancelled.status = Meeting.Status.CANCELLED
        cancelled.save()
        recorded.recording_url = "https://recordings.example.org/tug"
        recorded.recording_available_until = date(2026, 6, 30)
        recorded.save()


def test_whole_archive_feed_is_byte_for_byte_the_pinned_one(pinned_demo):
    content = feed_content(feed_build(spec=FeedSpec(full_history=True), now=BUILT_AT))

    if os.environ.get("TUG_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(content)
    assert content == GOLDEN.read_bytes()
