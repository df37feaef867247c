"""The subscribe page in real Chromium, at a phone's and a desktop's width: whole addresses
with a Copy button, no stray bullets, the terms of the two tables in bold, the nav marking
"Subscribe". Screenshots land in var/screenshots/ (calendar-help-375.png, ...-1280.png)."""

import re

import pytest
from playwright.sync_api import expect

from tug_portal.meetings.demo import load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tab(chromium, live_server):
    load_demo()
    context = chromium.new_context(viewport={"width": 375, "height": 800}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def nav_link(page, name: str):
    return page.get_by_role("navigation", name="Site").get_by_role("link", name=name)


def style(locator, prop: str) -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).{prop}")


@pytest.mark.parametrize("width", [375, 1280])
def test_help_page_shows_whole_addresses_with_a_copy_button(tab, settings, width):
    tab.set_viewport_size({"width": width, "height": 800})
    tab.goto(tab.base_url + "/calendar/help/")
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(folder / f"calendar-help-{width}.png"), full_page=True)

    address = tab.locator("#feed-address-system-drrs")
    expect(address).to_have_text(f"{settings.SITE_URL}/calendar/all.ics?system=DRRS")
    # Not cut off: the box shows all it holds, and the page does not scroll sideways.
    assert address.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    assert tab.evaluate("document.documentElement.scrollWidth") <= width
    feed_list = tab.locator(".feed-list").first
    assert (style(feed_list, "listStyleType"), style(feed_list, "paddingLeft")) == ("none", "0px")
    terms = tab.locator(".facts--terms").first
    assert int(style(terms.locator("dt").first, "fontWeight")) >= 600
    assert int(style(terms.locator("dd").first, "fontWeight")) == 400
    # Each explanation gets a readable width, not a sliver beside its term.
    assert terms.locator("dd").first.evaluate("(el) => el.clientWidth") >= min(width - 80, 280)
    expect(nav_link(tab, "Subscribe")).to_have_attribute("aria-current", "page")

    tab.get_by_role("button", name="Copy the calendar address of DRRS").click()

    assert tab.evaluate("navigator.clipboard.readText()").endswith("/calendar/all.ics?system=DRRS")


def test_help_page_addresses_are_selectable_text_without_javascript(chromium, live_server):
    load_demo()
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    page.goto(live_server.url + "/calendar/help/")

    address = page.locator("#feed-address-tug")
    expect(address).to_have_text(re.compile(r"^http://.+/calendar/tug\.ics$"))
    assert address.evaluate("(el) => getComputedStyle(el).userSelect") == "all"
    expect(page.get_by_role("button", name="Copy")).to_have_count(0)  # needs a script: hidden
    context.close()


def test_subscribe_form_fieldset_has_no_default_border(tab):
    tab.goto(tab.base_url + "/subscriptions/new/")

    fieldset = tab.locator("fieldset.field").first
    assert style(fieldset, "borderTopStyle") == "none"
    expect(nav_link(tab, "Subscribe")).to_have_attribute("aria-current", "page")
