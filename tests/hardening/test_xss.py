"""User text can never run script: a list of XSS payloads (xss_payloads.txt) stored in every
field stakeholders or staff write, then every page that shows them checked for anything a
browser could run (tests/hardening/inert.py), and the main pages opened in real Chromium."""

import xml.etree.ElementTree as ElementTree
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tug_portal.meetings.models import (
    AgendaRequest,
    AgendaTopic,
    Announcement,
    Document,
    MeetingDialIn,
    Person,
    Program,
    StayConnectedLink,
    System,
)
from tug_portal.meetings.services import meeting_create

from .inert import active_content

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "xss_payloads.txt").read_text().splitlines()
    if line and not line.startswith("# ")
]
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
ATOM = "{http://www.w3.org/2005/Atom}"


def test_payload_list_is_long_enough():
    assert len(PAYLOADS) >= 50


def store_payloads() -> None:
    """Every payload in every kind of text a page shows: a program's name, description and
    links, a meeting's title and notes, its topics (titles, Markdown bodies, facilitators,
    documents, systems), dial-in labels, announcements and agenda requests. Rows are written in
    bulk: what is tested is what pages make of the text, not how it was saved."""
    everything = "\n\n".join(PAYLOADS)
    program = Program.objects.create(
        slug="xss",
        acronym="XSS",
        name=PAYLOADS[0],
        description=everything,
        recording_disclaimer=everything,
        web_conference_url="https://example.org/meet",
    )
    meeting = meeting_create(
        program=program,
        day=date(2030, 1, 8),
        slug="xss-meeting",
        title=PAYLOADS[1],
        notes=everything,
        is_published=True,
    )
    numbered = list(enumerate(PAYLOADS))
    topics = AgendaTopic.objects.bulk_create(
        AgendaTopic(meeting=meeting, order=n, title=text, body=text) for n, text in numbered
    )
    people = Person.objects.bulk_create(Person(name=text[:200]) for text in PAYLOADS)
    documents = Document.objects.bulk_create(
        Document(title=text, url="https://example.org/d") for text in PAYLOADS
    )
    systems = System.objects.bulk_create(
        System(code=f"X{n}", name=text[:200]) for n, text in numbered
    )
    for through, field, rows in (
        (AgendaTopic.facilitators.through, "person", people),
        (AgendaTopic.documents.through, "document", documents),
        (AgendaTopic.systems.through, "system", systems),
    ):
        pairs = zip(topics, rows, strict=True)
        through.objects.bulk_create(through(agendatopic=t, **{field: row}) for t, row in pairs)
    MeetingDialIn.objects.bulk_create(
        MeetingDialIn(meeting=meeting, label=text[:100], number="(866) 528-2256")
        for text in PAYLOADS
    )
    StayConnectedLink.objects.bulk_create(
        StayConnectedLink(program=program, kind="website", label=text, url="https://example.org/")
        for text in PAYLOADS
    )
    Announcement.objects.bulk_create(
        Announcement(
            slug=f"xss-{n}",
            title=text,
            body=text,
            is_published=True,
            presented_at=meeting,
            related_meeting=meeting if n == 0 else None,
        )
        for n, text in numbered
    )
    AgendaRequest.objects.bulk_create(
        AgendaRequest(
            program=program,
            meeting=meeting,
            name=text[:200],
            email="ada@example.com",
            organization=text[:200],
            topic=text,
            details=text,
        )
        for text in PAYLOADS
    )


@pytest.fixture
def hostile_content(db):
    store_payloads()


def findings_on(client, path: str) -> list[str]:
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200, path
    return [f"{path}: {finding}" for finding in active_content(response.content.decode())]


PUBLIC_PAGES = [
    "/",
    "/programs/xss/",
    "/meetings/xss-meeting/",
    "/announcements/",
    "/announcements/?page=2",
    "/announcements/?page=3",
    "/programs/xss/agenda-request/?meeting=xss-meeting",
    "/calendar/help/",
    "/subscriptions/new/?program=xss",
]


def test_public_pages_showing_payloads_are_inert(client, hostile_content, settings):
    # Fifty pages rendered afresh from one address: on a busy machine their time alone spends
    # the pages' fair-use budget (a render is charged by its time), which is not this test's
    # subject (tests/hardening/test_fair_use_endpoints.py is).
    settings.TUG_FAIR_USE_ENABLED = False
    paths = PUBLIC_PAGES + [f"/announcements/xss-{n}/" for n in range(len(PAYLOADS))]

    findings = [finding for path in paths for finding in findings_on(client, path)]

    assert findings == []


def test_feed_and_api_carry_payloads_inert(client, hostile_content):
    feed = ElementTree.fromstring(client.get("/announcements/feed/").content)  # noqa: S314
    entries = feed.findall(f"{ATOM}entry")
    feed_html = [
        element.text or ""
        for entry in entries
        for element in (entry.find(f"{ATOM}summary"), entry.find(f"{ATOM}content"))
        if element is not None
    ]
    api = client.get("/api/v1/meetings/xss-meeting")
    api_html = [topic["body_html"] for topic in api.json()["topics"]]

    findings = [finding for html in feed_html + api_html for finding in active_content(html)]
    assert entries and len(api_html) == len(PAYLOADS)
    assert api["Content-Type"] == "application/json; charset=utf-8"
    assert api["X-Content-Type-Options"] == "nosniff"
    assert findings == []


def test_text_echoed_back_is_inert(client, db):
    findings = []
    for payload in PAYLOADS:
        for path in (
            f"/?{urlencode({'q': payload[:200]})}",
            f"/announcements/?{urlencode({'q': payload[:200]})}",
            f"/subscriptions/new/?{urlencode({'program': payload})}",
            f"/calendar/all.ics?{urlencode({'system': payload})}",
        ):
            response = client.get(path, headers=BROWSER)
            findings += [f"{path}: {finding}" for finding in active_content(response.text)]

    assert findings == []


STAFF_PAGES = [
    "/admin/meetings/agendarequest/",
    "/admin/meetings/announcement/",
    "/admin/meetings/meeting/",
    "/admin/meetings/person/",
    "/admin/meetings/program/",
]


def test_staff_pages_showing_payloads_are_inert(admin_client, hostile_content):
    meeting = AgendaTopic.objects.filter(meeting__slug="xss-meeting").first().meeting
    request = AgendaRequest.objects.filter(topic=PAYLOADS[0]).get()
    program = Program.objects.get(slug="xss")
    paths = [
        *STAFF_PAGES,
        f"/admin/meetings/meeting/{meeting.pk}/change/",
        f"/admin/meetings/meeting/{meeting.pk}/history/",
        f"/admin/meetings/agendarequest/{request.pk}/change/",
        f"/admin/meetings/program/{program.pk}/change/",
    ]

    findings = [finding for path in paths for finding in findings_on(admin_client, path)]

    assert findings == []


# --- In real Chromium: no payload runs, none is even attempted -------------------------------


@pytest.fixture
def browser_tab(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.dialogs, tab.refusals = [], []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    # A Content-Security-Policy refusal means something tried to run: the sanitizer let it by.
    tab.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and tab.refusals.append(message.text)
        ),
    )
    tab.base_url = live_server.url
    yield tab
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_payload_runs_or_is_attempted_in_chromium(browser_tab):
    store_payloads()

    for path in ("/", "/programs/xss/", "/meetings/xss-meeting/", "/announcements/xss-0/"):
        browser_tab.goto(browser_tab.base_url + path)
        browser_tab.wait_for_load_state("load")
        browser_tab.mouse.move(200, 300)

    assert browser_tab.dialogs == []
    assert browser_tab.refusals == []
