import html
import re
from datetime import date, time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.factories import make_meeting, make_program
from tests.support.browser import watch_for_errors
from tug_portal.common.staff import ensure_iso_staff_group
from tug_portal.importer.models import AgendaImport
from tug_portal.meetings.demo import RECORDING_DISCLAIMER
from tug_portal.meetings.models import Announcement, Meeting, Person, Program

pytestmark = pytest.mark.django_db

AGENDAS = Path(__file__).parent / "agendas"
SEED = "tug_2018-10-16.txt"
UPLOAD = "/admin/importer/agendaimport/add/"
CONFIRM = "/admin/importer/agendaimport/add/confirm/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def programs():
    """TUG and CPG as the seed agenda knows them, without meetings."""
    indu = Person.objects.create(name="Indu Nambiar", email="inambiar@caiso.com")
    tug = make_program(
        "tug",
        name="Technology User Group",
        contact=indu,
        recording_disclaimer=RECORDING_DISCLAIMER,
    )
    cpg = make_program("cpg", name="Customer Partnership Group", default_start_time=time(14))
    return tug, cpg


def upload(name: str = SEED, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (AGENDAS / name).read_bytes() if data is None else data)


def preview(client, file=None, program="", **headers):
    return client.post(UPLOAD, {"file": file or upload(), "program": program}, **headers)


def confirmation(response) -> dict:
    """The hidden fields of the preview's "Import" form."""
    hidden = r'<input type="hidden" name="(token|digest|program)"(?: value="([^"]*)")?'
    fields = dict(re.findall(hidden, response.content.decode()))
    return {"token": fields["token"], "digest": fields["digest"], "program": fields["program"]}


