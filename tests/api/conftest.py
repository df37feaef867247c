from datetime import time

import pytest

from tests.api.support import DEMO_NOW
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Program


@pytest.fixture
def frozen_now(time_machine):
    time_machine.move_to(DEMO_NOW, tick=False)
    return DEMO_NOW


@pytest.fixture
def demo(db, frozen_now):
    """The seed agenda as data, plus the upcoming meetings its recurrences propose: TUG on 16 and
    30 Oct, 13 and 27 Nov, 11 Dec 2018; CPG on 1 Nov, 6 Dec 2018, 3 Jan and 7 Feb 2019."""
    return load_demo()


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
