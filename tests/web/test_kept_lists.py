"""Issue 17: a list's page of meetings (its rows' values and the list's size) is read once and
kept while it is exactly right (web/kept_lists.py): an edit shows on the next request, a meeting
that ends leaves the upcoming list (and joins the past one) the moment it ends, staff and the
public each get their own, and typed words are never kept."""

from datetime import date, datetime, timedelta

import pytest
from django.core.cache import caches

from tests.support.demo import PACIFIC
from tests.support.queries import counted_queries
from tests.web.support import text_of
from tug_portal.meetings.models import Meeting
from tug_portal.web import kept_lists

# When the 30 October TUG meeting (the next one on the day after the seed) ends.
NEXT_TUG_ENDS = datetime(2018, 10, 30, 11, 0, tzinfo=PACIFIC)

LISTS = [
    "/",
    "/?when=past",
    "/?when=all",
    "/?program=tug&system=DRRS&when=all",
    "/programs/tug/",
    "/programs/tug/?when=past",
    "/programs/cpg/?when=all",
]


def _meeting_queries(client, path) -> list[str]:
    with counted_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [sql for sql in queries if 'FROM "meetings_meeting"' in sql]


def _listed(client, path) -> str:
    """The text of the list alone (its htmx fragment): the page also names the next meeting."""
    return text_of(client.get(path, headers={"HX-Request": "true"}))


@pytest.fixture
def kept_keys(monkeypatch):
    """The keys of the list pages stored from now on (on every cache backend)."""
    stored = []
    rows = caches["rows"]
    real_set = rows.set

    def recording_set(key, value, *args, **kwargs):
        if isinstance(value, kept_lists.KeptPage):
            stored.append(key)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(rows, "set", recording_set)
    return stored


@pytest.mark.parametrize("path", LISTS)
def test_list_rendered_again_reads_no_meetings(staff_client, demo, path):
    assert _meeting_queries(staff_client, path)  # the first render reads its page

    assert _meeting_queries(staff_client, path) == []


@pytest.mark.parametrize("path", LISTS)
def test_kept_page_is_byte_for_byte_the_page_read_afresh(staff_client, demo, path):
    staff_client.get(path)  # kept
    kept = staff_client.get(path).content

    caches["rows"].clear()
    assert staff_client.get(path).content == kept


def test_each_page_of_a_long_list_is_kept_apart(staff_client, demo, make_meetings):
    make_meetings(45, start=date(2016, 1, 5))
    pages = [staff_client.get(f"/programs/tug/?when=past&page={n}").content for n in (1, 2, 3)]

    assert len(set(pages)) == 3
    assert [staff_client.get(f"/programs/tug/?when=past&page={n}").content for n in (1, 2, 3)] == (
        pages
    )


def test_fragment_and_page_share_the_kept_list(staff_client, demo):
    staff_client.get("/programs/tug/?when=past")

    fragment = staff_client.get("/programs/tug/?when=past", headers={"HX-Request": "true"})

    assert "Tue 16 Oct 2018" in text_of(fragment)


def test_edit_shows_in_the_kept_list_at_once(
    staff_client, demo, django_capture_on_commit_callbacks
):
    assert "Tue 30 Oct 2018" in _listed(staff_client, "/programs/tug/")
    meeting = Meeting.objects.get(slug="tug-2018-10-30")

    with django_capture_on_commit_callbacks(execute=True):
        meeting.starts_at -= timedelta(days=20)  # now before the seed: in the past
        meeting.ends_at -= timedelta(days=20)
        meeting.save()

    assert "Tue 30 Oct 2018" not in _listed(staff_client, "/programs/tug/")


def test_meeting_leaves_the_upcoming_list_the_moment_it_ends(staff_client, demo, time_machine):
    time_machine.move_to(NEXT_TUG_ENDS - timedelta(hours=1), tick=False)  # under way
    assert "Tue 30 Oct 2018" in _listed(staff_client, "/programs/tug/")
    assert "Tue 30 Oct 2018" not in _listed(staff_client, "/programs/tug/?when=past")

    time_machine.move_to(NEXT_TUG_ENDS, tick=False)  # its last instant: still under way
    assert "Tue 30 Oct 2018" in _listed(staff_client, "/programs/tug/")

    time_machine.move_to(NEXT_TUG_ENDS + timedelta(microseconds=1), tick=False)
    assert "Tue 30 Oct 2018" not in _listed(staff_client, "/programs/tug/")
    assert "Tue 30 Oct 2018" in _listed(staff_client, "/programs/tug/?when=past")


def test_staff_and_public_each_get_their_own_kept_list(staff_client, client, demo):
    Meeting.objects.filter(slug="tug-2018-11-13").update(is_published=False)
    label = "Tue 13 Nov 2018"
    assert label in _listed(staff_client, "/programs/tug/?when=all")  # staff: kept first

    assert label not in _listed(client, "/programs/tug/?when=all")
    assert label in _listed(staff_client, "/programs/tug/?when=all")


def test_typed_words_are_never_kept(staff_client, demo, kept_keys):
    for path in ["/?q=outage+coordination", "/programs/tug/?q=%20%20"]:
        staff_client.get(path)

        assert _meeting_queries(staff_client, path)  # read again: nothing was kept
    assert kept_keys == []
    staff_client.get("/programs/tug/")
    assert len(kept_keys) == 1  # (what is recorded)


def test_a_page_past_the_last_is_a_404_and_not_kept(staff_client, demo, kept_keys):
    assert staff_client.get("/programs/tug/?page=999").status_code == 404

    assert kept_keys == []
    assert staff_client.get("/programs/tug/?page=999").status_code == 404


def test_kept_lists_are_per_content_version(staff_client, demo, django_capture_on_commit_callbacks):
    staff_client.get("/programs/tug/")
    meeting = Meeting.objects.get(slug="tug-2018-10-30")

    with django_capture_on_commit_callbacks(execute=True):
        meeting.title = "Renamed meeting"
        meeting.save()

    assert _meeting_queries(staff_client, "/programs/tug/")  # read again under the new version
    assert "Renamed meeting" in text_of(staff_client.get("/programs/tug/"))
