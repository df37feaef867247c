from datetime import datetime, time

import pytest
from django.utils import timezone

from tests.support.demo import PACIFIC, SEED_SLUG
from tug_portal.calendars.services import feeds_sweep
from tug_portal.meetings.models import Meeting


@pytest.fixture
def demo_now():
    """The calendar tests see the shared `demo` on the day they run: the demo makes its
    upcoming meetings from that day on, and the feeds' windows, change notes and recordings'
    dates are measured from it. At noon there, not the moment they run: a test that moves the
    clock on an hour or so must not cross the midnight that ends a recording (a run started
    at 23:20 in California saw the sweep rebuild a feed it had no other reason to)."""
    return datetime.combine(timezone.localdate(timezone=PACIFIC), time(12), tzinfo=PACIFIC)


@pytest.fixture
def seed(demo):
    """The seed meeting (the TUG of 16 October 2018) of the shared `demo`, with its program."""
    return Meeting.objects.select_related("program").get(slug=SEED_SLUG)


@pytest.fixture
def built_feeds(demo, django_capture_on_commit_callbacks):
    """Every default feed built (and its validators in the cache), as the sweep leaves them."""
    with django_capture_on_commit_callbacks(execute=True):
        feeds_sweep()


@pytest.fixture
def no_aup(settings):
    """Fetch the same URL many times in a test without the fair-use budgets counting it."""
    settings.TUG_FAIR_USE_ENABLED = False
