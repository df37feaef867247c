"""A stakeholder's and a staff member's journeys, start to finish, in Chromium, on the portal as
`make run` starts it on a port other than 8000 (so every link must come from PORT): a
stakeholder finds the next TUG meeting, follows DRRS in a calendar and by mail, and staff
create, publish, move and cancel a meeting of that program while the stakeholder is subscribed;
the stakeholder's mails say each thing once, every link in them leads back to this server, and
one click unsubscribes.

Everything is reached by clicking, or by following a link the portal or its mails offered;
only the server's address and the admin's credentials (var/demo-logins.txt) are known up
front. No fake clock: the meeting is set a little less than a day ahead, so its one-day
reminder is due as soon as it is published, and its one-hour reminder is not due before the
end of the test."""

import re
import time
import zoneinfo
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from tests.journeys.mailbox import Mail, mails_to, wait_for_mails

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.timeout(300)]

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")
SUBSCRIBER = "dana.reyes@example.org"
TOPIC = "DRRS registration changes for 2027"
CANCELLATION_REASON = "Merged into the next regular meeting"
MAIL_TIMEOUT_S = 30  # a task through the file broker and the worker takes a second or two
FEED_TIMEOUT_S = 30
SYSTEMS = ("DRRS", "OMS")


def test_stakeholder_and_staff_journeys_on_make_run_server(portal, chromium):
    stakeholder = chromium.new_context(base_url=portal.base_url)
    staff = chromium.new_context(base_url=portal.base_url)
    # A mail client and a calendar app: no cookies of the browser's, no CSRF token.
    outsider = chromium.new_context()
    for context in (stakeholder, staff, outsider):
        context.set_default_timeout(15_000)
    refused = []  # every 429 (or 5xx) the server answers the browsers: a journey gets none
    for context in (stakeholder, staff):
        context.on(
            "response",
            lambda response: (
                refused.append(f"{response.status} {response.url}")
                if response.status == 429 or response.status >= 500
                else None
            ),
        )
    try:
        page = stakeholder.new_page()
        find_next_tug_meeting(page)
        feed_url = drrs_feed_from_filtered_home(page, outsider)
        preferences_url = subscribe_and_confirm(page, portal)
        change_preferences_twice(page, preferences_url)

        meeting = staff_create_publish_move_cancel(staff.new_page(), portal, feed_url, outsider)

        mails = settled_mails(portal)
        assert_each_thing_said_once(mails, meeting)
        assert_every_link_leads_back(mails, portal, outsider, meeting)
        read_the_cancellation(page, mails[-1], meeting)

        unsubscribe_with_one_click(mails[-1], page, preferences_url, outsider)
        assert refused == [], refused
    except BaseException:
        print(portal.logs())
        for name, context in (("stakeholder", stakeholder), ("staff", staff)):
            for n, open_page in enumerate(context.pages):
                shot = portal.var_dir / f"{name}-{n}.png"
                open_page.screenshot(path=shot, full_page=True)
                print(f"{name}'s page {open_page.url}: {shot}")
        raise
    finally:
        for context in (stakeholder, staff, outsider):
            context.close()


# --- Stakeholder ------------------------------------------------------------------------------


def find_next_tug_meeting(page) -> str:
    """From the home page, the next TUG meeting: the TUG card's link, which is the first TUG
    meeting of the upcoming list, opened by clicking it."""
    page.goto("/")
    card = page.locator(".program-card", has_text="Technology User Group")
    next_link = card.locator(".program-card__next a")
    first_tug_row = page.locator("#meeting-results .meeting-row", has_text="TUG").first
    path = next_link.get_attribute("href")
    assert path == first_tug_row.locator("a").first.get_attribute("href")
    next_link.click()
    page.wait_for_url(f"**{path}")
    assert "Technology User Group" in page.locator("h1").inner_text()
    # Ahead and live: the page invites people in.
    assert page.get_by_role("link", name=re.compile("Join", re.I)).first.is_visible()
    return path


