import pytest

from tug_portal.calendars.services import feeds_sweep
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Meeting


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    """Overrides the shared `demo` (tests/conftest.py) on purpose: seen today (the clock runs,
    not frozen), with the calendar state synced as after a real commit, as feeds read it."""
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    return Meeting.objects.select_related("program")


@pytest.fixture
def seed(demo):
    return demo.get(slug="tug-2018-10-16")


@pytest.fixture
def built_feeds(demo, django_capture_on_commit_callbacks):
    """Every default feed built (and its validators in the cache), as the sweep leaves them."""
    with django_capture_on_commit_callbacks(execute=True):
        feeds_sweep()


@pytest.fixture
def no_aup(settings):
    """Fetch the same URL many times in a test without the fair-use budgets counting it."""
    settings.TUG_FAIR_USE_ENABLED = False
