"""The kept fragments of the public pages (web/fragments.py): the dashboard's program cards and
sidebar, the announcement rows of the lists and of a meeting's page, a meeting's agenda. Each is
byte for byte what a render afresh makes, and every edit of what it shows is on the page at
once, for staff and for anonymous visitors, in the page and in the htmx fragment."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from tests.support.demo import DAY_AFTER_SEED, SEED_SLUG
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import (
    Announcement,
    Meeting,
    Program,
    ProgramDialIn,
    StayConnectedLink,
    System,
)
from tug_portal.web import fragments

HTMX = {"HX-Request": "true"}
SEED_PAGE = f"/meetings/{SEED_SLUG}/"
# The pages with kept fragments, and how each is asked for.
PAGES = [
    ("/", {}),
    ("/announcements/", {}),
    ("/announcements/", HTMX),
    (SEED_PAGE, {}),
]
PAGE_IDS = ["dashboard", "announcements", "announcements-htmx", "meeting"]


@pytest.fixture
def committed_demo(db, time_machine, django_capture_on_commit_callbacks):
    """The seed data with its on-commit work done, as after a deploy: a later edit is then a
    transaction of its own, which bumps the content version when it commits."""
    time_machine.move_to(DAY_AFTER_SEED, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()


def _page(browser, path: str, headers: dict) -> str:
    response = browser.get(path, headers=headers)
    assert response.status_code == 200
    return response.text


def _page_rendered_cold(browser, path: str, headers: dict) -> str:
    """The page with every fragment rendered afresh (and no stored page)."""
    cache.clear()
    fragments.fragments_cache().clear()
    return _page(browser, path, headers)


PROGRAM_PAGE = [("/programs/tug/", {})]


@pytest.mark.parametrize(("path", "headers"), PAGES + PROGRAM_PAGE, ids=[*PAGE_IDS, "program"])
@pytest.mark.parametrize("viewer", ["staff", "anonymous"])
def test_page_from_kept_fragments_is_byte_for_byte_the_page_rendered_afresh(
    client, staff_client, committed_demo, settings, path, headers, viewer
):
    settings.TUG_WEB_PAGE_CACHE_SECONDS = 0  # anonymous too: every page rendered, no page kept
    browser = staff_client if viewer == "staff" else client
    cold = _page_rendered_cold(browser, path, headers)

    warm = _page(browser, path, headers)

    assert warm == cold


# A list's filter form is kept for each choice of program, system, time or kind (not for typed
# words, nor a form in error): each state below, asked after all the others were kept, must be
# the form that state renders afresh.
FILTER_STATES = [
    "/",
    "/?system=OMS",
    "/?when=past",
    "/?program=tug&system=OMS&when=all",
    "/?q=",
    "/?q=outage",
    "/?when=someday",  # in error: a 400 page, its form saying why
    "/programs/tug/",
    "/programs/tug/?system=OMS&when=past",
    "/announcements/",
    "/announcements/?kind=outage&system=OMS",
    "/announcements/?q=outage",
]


@pytest.mark.parametrize("viewer", ["staff", "anonymous"])
def test_filter_form_kept_per_choice_is_the_form_each_choice_renders(
    client, staff_client, committed_demo, settings, viewer
):
    settings.TUG_WEB_PAGE_CACHE_SECONDS = 0
    browser = staff_client if viewer == "staff" else client
    cold = {}
    for path in FILTER_STATES:
        cache.clear()
        fragments.fragments_cache().clear()
        cold[path] = browser.get(path).text
    for path in FILTER_STATES:  # every state kept once
        browser.get(path)

    warm = {path: browser.get(path).text for path in FILTER_STATES}

    assert warm == cold
    assert '<option value="OMS" selected>' in warm["/?system=OMS"]
    assert 'value="outage"' in warm["/?q=outage"]


def test_filter_form_is_kept_for_choices_not_for_typed_words(
    staff_client, committed_demo, monkeypatch
):
    """Any text can be typed: keeping a form per search would keep one per request."""
    kept_keys = []
    original = fragments.kept_entry

    def spy(key, render):
        kept_keys.append(key)
        return original(key, render)

    monkeypatch.setattr(fragments, "kept_entry", spy)

    for path in ("/?q=outage", "/?q=+++", "/?q=%E2%80%83", "/?when=someday", "/?system=OMS"):
        kept_keys.clear()
        staff_client.get(path)
        filters = [key for key in kept_keys if ":filters:" in key]
        assert len(filters) == (1 if path == "/?system=OMS" else 0), path


def test_dashboard_fragments_are_the_partials_rendered_on_their_own(staff_client, committed_demo):
    html = _page(staff_client, "/", {})
    programs = list(Program.objects.filter(is_active=True).order_by("name"))

    kept = fragments.dashboard_fragments(
        programs=programs, user=staff_client.user, version=fragments_version()
    )

    assert kept["program_cards"] in html
    assert kept["sidebar"] in html
    assert "Next TUG: <a" in kept["program_cards"]
    assert "DRRS – Acceptable Use Policy" in kept["sidebar"]


def fragments_version() -> int:
    from tug_portal.web.cache import content_version

    return content_version()


def test_announcement_row_is_the_partial_rendered_on_its_own(staff_client, committed_demo):
    html = _page(staff_client, "/announcements/", {})
    drrs = Announcement.objects.get(slug="drrs-acceptable-use-policy")

    [row] = fragments.announcement_rows([drrs], version=fragments_version())

    assert row in html
    assert '<span class="system-tag">DRRS</span>' in row


# --- Edits ------------------------------------------------------------------------------------


def _drrs() -> Announcement:
    return Announcement.objects.get(slug="drrs-acceptable-use-policy")


def edit_announcement_title():
    announcement = _drrs()
    announcement.title = "DRRS – Acceptable Use Policy, revised"
    announcement.save()


def edit_announcement_kind():
    announcement = _drrs()
    announcement.kind = Announcement.Kind.RELEASE
    announcement.save()


def edit_announcement_unpublished():
    announcement = _drrs()
    announcement.is_published = False
    announcement.save()


def edit_announcement_published_at():
    announcement = _drrs()
    announcement.published_at -= timedelta(days=400)
    announcement.save()


def edit_announcement_added():
    Announcement.objects.create(
        slug="eim-settlements",
        title="EIM settlements change",
        is_published=True,
        presented_at=Meeting.objects.get(slug=SEED_SLUG),
    )


def edit_announcement_deleted():
    _drrs().delete()


def edit_announcement_system_added():
    _drrs().systems.add(System.objects.get(code="OMS"))


def edit_announcement_systems_cleared():
    _drrs().systems.clear()


def edit_system_code_renamed():
    system = System.objects.get(code="DRRS")
    system.code = "DRRS2"
    system.save()


def edit_program_name():
    program = Program.objects.get(slug="tug")
    program.name = "Technology Users' Group"
    program.save()


def edit_program_acronym():
    program = Program.objects.get(slug="tug")
    program.acronym = "TUGX"
    program.save()


def edit_program_schedule():
    program = Program.objects.get(slug="tug")
    program.recurrence_rule = "FREQ=WEEKLY;INTERVAL=1;BYDAY=WE"
    program.save()


def edit_program_web_conference():
    program = Program.objects.get(slug="tug")
    program.web_conference_url = "https://example.webex.com/meet/new-room"
    program.meeting_number = "999 888 777"
    program.save()


def edit_program_dial_in_added():
    ProgramDialIn.objects.create(
        program=Program.objects.get(slug="tug"), label="Canada", number="+1 555 0100"
    )


def edit_next_meeting_cancelled():
    meeting = Meeting.objects.get(slug="tug-2018-10-30")
    meeting.status = Meeting.Status.CANCELLED
    meeting.save()


def edit_next_meeting_tentative():
    meeting = Meeting.objects.get(slug="tug-2018-10-30")
    meeting.status = Meeting.Status.TENTATIVE
    meeting.save()


def _seed_topic():
    from tug_portal.meetings.models import AgendaTopic

    return AgendaTopic.objects.filter(meeting__slug=SEED_SLUG, systems__code="DRRS").first()


def edit_topic_title():
    topic = _seed_topic()
    topic.title = "DRRS – Acceptable Use Policy, second reading"
    topic.save()


def edit_topic_body():
    topic = _seed_topic()
    topic.body = "A new paragraph about **batch limits**."
    topic.save()


def edit_topic_facilitator_renamed():
    from tug_portal.meetings.models import Person

    person = Person.objects.filter(topics__meeting__slug=SEED_SLUG).first()
    person.name = "Indu N. Nambiar"
    person.save()


def edit_topic_document_added():
    from tug_portal.meetings.models import Document

    document = Document.objects.create(title="Batch limits memo", url="https://example.com/m.pdf")
    _seed_topic().documents.add(document)


def edit_topic_document_retitled():
    from tug_portal.meetings.models import Document

    document = Document.objects.filter(topics__meeting__slug=SEED_SLUG).first()
    document.title = "AUP, final text"
    document.save()


def edit_system_name():
    system = System.objects.get(code="DRRS")
    system.name = "Demand Response Registration System (new)"
    system.save()


def edit_program_link_relabelled():
    link = StayConnectedLink.objects.filter(program__slug="tug").order_by("order", "pk").first()
    link.label = "Renamed stay-connected link"
    link.save()


def edit_program_contact_renamed():
    contact = Program.objects.get(slug="tug").contact
    contact.name = "A new contact"
    contact.save()


def edit_topic_added():
    from tug_portal.meetings.models import AgendaTopic

    AgendaTopic.objects.create(
        meeting=Meeting.objects.get(slug=SEED_SLUG), order=9, title="EIM questions"
    )


MEETING = [(SEED_PAGE, {})]
# Each edit, and the pages whose kept fragments show what it changes.
EDITS = [
    (edit_announcement_title, PAGES),
    (edit_announcement_kind, PAGES),
    (edit_announcement_unpublished, PAGES),
    (edit_announcement_published_at, [("/announcements/", {}), ("/announcements/", HTMX)]),
    (edit_announcement_added, PAGES),
    (edit_announcement_deleted, PAGES),
    (edit_announcement_system_added, PAGES),
    (edit_announcement_systems_cleared, PAGES),
    (edit_system_code_renamed, PAGES),
    (edit_program_name, [("/", {})]),
    (edit_program_acronym, [("/", {})]),
    (edit_program_schedule, [("/", {}), *PROGRAM_PAGE]),
    (edit_program_name, PROGRAM_PAGE),
    (edit_program_web_conference, PROGRAM_PAGE),
    (edit_program_dial_in_added, PROGRAM_PAGE),
    (edit_program_contact_renamed, PROGRAM_PAGE),
    (edit_next_meeting_cancelled, [("/", {})]),
    (edit_next_meeting_tentative, [("/", {})]),
    (edit_topic_title, MEETING),
    (edit_topic_body, MEETING),
    (edit_topic_facilitator_renamed, MEETING),
    (edit_topic_document_added, MEETING),
    (edit_topic_document_retitled, MEETING),
    (edit_system_name, MEETING),
    (edit_topic_added, MEETING),
    # What a meeting's page shows of its program comes with the reference rows (reference.py).
    (edit_program_link_relabelled, [("/", {}), *MEETING]),
    (edit_program_contact_renamed, MEETING),
]
CASES = [
    pytest.param(edit, path, headers, id=f"{edit.__name__}-{path}-{'htmx' if headers else 'page'}")
    for edit, pages in EDITS
    for path, headers in pages
]


@pytest.mark.parametrize(("edit", "path", "headers"), CASES)
@pytest.mark.parametrize("viewer", ["staff", "anonymous"])
def test_edit_of_what_a_kept_fragment_shows_is_on_the_page_at_once(
    client,
    staff_client,
    committed_demo,
    django_capture_on_commit_callbacks,
    edit,
    path,
    headers,
    viewer,
):
    browser = staff_client if viewer == "staff" else client
    before = _page(browser, path, headers)  # every fragment stored (and, anonymous, the page)

    with django_capture_on_commit_callbacks(execute=True):
        edit()
    after = _page(browser, path, headers)

    assert after != before
    assert after == _page_rendered_cold(browser, path, headers)


def test_draft_announcement_is_in_the_staff_sidebar_only(
    client, staff_client, committed_demo, django_capture_on_commit_callbacks
):
    """Staff and the public share no sidebar: the audience is in its key."""
    with django_capture_on_commit_callbacks(execute=True):
        edit_announcement_unpublished()

    staff_page = _page(staff_client, "/", {})
    assert 'badge--draft">Draft' in staff_page
    assert "DRRS – Acceptable Use Policy" in staff_page
    public_page = _page(client, "/", {})
    assert "DRRS – Acceptable Use Policy" not in public_page
    assert "DRRS – Acceptable Use Policy" in _page(staff_client, "/", {})


def _announcements_section(page: str) -> str:
    """The meeting page's "Announcements" section ("" when it has none)."""
    start = page.find('id="announcements-title"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


@pytest.mark.parametrize("first", ["staff", "anonymous"])
def test_draft_announcement_is_in_the_meeting_pages_announcements_for_staff_only(
    client, staff_client, committed_demo, django_capture_on_commit_callbacks, settings, first
):
    """Staff see a draft made at the meeting there, marked as on the announcement lists; the
    public never does. Whoever comes first, the other never gets their kept section."""
    settings.TUG_WEB_PAGE_CACHE_SECONDS = 0  # the kept section, not the stored page
    with django_capture_on_commit_callbacks(execute=True):
        edit_announcement_unpublished()
    browsers = {"staff": staff_client, "anonymous": client}
    order = [first, *(name for name in browsers if name != first)]

    sections = {
        name: _announcements_section(_page(browsers[name], SEED_PAGE, {})) for name in order
    }

    assert "DRRS – Acceptable Use Policy" in sections["staff"]
    assert 'badge--draft">Draft' in sections["staff"]
    assert "OMS – CPG Announcement" in sections["staff"]
    assert "DRRS – Acceptable Use Policy" not in sections["anonymous"]
    assert "badge--draft" not in sections["anonymous"]
    assert "OMS – CPG Announcement" in sections["anonymous"]
    staff_row = fragments.announcement_rows([_drrs()], version=fragments_version())[0]
    assert staff_row in sections["staff"]  # the same row as the announcement lists'


def test_program_cards_move_on_when_the_next_meeting_ends(
    staff_client, committed_demo, time_machine
):
    """The clock alone changes the next meeting: the kept cards are not served past its end."""
    next_tug = Meeting.objects.get(slug="tug-2018-10-30")
    time_machine.move_to(next_tug.ends_at - timedelta(minutes=1), tick=False)
    assert 'Next TUG: <a href="/meetings/tug-2018-10-30/"' in _page(staff_client, "/", {})

    time_machine.move_to(next_tug.ends_at, tick=False)

    page = _page(staff_client, "/", {})
    assert 'Next TUG: <a href="/meetings/tug-2018-10-30/"' not in page
    assert page == _page_rendered_cold(staff_client, "/", {})


def test_a_deploy_that_changes_a_fragment_template_never_serves_old_markup(monkeypatch):
    """The key holds a digest of the fragments' templates and the template tags."""
    before = fragments.markup_version()
    template_file = fragments.get_template("web/dashboard.html").origin.name
    read_bytes = fragments.Path.read_bytes

    def edited(path):
        content = read_bytes(path)
        return content + b"<!-- edited -->" if str(path) == template_file else content

    monkeypatch.setattr(fragments.Path, "read_bytes", edited)
    fragments.markup_version.cache_clear()
    try:
        assert fragments.markup_version() != before
    finally:
        monkeypatch.undo()
        fragments.markup_version.cache_clear()
    assert fragments.markup_version() == before
