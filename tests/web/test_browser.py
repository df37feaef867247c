"""The stakeholder pages in real Chromium: htmx filtering with shareable URLs and a working back
button, the seed meeting's facts, an agenda request, pages without JavaScript and on paper, and
axe-core finding no serious or critical accessibility violation. Screenshots at 1280 and 375 px
land in var/screenshots/."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.support.bulk import bulk_meetings
from tug_portal.meetings.models import AgendaRequest, Meeting, Program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = "/meetings/tug-2018-10-16/"
PAGES = {
    "dashboard": "/",
    "program": "/programs/tug/",
    "meeting": SEED,
    "announcements": "/announcements/",
    "announcement": "/announcements/oms-cpg-announcement/",
    "agenda_request": "/programs/tug/agenda-request/?meeting=tug-2018-10-16",
}


def open_page(page, path: str):
    page.goto(page.base_url + path)
    page.wait_for_load_state("networkidle")


def agenda_request_form(page):
    """The agenda request form, which htmx loads in place once its section comes into view."""
    page.locator("#agenda-request").scroll_into_view_if_needed()
    return page.locator("#agenda-request form")


def serious_violations(page) -> list[str]:
    results = page.evaluate("async () => await axe.run(document)")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def listed_meetings(page) -> list[str]:
    return page.locator("#meeting-results .meeting-row__title a").evaluate_all(
        "links => links.map(link => new URL(link.href).pathname)"
    )


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_violation(page, screenshot, name):
    open_page(page, PAGES[name])

    violations = serious_violations(page)
    screenshot(page, name)

    assert violations == []


def test_filter_by_system_swaps_the_list_pushes_the_url_and_back_restores(page):
    open_page(page, "/")
    page.evaluate("window.loadedOnce = true")  # gone if the page were reloaded

    page.get_by_text("All", exact=True).click()
    expect(page).to_have_url(re.compile(r"/\?when=all$"))
    page.get_by_label("System").select_option("DRRS")

    expect(page).to_have_url(re.compile(r"/\?system=DRRS&when=all$"))
    expect(page.locator("#meeting-results .meeting-row")).to_have_count(1)
    assert listed_meetings(page) == [SEED]
    assert page.evaluate("window.loadedOnce") is True
    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?when=all$"))
    expect(page.get_by_label("System")).to_have_value("")
    assert len(listed_meetings(page)) > 1
    page.go_back()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_label("Upcoming")).to_be_checked()


def test_a_page_link_the_server_refuses_opens_the_refusal_instead_of_doing_nothing(page):
    # The list changed since it was shown (page 2 is gone): htmx swaps nothing for a 404, so
    # "Next" did nothing at all. The link now opens its page, and the server's words show.
    tug = Program.objects.get(slug="tug")
    bulk_meetings(tug, 30, first_day=date(2016, 1, 5))
    open_page(page, "/programs/tug/?when=past")
    Meeting.objects.filter(program=tug, starts_at__year=2016).delete()

    page.get_by_role("link", name="Next →").click()

    expect(page).to_have_url(re.compile(r"/programs/tug/\?when=past&page=2$"))
    expect(page.get_by_text("There is no page 2 of this list.")).to_be_visible()
    assert all("404" in error for error in page.console_errors)  # the browser and htmx log it
    page.console_errors.clear()


def test_back_and_forward_show_the_filters_each_address_chose(page):
    """A history snapshot holds the form as the page first rendered it, not as it was chosen:
    Back and Forward load each address from the server instead, form and list together."""
    open_page(page, "/")
    page.get_by_text("All", exact=True).click()
    expect(page).to_have_url(re.compile(r"/\?when=all$"))
    page.get_by_label("System").select_option("DRRS")
    expect(page).to_have_url(re.compile(r"/\?system=DRRS&when=all$"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?when=all$"))
    expect(page.get_by_label("All", exact=True)).to_be_checked()
    expect(page.get_by_label("System")).to_have_value("")
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/\?system=DRRS&when=all$"))
    expect(page.get_by_label("System")).to_have_value("DRRS")
    expect(page.get_by_label("All", exact=True)).to_be_checked()
    assert listed_meetings(page) == [SEED]


def test_search_as_you_type_finds_the_seed_meeting_by_facilitator(page):
    open_page(page, "/?when=all")

    page.get_by_label("Search agendas").fill("nalini")

    expect(page).to_have_url(re.compile(r"q=nalini"))
    expect(page.locator("#meeting-results .meeting-row")).to_have_count(1)
    assert listed_meetings(page) == [SEED]


def test_a_search_typed_and_sent_with_enter_is_one_request(page):
    # Found from outside: Enter sent the search twice (the input's change event and the form's
    # submit each triggered the form), and the typing's own trigger a third time after it.
    open_page(page, "/?when=all")
    searches = []
    page.on(
        "request",
        lambda request: searches.append(request.url) if "q=nalini" in request.url else None,
    )

    page.get_by_label("Search agendas").press_sequentially("nalini")
    page.keyboard.press("Enter")
    expect(page.locator("#meeting-results .meeting-row")).to_have_count(1)
    page.wait_for_timeout(1000)  # past the typing's 400 ms delay

    assert len(searches) == 1, searches
    assert listed_meetings(page) == [SEED]


def test_search_as_you_type_refused_while_busy_says_so_and_clears_when_answered(page, settings):
    # Found from outside: during a search flood a person's own search got a 503, and the page
    # went on showing the unfiltered list under the typed words, with no word of why.
    open_page(page, "/?when=all")
    slots = settings.TUG_FAIR_USE_SLOTS
    settings.TUG_FAIR_USE_SLOTS = {**slots, "search": 0}

    page.get_by_label("Search agendas").fill("nalini")

    problem = page.locator("form [role=alert]")
    expect(problem).to_contain_text("busy with other searches")
    settings.TUG_FAIR_USE_SLOTS = slots
    page.get_by_label("Search agendas").fill("nalini chari")
    expect(page.locator("#meeting-results .meeting-row")).to_have_count(1)
    expect(problem).to_have_count(0)
    page.console_errors.clear()  # the browser and htmx log the 503


def test_a_search_refused_for_a_moment_is_sent_again_once_before_saying_so(page, settings):
    # Found from outside, on an idle server: the search typed (sent as you type, then cancelled
    # in the browser, but still running) held the one search slot when Enter sent the same
    # search: 503, "busy with other searches", for 5 of 16 searches of one person.
    open_page(page, "/?when=all")
    slots = settings.TUG_FAIR_USE_SLOTS
    settings.TUG_FAIR_USE_SLOTS = {**slots, "search": 0}

    with page.expect_response(lambda response: response.status == 503):
        page.get_by_label("Search agendas").fill("nalini")
    settings.TUG_FAIR_USE_SLOTS = slots  # the other search is done

    expect(page.locator("#meeting-results .meeting-row")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=nalini"))
    expect(page.locator("form [role=alert]")).to_have_count(0)
    page.console_errors.clear()  # the browser and htmx log the 503


def test_seed_meeting_page_shows_its_facts(chromium, live_server, browser_demo):
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin", locale="en-US"
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + SEED)

    expect(page.get_by_role("heading", level=1)).to_have_text("Technology User Group")
    expect(page.locator(".when time")).to_have_text(
        "Tuesday, October 16, 2018, 10:00-11:00 AM Pacific"
    )
    expect(page.locator(".viewer-time")).to_have_text(
        "Your time: Tuesday, October 16, 2018, 7:00 PM–8:00 PM Central European Summer Time."
    )
    expect(page.get_by_role("link", name="inambiar@caiso.com")).to_have_attribute(
        "href", "mailto:inambiar@caiso.com"
    )
    expect(page.get_by_role("row")).to_have_count(4)  # the header and three topics
    expect(page.get_by_role("link", name="DRRS Technical Specification document")).to_be_visible()
    # Past: a record, no longer an invitation.
    expect(page.get_by_role("link", name="Join the web conference")).to_have_count(0)
    expect(page.locator('a[href^="tel:"]')).to_have_count(0)
    context.close()


def test_next_meeting_page_has_join_details_to_copy_and_dial(chromium, live_server, next_tug):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + next_tug)

    expect(page.get_by_role("link", name="Join the web conference")).to_have_attribute(
        "href", "https://caiso.webex.com/meet/CAISO-TUG"
    )
    expect(page.get_by_role("link", name="(866) 528-2256")).to_have_attribute(
        "href", "tel:+18665282256,,3895889%23"
    )
    expect(page.get_by_role("link", name="inambiar@caiso.com")).to_have_attribute(
        "href", re.compile(r"^mailto:inambiar@caiso.com\?subject=Agenda%20request%3A%20TUG%20")
    )

    page.get_by_role("button", name="Copy meeting number").click()

    expect(page.get_by_role("button", name="Copy meeting number")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "966 010 353"
    context.close()


def test_agenda_request_is_sent_through_htmx_and_confirmed(page, next_tug):
    open_page(page, next_tug)
    form = agenda_request_form(page)

    form.get_by_label("Your name").fill("Ada Lovelace")
    form.get_by_label("Email").fill("ada@example.com")
    form.get_by_label("Organization").fill("Analytical Engines Co-op")
    form.get_by_label("Topic you would like on the agenda").fill("DRRS API batch limits")
    form.get_by_label("Details").fill("Could the window apply per resource?")
    form.get_by_role("button", name="Send request").click()

    confirmation = page.locator("#agenda-request [role=status]")
    expect(confirmation).to_have_text(
        "Thank you, Ada Lovelace. Your request “DRRS API batch limits” has reached the TUG "
        "team. Indu Nambiar will reply to you at ada@example.com."
    )
    expect(confirmation).to_be_focused()
    assert page.url == page.base_url + next_tug  # swapped in place, no navigation
    assert AgendaRequest.objects.get().topic == "DRRS API batch limits"


def test_agenda_request_sent_after_another_tab_reset_the_cookie_arrives(page, next_tug):
    """Found from outside: a form loaded before the visit's first CSRF cookie was set by another
    page (here: the cookie replaced, as the later of two first responses does) was refused with
    a 403, and sending it again never helped. Now it arrives, sent once more by itself."""
    open_page(page, next_tug)
    form = agenda_request_form(page)
    form.get_by_label("Your name").fill("Ada Lovelace")
    page.context.clear_cookies()
    page.request.get(page.base_url + "/programs/tug/agenda-request/")  # sets another cookie

    form.get_by_label("Email").fill("ada@example.com")
    form.get_by_label("Topic you would like on the agenda").fill("DRRS API batch limits")
    form.get_by_role("button", name="Send request").click()

    expect(page.locator("#agenda-request [role=status]")).to_contain_text("Thank you, Ada")
    assert AgendaRequest.objects.get().topic == "DRRS API batch limits"
    # The browser and htmx log the first refusal; those two are expected.
    assert page.console_errors[0] == (
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    )
    assert page.console_errors[1].startswith("Response Status Error Code 403 from ")
    assert len(page.console_errors) == 2
    page.console_errors.clear()


def test_agenda_request_errors_are_shown_at_their_fields(page):
    open_page(page, "/programs/tug/")
    form = agenda_request_form(page)

    form.get_by_label("Your name").fill("Ada")
    form.get_by_label("Email").fill("ada@")
    form.get_by_role("button", name="Send request").click()

    expect(page.locator("#id_email_error")).to_have_text("Enter a valid email address.")
    expect(page.locator("#id_topic_error")).to_have_text("This field is required.")
    expect(form.get_by_label("Your name")).to_have_value("Ada")
    assert AgendaRequest.objects.count() == 0
    # The browser logs the 422 that carried the errors; that one is expected.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    page.console_errors.clear()


def test_agenda_request_over_the_forms_budget_keeps_what_was_typed_and_says_when(page, settings):
    # A budget of one form at once, so that the second request is over it.
    forms = {**settings.TUG_FAIR_USE_BUDGETS["forms"], "burst": 1, "service_burst": 1}
    settings.TUG_FAIR_USE_BUDGETS = {**settings.TUG_FAIR_USE_BUDGETS, "forms": forms}
    for attempt in range(2):
        open_page(page, "/programs/tug/")
        form = agenda_request_form(page)
        form.get_by_label("Your name").fill("Ada Lovelace")
        form.get_by_label("Email").fill("ada@example.com")
        form.get_by_label("Topic you would like on the agenda").fill(f"Topic {attempt}")
        form.get_by_role("button", name="Send request").click()
        if attempt == 0:
            expect(page.locator("#agenda-request [role=status]")).to_contain_text("Thank you")

    expect(form.get_by_role("alert")).to_contain_text(
        "Not sent yet: many forms have come from your address in a short time. What you typed "
        "is kept below; please send it again in"
    )
    expect(form.get_by_label("Topic you would like on the agenda")).to_have_value("Topic 1")
    assert [request.topic for request in AgendaRequest.objects.all()] == ["Topic 0"]
    # The browser and htmx both log the refusal; those two are expected.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 429 (Too Many Requests)",
        "Response Status Error Code 429 from /programs/tug/agenda-request/, [object HTMLElement]",
    ]
    page.console_errors.clear()


def test_pages_work_without_javascript(chromium, live_server, next_tug):
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(live_server.url + "/")

    page.get_by_label("System").select_option("DRRS")
    page.get_by_text("All", exact=True).click()
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"system=DRRS"))
    expect(page.locator("#meeting-results .meeting-row")).to_have_count(1)
    page.goto(live_server.url + next_tug)
    expect(page.get_by_role("button", name="Copy")).to_have_count(0)  # need a script; hidden
    expect(page.locator(".viewer-time")).to_be_hidden()
    page.get_by_role("link", name="Request an agenda item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request an agenda item")
    expect(page.get_by_label("Topic you would like on the agenda")).to_be_visible()
    context.close()


def test_pages_fit_a_360_px_screen(page):
    page.set_viewport_size({"width": 360, "height": 800})
    for path in PAGES.values():
        open_page(page, path)

        width = page.evaluate("document.documentElement.scrollWidth")

        assert width <= 360, f"{path} is {width} px wide"


def test_printed_agenda_leaves_out_what_only_works_on_screen(page, screenshot):
    open_page(page, SEED)

    page.emulate_media(media="print")

    expect(page.locator(".agenda-table")).to_be_visible()
    expect(page.locator("#agenda-request")).to_be_hidden()
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.get_by_role("button", name="Copy meeting number")).to_be_hidden()
    screenshot(page, "meeting-print")


def test_keyboard_focus_is_visible(page):
    open_page(page, "/")

    page.keyboard.press("Tab")

    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
