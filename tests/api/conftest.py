from datetime import time

import pytest

from tests.support.demo import DEMO_NOW
from tug_portal.meetings.models import Program


@pytest.fixture
def demo_now():
    """The API tests see the shared `demo` on Saturday 20 October 2018 (not the day after the
    seed meeting): their `updated_since` and recording cases are dated from then."""
    return DEMO_NOW


@pytest.fixture
def without_aup(settings):
    """Lift the fair-use budgets (tests/common holds their tests), for tests that call the
    same URL more than once to check something else."""
    settings.TUG_FAIR_USE_ENABLED = False


@pytest.fixture
def program(db):
    return Program.objects.create(
        slug="bench",
        name="Bench Group",
        acronym="BG",
        time_zone="America/Los_Angeles",
        default_start_time=time(10),
        web_conference_url="https://example.webex.com/meet/bench",
    )