def drrs_feed_from_filtered_home(page, outsider) -> str:
    """Filter the home page by DRRS (htmx swaps the results); the page then offers the DRRS
    feed, which answers as a calendar with DRRS meetings only."""
    page.get_by_role("link", name="Meetings", exact=True).first.click()
    page.wait_for_url("**/")
    page.locator("#id_system").select_option("DRRS")
    page.wait_for_url(re.compile(r"[?&]system=DRRS"))
    results = page.locator("#meeting-results")
    results.get_by_text("match your filters").wait_for()
    follow = results.locator(".follow-filter", has_text="Follow DRRS")
    subscribe = follow.get_by_role("link", name="Subscribe to the DRRS calendar")
    feed_url = follow.get_by_role("link", name=".ics address").get_attribute("href")
    assert feed_url.startswith(f"{page.url.split('/?')[0]}/calendar/"), feed_url
    assert subscribe.get_attribute("href") == "webcal://" + feed_url.split("://", 1)[1]
    feed = outsider.request.get(feed_url)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.body())
    assert "(DRRS)" in str(calendar["X-WR-CALNAME"])
    assert_drrs_only(calendar)  # none yet: the demo's only DRRS meeting is years past
    return feed_url


def assert_drrs_only(calendar) -> list:
    events = calendar.walk("VEVENT")
    for event in events:
        categories = [str(c) for item in _as_list(event.get("categories")) for c in item.cats]
        assert "DRRS" in categories, (event.get("summary"), categories)
    return events


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def subscribe_and_confirm(page, portal) -> str:
    """The filtered page's reminders link, the form (DRRS already ticked), the confirmation
    mail's link, and the confirmation page's preferences link."""
    page.get_by_role("link", name="Get DRRS email reminders").click()
    page.wait_for_url("**/subscriptions/new/**")
    assert page.locator("input[name=systems][value=DRRS]").is_checked()
    assert not page.locator("input[name=systems][value=OMS]").is_checked()
    page.locator("#id_email").fill(SUBSCRIBER)
    page.locator("#id_program").select_option("tug")
    page.get_by_role("button", name="Send me the confirmation link").click()
    page.get_by_text(re.compile("inbox", re.I)).first.wait_for()

    (confirmation,) = wait_for_mails(portal.mail_dir, SUBSCRIBER, 1, timeout=MAIL_TIMEOUT_S)
    assert confirmation.subject == "Confirm your TUG meeting reminders"
    confirm_url = confirmation.link_to("/subscriptions/confirm/")
    assert urlsplit(confirm_url).port == portal.port, confirm_url
    page.goto(confirm_url)  # the reader clicks the link in the mail
    page.get_by_role("button", name="Confirm my reminders").click()
    preferences = page.locator(".preferences-link a")
    preferences.wait_for()
    preferences_url = preferences.get_attribute("href")
    assert preferences_url.startswith(portal.base_url + "/subscriptions/preferences/")
    # The welcome mail carries the same link, to keep.
    welcome = wait_for_mails(portal.mail_dir, SUBSCRIBER, 2, timeout=MAIL_TIMEOUT_S)[1]
    assert welcome.subject == "Welcome: your TUG meeting reminders"
    assert welcome.link_to("/subscriptions/preferences/") == preferences_url
    preferences.click()
    page.wait_for_url(preferences_url)
    return preferences_url


def _tug_preferences(page):
    return page.locator("fieldset", has_text="TUG: Technology User Group")


def _tug_checkbox(page, label: str):
    """The TUG fieldset's checkbox whose label starts with `label` ("Remind me", "DRRS")."""
    return _tug_preferences(page).locator("label", has_text=re.compile(f"^\\s*{label}"))


def _tug_systems(page) -> dict[str, bool]:
    return {code: _tug_checkbox(page, code).locator("input").is_checked() for code in SYSTEMS}


def _tug_subscribed(page) -> bool:
    return _tug_checkbox(page, "Remind me").locator("input").is_checked()


