"""Fixtures for the stakeholder pages: the seed data at a fixed moment, many meetings for query
counts, and real Chromium through Playwright for the browser tests."""

from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.demo import PACIFIC
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Meeting, Program

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture
def seed_meeting(demo):
    return Meeting.objects.get(slug="tug-2018-10-16")


@pytest.fixture
def seed_morning(seed_meeting, time_machine):
    """The seed meeting seen on its morning, before it starts: join details are on its page
    only while it is ahead (a past or cancelled meeting's page is a record)."""
    time_machine.move_to(datetime(2018, 10, 16, 9, 0, tzinfo=PACIFIC), tick=False)
    return seed_meeting


# --- Browser ----------------------------------------------------------------------------------


@pytest.fixture
def browser_demo(transactional_db):
    """The seed data, committed so that the live server's thread sees it; today is today."""
    load_demo()


@pytest.fixture
def next_tug(browser_demo) -> str:
    """The path of the next TUG meeting (the demo makes them from today on): a meeting whose
    page still invites people in."""
    from tug_portal.meetings.selectors import meeting_next_for_program

    return meeting_next_for_program(program=Program.objects.get(slug="tug")).get_absolute_url()


@pytest.fixture
def page(chromium, live_server, browser_demo):
    """A fresh browser tab at 1280 px with axe-core injected into every document it opens. The
    tab records console errors (a script failure, a Content-Security-Policy refusal), and each
    test ends by asserting there were none."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.add_init_script(path=str(AXE_SCRIPT))
    tab = context.new_page()
    tab.console_errors = []
    tab.on(
        "console",
        lambda message: message.type == "error" and tab.console_errors.append(message.text),
    )
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    tab.base_url = live_server.url
    yield tab
    context.close()
    assert tab.console_errors == []


@pytest.fixture
def screenshot():
    """`screenshot(page, name)`: full-page PNGs at 1280 and 375 px under var/test/screenshots/."""
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(tab, name: str) -> list[Path]:
        paths = []
        for width in (1280, 375):
            tab.set_viewport_size({"width": width, "height": 900})
            path = folder / f"{name}-{width}.png"
            tab.screenshot(path=str(path), full_page=True)
            paths.append(path)
        tab.set_viewport_size({"width": 1280, "height": 900})
        return paths

    return take
