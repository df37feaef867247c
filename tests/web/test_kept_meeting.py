"""Issue 17: a meeting page's meeting (its row, contact, replacement and dial-ins) is read once
and kept per content version (web/kept_meeting.py): every kind of edit shows on the next
request, staff and the public each get their own, and nothing is kept for a 404."""

import pytest
from django.core.cache import caches

from tests.support.queries import counted_queries
from tests.web.support import text_of
from tug_portal.meetings.models import Meeting, MeetingDialIn, Person
from tug_portal.web import kept_meeting

SEED_PAGE = "/meetings/tug-2018-10-16/"


def _meeting_queries(client, path) -> list[str]:
    with counted_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [sql for sql in queries if 'FROM "meetings_meeting"' in sql]


def test_meeting_page_rendered_again_reads_no_meeting(staff_client, demo):
    assert _meeting_queries(staff_client, SEED_PAGE)

    assert _meeting_queries(staff_client, SEED_PAGE) == []


@pytest.mark.parametrize("path", [SEED_PAGE, "/meetings/tug-2018-10-30/"])
def test_kept_meeting_page_is_byte_for_byte_the_page_read_afresh(staff_client, demo, path):
    staff_client.get(path)
    kept = staff_client.get(path).content

    caches["rows"].clear()
    assert staff_client.get(path).content == kept


def _saved(django_capture_on_commit_callbacks, instance, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.save()


def test_meeting_edit_shows_at_once(staff_client, demo, django_capture_on_commit_callbacks):
    staff_client.get(SEED_PAGE)
    seed = Meeting.objects.get(slug="tug-2018-10-16")

    _saved(django_capture_on_commit_callbacks, seed, notes="Bring your release questions.")

    assert "Bring your release questions." in text_of(staff_client.get(SEED_PAGE))


def test_dial_in_edit_shows_at_once(staff_client, demo, django_capture_on_commit_callbacks):
    page = "/meetings/tug-2018-10-30/"  # ahead: its page shows how to join
    staff_client.get(page)
    dial_in = MeetingDialIn.objects.filter(meeting__slug="tug-2018-10-30").first()
    assert dial_in is not None

    _saved(django_capture_on_commit_callbacks, dial_in, label="Backup bridge")

    assert "Backup bridge" in text_of(staff_client.get(page))


def test_contact_edit_shows_at_once(staff_client, demo, django_capture_on_commit_callbacks):
    seed = Meeting.objects.get(slug="tug-2018-10-16")
    contact = Person.objects.create(name="Ada Contact", email="ada@example.com")
    _saved(django_capture_on_commit_callbacks, seed, contact=contact)
    assert "Ada Contact" in text_of(staff_client.get(SEED_PAGE))

    _saved(django_capture_on_commit_callbacks, contact, name="Ada Renamed")

    assert "Ada Renamed" in text_of(staff_client.get(SEED_PAGE))


def test_draft_kept_for_staff_is_still_a_404_for_the_public(
    staff_client, client, demo, django_capture_on_commit_callbacks
):
    meeting = Meeting.objects.get(slug="tug-2018-10-30")
    _saved(django_capture_on_commit_callbacks, meeting, is_published=False)
    assert staff_client.get("/meetings/tug-2018-10-30/").status_code == 200  # kept for staff

    assert client.get("/meetings/tug-2018-10-30/").status_code == 404


def test_nothing_is_kept_for_a_meeting_that_does_not_exist(staff_client, demo, monkeypatch):
    stored = []
    rows = caches["rows"]
    real_set = rows.set

    def recording_set(key, value, *args, **kwargs):
        stored.append(key)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(rows, "set", recording_set)

    assert staff_client.get("/meetings/no-such-meeting/").status_code == 404
    assert [key for key in stored if kept_meeting.KEY_PREFIX in key] == []
    assert staff_client.get(SEED_PAGE).status_code == 200
    assert [key for key in stored if kept_meeting.KEY_PREFIX in key]  # (what is recorded)