def change_preferences_twice(page, preferences_url: str) -> None:
    """OMS added, then taken away again, within a minute: each save is kept (seen on a fresh
    load of the page), none refused."""
    assert _tug_subscribed(page)
    assert _tug_systems(page) == {"DRRS": True, "OMS": False}
    saved_at = []
    for oms in (True, False):
        _tug_checkbox(page, "OMS").locator("input").set_checked(oms)
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Save", exact=True).click()
        assert answer.value.status < 400, answer.value.status
        saved_at.append(time.monotonic())
        page.locator(".notice--success").wait_for()
        page.goto(preferences_url)
        assert _tug_systems(page) == {"DRRS": True, "OMS": oms}
        assert _tug_subscribed(page)
    assert saved_at[1] - saved_at[0] < 60  # the journey's premise: two saves within a minute


# --- Staff ------------------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    return moment.astimezone(PACIFIC)


def _slot(start: datetime) -> tuple[datetime, datetime]:
    """A start (to the minute) and an end 20 minutes later, on the same local day."""
    local = _local(start).replace(second=0, microsecond=0)
    local = min(local, local.replace(hour=23, minute=58))
    end = min(local + timedelta(minutes=20), local.replace(hour=23, minute=59))
    return local, end


def _moment(local: datetime) -> str:
    """How the mails name a moment: "Sat Dec 5 8:43 PM PT"."""
    return f"{local:%a %b} {local.day} {_clock(local)} {local:%p} PT"


def _fill_when(page, start: datetime, end: datetime) -> None:
    page.locator("#id_date").fill(f"{start:%Y-%m-%d}")
    page.locator("#id_start_time").fill(f"{start:%H:%M}")
    page.locator("#id_end_time").fill(f"{end:%H:%M}")


def _open_meeting_in_admin(page, title: str) -> None:
    page.get_by_role("link", name="Meetings", exact=True).first.click()
    page.locator("#result_list tr", has_text=title).locator("a").first.click()
    page.locator("#id_title").wait_for()


def staff_create_publish_move_cancel(page, portal, feed_url: str, outsider) -> dict:
    """The demo editor signs in from the site's footer and creates a TUG meeting about DRRS a
    little less than a day ahead, as a draft; publishes it with "Save and publish"; moves it
    half an hour later; cancels it. After each step the subscriber's mail (and the DRRS feed)
    has caught up before the next one."""
    page.goto("/")
    page.get_by_role("link", name="ISO staff sign-in").click()
    page.locator("#id_username").fill("editor")
    page.locator("#id_password").fill(portal.login("editor"))
    page.locator("input[type=submit]").click()
    page.get_by_role("link", name="Meetings", exact=True).first.wait_for()
    # Beat and the worker have run since before the stakeholder came: the admin does not tell
    # staff that background jobs never ran.
    banner = page.locator("#beat-banner")
    assert banner.count() == 0, banner.inner_text()

    # Due a day before: ten minutes ago, well within the grace of a late reminder.
    start, end = _slot(datetime.now(UTC) + timedelta(days=1) - timedelta(minutes=10))
    title = f"TUG special session {start:%H%M}"
    page.get_by_role("link", name="Meetings", exact=True).first.click()
    page.get_by_role("link", name=re.compile("Add meeting", re.I)).first.click()
    program = page.locator("#id_program option", has_text="Technology User Group")
    page.locator("#id_program").select_option(program.get_attribute("value"))
    page.locator("#id_title").fill(title)
    _fill_when(page, start, end)
    page.get_by_text("Add another Agenda topic").click()
    topic = page.locator("#topics-0")
    topic.locator("input[name='topics-0-title']").fill(TOPIC)
    topic.locator(".field-systems .select2-selection").click()
    page.locator(".select2-search__field").last.fill("DRRS")
    page.locator(".select2-results__option", has_text="DRRS").first.click()
    page.get_by_role("button", name="Save and continue editing").click()
    page.locator(".publication-state .badge--draft").wait_for()
    slug = page.locator("#id_slug").input_value()
    assert slug == f"tug-{start:%Y-%m-%d}" or slug.startswith(f"tug-{start:%Y-%m-%d}-"), slug
    # Its join details left empty: the program's.
    join = page.locator("#id_web_conference_url").input_value()
    assert join.startswith("https://"), join
    meeting = {"title": title, "slug": slug, "path": f"/meetings/{slug}/", "start": start}
    meeting["join"] = join

    # Published: the one-day reminder is due at once.
    page.get_by_role("button", name="Save and publish").click()
    page.get_by_text("is published").first.wait_for()
    wait_for_mails(portal.mail_dir, SUBSCRIBER, 3, timeout=MAIL_TIMEOUT_S)
    events = _wait_for_feed(outsider, feed_url, slug, status="CONFIRMED")
    meeting["uid"] = str(events[0]["uid"])

    # Moved half an hour later.
    _open_meeting_in_admin(page, title)
    moved_start, moved_end = _slot(start + timedelta(minutes=30))
    _fill_when(page, moved_start, moved_end)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was changed successfully").first.wait_for()
    meeting["moved_start"] = moved_start
    wait_for_mails(portal.mail_dir, SUBSCRIBER, 4, timeout=MAIL_TIMEOUT_S)
    moved = _wait_for_feed(outsider, feed_url, slug, status="CONFIRMED", start=moved_start)
    assert str(moved[0]["uid"]) == meeting["uid"]

    # Cancelled.
    _open_meeting_in_admin(page, title)
    page.locator("#id_status").select_option("cancelled")
    page.locator("#id_cancellation_reason").fill(CANCELLATION_REASON)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was changed successfully").first.wait_for()
    wait_for_mails(portal.mail_dir, SUBSCRIBER, 5, timeout=MAIL_TIMEOUT_S)
    _wait_for_feed(outsider, feed_url, slug, status="CANCELLED")
    return meeting