def text_of(response) -> str:
    """The response's text without tags, its spaces squashed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# ----------------------------------------------------------------------------- the page


def test_import_page_offers_iso_staff_an_upload_form(staff_client):
    response = staff_client.get(UPLOAD)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert f'hx-post="{UPLOAD}"' in page
    assert 'accept=".txt,.docx,.pdf"' in page


def test_import_page_is_refused_to_staff_without_the_permission(client):
    client.force_login(User.objects.create_user("visitor", password="x", is_staff=True))

    assert client.get(UPLOAD).status_code == 403
    assert client.post(CONFIRM, {"token": "x", "digest": "y"}).status_code == 403


def test_import_list_links_to_the_import_page(staff_client):
    response = staff_client.get("/admin/importer/agendaimport/")

    assert response.status_code == 200
    assert f'<a href="{UPLOAD}" class="addlink">Import an agenda</a>' in response.content.decode()


# -------------------------------------------------------------------------------- preview


def test_preview_through_htmx_answers_with_the_plan_alone(staff_client, programs):
    response = preview(staff_client, **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.strip().startswith('<section id="import-preview"')
    assert "<html" not in page
    text = text_of(response)
    assert "Will create a draft meeting of TUG." in text
    assert "Date Tuesday, October 16, 2018" in text
    assert "Time 10:00-11:00 AM Pacific (America/Los_Angeles)" in text
    assert "Recording disclaimer the program's" in text
    assert "Domestic Call-In: (866) 528-2256, access code 389 588 9" in text
    assert "International Call-In: (216) 706-7052, access code 389 588 9" in text
    assert "Contact Indu Nambiar <inambiar@caiso.com> (the program's)" in text
    assert "Agenda (3 topics)" in text
    assert "DRRS – Acceptable Use Policy Changes" in text
    assert "Nalini Chari new" in text
    assert "Technical Specification document (page 11) new" in text
    assert "Announcements (2)" in text
    assert "DRRS – Acceptable Use Policy Policy change new draft" in text
    assert "Announces the CPG meeting of November 1, 2018: a new draft at 2:00-3:00 PM" in text
    assert "with 4 topics" in text
    assert "Tuesday, October 30, 2018: a new draft placeholder at 10:00-11:00 AM Pacific." in text
    assert "Needs a human look" not in text
    assert 'value="Import: create the draft meeting"' in page


def test_preview_without_javascript_answers_with_the_whole_page(staff_client, programs):
    response = preview(staff_client)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" in page
    assert 'id="import-preview"' in page
    assert "Will create a" in text_of(response)


def test_preview_names_the_document_as_staff_named_it_without_any_folder(staff_client, programs):
    named = upload(data=(AGENDAS / SEED).read_bytes())
    named.name = "..\\..\\TUG agenda 16 Oct.txt"

    response = preview(staff_client, named, **HTMX)

    assert "<h2>TUG agenda 16 Oct.txt</h2>" in response.content.decode()


def test_preview_writes_nothing_but_keeps_the_upload(staff_client, programs):
    preview(staff_client, **HTMX)

    assert (Meeting.objects.count(), Announcement.objects.count()) == (0, 0)
    assert AgendaImport.objects.count() == 0


def test_preview_lists_what_needs_a_human_look(staff_client):
    rsc = make_program("rsc", name="Reliability Subcommittee", time_zone="America/Denver")

    response = preview(staff_client, upload("rsc_2019-07-16.txt"), program=rsc.pk, **HTMX)

    text = text_of(response)
    assert "Needs a human look no time zone found" in text
    assert "time zone America/Denver assumed (the program's)" in text
    assert "end time 11:45 taken from the last agenda item" in text


def test_preview_of_an_unknown_program_offers_no_import(staff_client):
    response = preview(staff_client, upload("rsc_2019-07-16.txt"), **HTMX)

    text = text_of(response)
    assert response.status_code == 200
    assert "Nothing can be imported: program unknown" in text
    assert "Import:" not in text


def test_preview_of_an_unreadable_file_says_why(staff_client):
    junk = SimpleUploadedFile("agenda.pdf", bytes(range(256)) * 16)

    response = preview(staff_client, junk, **HTMX)

    assert response.status_code == 400
    assert "agenda.pdf: this is not a readable PDF document" in text_of(response)


def test_preview_of_a_file_over_the_limit_refuses_it_unread(staff_client):
    # Over the file limit, within the request limit (TUG_MAX_IMPORT_REQUEST_BYTES: 413 beyond).
    huge = SimpleUploadedFile("agenda.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 512 * 1024))

    response = preview(staff_client, huge, **HTMX)

    assert response.status_code == 400
    assert "Agenda document: The file is 10.5 MB, over the 10.0 MB limit." in text_of(response)


def test_preview_without_a_file_says_it_is_needed(staff_client):
    response = staff_client.post(UPLOAD, {"program": ""}, **HTMX)

    assert response.status_code == 400
    assert "Agenda document: This field is required." in text_of(response)


def test_preview_costs_a_fixed_number_of_queries(
    staff_client, programs, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        response = preview(staff_client, **HTMX)

    assert response.status_code == 200


# --------------------------------------------------------------------------- confirmation


def test_confirm_creates_the_draft_meeting_and_opens_it(staff_client, programs):
    shown = preview(staff_client)

    response = staff_client.post(CONFIRM, confirmation(shown))

    meeting = Meeting.objects.get(slug="tug-2018-10-16")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/meetings/meeting/{meeting.pk}/change/"
    assert meeting.is_published is False
    assert meeting.topics.count() == 3
    record = AgendaImport.objects.get()
    assert (record.source_name, record.meeting, record.imported_by) == (
        SEED,
        meeting,
        staff_client.user,
    )
    assert meeting.history.latest().history_user == staff_client.user


def test_confirm_through_htmx_sends_the_browser_to_the_meeting(staff_client, programs):
    shown = preview(staff_client, **HTMX)

    response = staff_client.post(CONFIRM, confirmation(shown), **HTMX)

    meeting = Meeting.objects.get(slug="tug-2018-10-16")
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/admin/meetings/meeting/{meeting.pk}/change/"


def test_confirm_tells_staff_what_was_imported(staff_client, programs):
    shown = preview(staff_client)

    response = staff_client.post(CONFIRM, confirmation(shown), follow=True)

    assert (
        "Imported tug_2018-10-16.txt: created the draft meeting "
        "TUG 2018-10-16 (10:00-11:00 Pacific)."
    ) in text_of(response)


def test_confirm_twice_imports_once(staff_client, programs):
    fields = confirmation(preview(staff_client))
    staff_client.post(CONFIRM, fields)

    again = staff_client.post(CONFIRM, fields, **HTMX)

    assert again.status_code == 400
    assert "This preview has expired" in text_of(again)
    assert Meeting.objects.filter(program__slug="tug").count() == 2  # and the next placeholder


def test_confirm_of_an_expired_preview_asks_for_the_document_again(staff_client, programs):
    fields = confirmation(preview(staff_client))
    cache.clear()

    response = staff_client.post(CONFIRM, fields, **HTMX)

    assert response.status_code == 400
    assert "upload the document again" in text_of(response)
    assert Meeting.objects.count() == 0


def test_confirm_of_another_users_preview_is_refused(staff_client, programs, client):
    fields = confirmation(preview(staff_client))
    other = User.objects.create_user("other", password="x", is_staff=True)
    other.groups.add(ensure_iso_staff_group())
    staff_client.force_login(other)

    response = staff_client.post(CONFIRM, fields, **HTMX)

    assert response.status_code == 400
    assert Meeting.objects.count() == 0


def test_confirm_after_the_data_changed_shows_the_new_plan(staff_client, programs):
    tug, _ = programs
    fields = confirmation(preview(staff_client))
    existing = make_meeting(tug, date(2018, 10, 16), is_published=False)

    response = staff_client.post(CONFIRM, fields, **HTMX)

    text = text_of(response)
    assert response.status_code == 409
    assert "The portal's data changed since this preview was made" in text
    assert f"Will update the meeting {existing}" in text
    assert Meeting.objects.count() == 1
    assert existing.topics.count() == 0

    again = staff_client.post(CONFIRM, confirmation(response), **HTMX)

    assert again["HX-Redirect"] == f"/admin/meetings/meeting/{existing.pk}/change/"
    assert existing.topics.count() == 3


# ------------------------------------------------------------------------------ a browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_preview_and_import_an_agenda_in_a_browser(chromium, live_server, programs):
    user = User.objects.create_user("editor", password="a-long-password", is_staff=True)
    user.groups.add(ensure_iso_staff_group())
    page = chromium.new_page()
    errors = []
    watch_for_errors(page, errors, failed=errors)  # a failed load too, by its URL
    page.goto(f"{live_server.url}/admin/login/?next={UPLOAD}")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}{UPLOAD}")
    page.evaluate("window.loadedOnce = true")  # gone if the page were reloaded

    page.get_by_label("Agenda document").set_input_files(AGENDAS / SEED)
    page.get_by_role("button", name="Preview").click()

    preview_part = page.locator("#import-preview")
    expect(preview_part.get_by_role("heading", level=2)).to_have_text(SEED)
    expect(preview_part).to_contain_text("Will create a draft meeting of TUG.")
    assert page.evaluate("window.loadedOnce") is True  # swapped in place by htmx
    assert Meeting.objects.count() == 0

    page.get_by_role("button", name="Import: create the draft meeting").click()

    meeting_url = re.compile(r"/admin/meetings/meeting/\d+/change/$")
    page.wait_for_url(meeting_url)
    expect(page.locator(".messagelist .success")).to_have_text(
        "Imported tug_2018-10-16.txt: created the draft meeting "
        "TUG 2018-10-16 (10:00-11:00 Pacific)."
    )
    assert Meeting.objects.get(slug="tug-2018-10-16").topics.count() == 3
    assert errors == []  # no script failure, nothing refused by the Content-Security-Policy
    page.close()


def test_an_agenda_of_a_deactivated_program_is_not_imported_and_says_why(staff_client, programs):
    """Found from outside: an agenda imported into a switched-off program made its meetings
    (and the next meeting's draft), which the schedule and the admin refuse it."""
    Program.objects.filter(acronym="TUG").update(is_active=False)

    shown = preview(staff_client)

    assert "TUG is not active" in text_of(shown)
    assert 'name="token"' not in shown.content.decode()  # nothing to confirm
    assert Meeting.objects.count() == 0


def test_an_agenda_timed_in_the_hour_the_clocks_skip_is_not_imported_and_says_why(
    staff_client, programs
):
    """Found from outside: "March 10, 2030, 2:30 - 3:00 AM Pacific" previewed, then its
    import answered 500 (the meeting ended before it started)."""
    seed = (AGENDAS / SEED).read_text()
    agenda = seed.replace("October 16 2018", "March 10 2030").replace(
        "10:00 - 11:00 AM Pacific", "2:30 - 3:00 AM Pacific"
    )

    shown = preview(staff_client, upload("tug_2030-03-10.txt", agenda.encode()))

    assert "02:30 does not exist on 2030-03-10 in Pacific" in text_of(shown)
    assert 'name="token"' not in shown.content.decode()
    assert Meeting.objects.count() == 0