def _wait_for_feed(outsider, feed_url, slug, *, status, start=None) -> list:
    """The DRRS feed (DRRS meetings only), once it shows the meeting as `status` (at `start`)."""
    deadline = time.monotonic() + FEED_TIMEOUT_S
    while True:
        answer = outsider.request.get(feed_url)
        assert answer.status == 200
        events = [
            event
            for event in assert_drrs_only(Calendar.from_ical(answer.body()))
            if str(event.get("url", "")).endswith(f"/meetings/{slug}/")
        ]
        assert len(events) <= 1, events
        shown = events and str(events[0]["status"]) == status
        if shown and (start is None or events[0].decoded("dtstart") == start):
            return events
        if time.monotonic() > deadline:
            raise AssertionError(f"the DRRS feed never showed {slug} {status} at {start}")
        time.sleep(1)  # as a (very eager) calendar app polls: well within the feeds' budget


# --- The subscriber's mails -------------------------------------------------------------------


def settled_mails(portal) -> list[Mail]:
    """The subscriber's mails once the portal has nothing left to do: the broker's queue empty
    and no new mail for a few polls (a duplicate would come from a task still queued)."""
    deadline = time.monotonic() + MAIL_TIMEOUT_S
    quiet, last = 0, None
    while quiet < 10:
        names = sorted(p.name for p in portal.mail_dir.glob("*.eml"))
        queued = list(portal.broker_queue.glob("*")) if portal.broker_queue.exists() else []
        quiet = quiet + 1 if names == last and not queued else 0
        last = names
        if time.monotonic() > deadline:
            raise AssertionError(f"the portal kept working: queued {queued}")
        time.sleep(0.3)
    return mails_to(portal.mail_dir, SUBSCRIBER)


def assert_each_thing_said_once(mails: list[Mail], meeting: dict) -> None:
    """Confirmation and welcome; then nothing for the draft, one reminder for the publication
    (its one-day moment had come), one update for the move, one notice for the cancellation:
    each once, each about the right time, each with the meeting's calendar entry attached."""
    when, moved = _local(meeting["start"]), _local(meeting["moved_start"])
    subjects = [mail.subject for mail in mails]
    assert len(mails) == 5, subjects
    confirmation, welcome, reminder, update, cancellation = mails
    assert confirmation.subject == "Confirm your TUG meeting reminders"
    assert welcome.subject == "Welcome: your TUG meeting reminders"
    assert reminder.subject.startswith("Reminder: TUG meeting in 1 day, "), subjects
    assert update.subject.startswith("Updated: TUG meeting, "), subjects
    assert cancellation.subject.startswith("Cancelled: TUG meeting, "), subjects
    for mail in (reminder, update, cancellation):
        assert meeting["title"] in mail.text
        assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert TOPIC in reminder.text and TOPIC in update.text
    assert _clock(when) in reminder.subject
    assert f"time moved from {_moment(when)} to {_moment(moved)}" in update.text, update.text
    assert _clock(moved) in update.subject
    assert "CANCELLED" in cancellation.text
    # Why: the reason staff typed is meant for "the page and mails" (its help text says so).
    assert CANCELLATION_REASON in cancellation.text, cancellation.text
    assert CANCELLATION_REASON in cancellation.html
    assert len({str(mail.message["Message-ID"]) for mail in mails}) == len(mails)

    reminded, updated, cancelled = (_attached_event(m, meeting) for m in mails[2:])
    assert reminded.decoded("dtstart") == when and str(reminded["status"]) == "CONFIRMED"
    assert updated.decoded("dtstart") == moved and str(updated["status"]) == "CONFIRMED"
    assert int(updated["sequence"]) > int(reminded["sequence"])
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) > int(updated["sequence"])


def _clock(local: datetime) -> str:
    return f"{local.hour % 12 or 12}:{local:%M}"


def _attached_event(mail: Mail, meeting: dict):
    """The one calendar entry a mail about the meeting carries (an .ics attachment)."""
    calendars = [
        part
        for part in mail.message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]
    assert len(calendars) == 1, f"{mail.subject}: {len(calendars)} calendars attached"
    (event,) = Calendar.from_ical(calendars[0].get_content()).walk("VEVENT")
    assert str(event["uid"]) == meeting["uid"]
    return event


def assert_every_link_leads_back(mails, portal, outsider, meeting) -> None:
    """Every link of every mail (body, HTML, List-Unsubscribe) to this portal is on its port
    and answers 200; the only others are the meeting's own join details, if any."""
    ours, elsewhere = set(), set()
    for mail in mails:
        for link in mail.links:
            parts = urlsplit(link)
            if parts.hostname in ("127.0.0.1", "localhost", "testserver") or not parts.hostname:
                assert link.startswith(portal.base_url + "/"), f"{mail.subject}: {link}"
                ours.add(link)
            else:
                elsewhere.add(link)
    assert elsewhere <= {meeting["join"]}, elsewhere
    assert any(link.endswith(meeting["path"]) for link in ours), sorted(ours)
    for link in sorted(ours):
        answer = outsider.request.get(link, max_redirects=0)
        assert answer.status == 200, f"{answer.status} {link}"


def read_the_cancellation(page, cancellation: Mail, meeting: dict) -> None:
    """The notice's meeting page is a record: cancelled, why, and no way to join. The home
    page no longer offers it as the next TUG meeting."""
    page.goto(cancellation.link_to(meeting["path"]))
    main = page.locator("main")
    assert "cancelled" in main.inner_text().lower()
    assert CANCELLATION_REASON in main.inner_text()
    assert page.get_by_role("link", name=re.compile("Join", re.I)).count() == 0
    page.get_by_role("link", name="Meetings", exact=True).first.click()
    page.wait_for_url("**/")
    card = page.locator(".program-card", has_text="Technology User Group")
    assert card.locator(".program-card__next a").get_attribute("href") != meeting["path"]


def unsubscribe_with_one_click(last_mail: Mail, page, preferences_url, outsider) -> None:
    """RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the List-Unsubscribe URL,
    without cookies or a CSRF token. The stakeholder's preferences then show no TUG reminders,
    and the unsubscribe link says so."""
    url = last_mail.unsubscribe_url
    answer = outsider.request.post(
        url,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert answer.status == 200, answer.status
    page.goto(preferences_url)
    assert not _tug_subscribed(page)
    page.goto(url)
    assert "already unsubscribed" in page.locator("main").inner_text()
