"""The meeting lists' row cache (web/row_cache.py): each row rendered once and reused, its markup
the same as a row rendered afresh, and every edit of what a row shows on the page at once, for
staff and for anonymous visitors."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.support.demo import DAY_AFTER_SEED, SEED_SLUG
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import AgendaTopic, Meeting, Program, System
from tug_portal.web import row_cache

HTMX = {"HX-Request": "true"}
# Every demo meeting, the past seed meeting among them: the dashboard's and the program's list.
LISTS = ["/?when=all", "/programs/tug/?when=all"]


@pytest.fixture
def committed_demo(db, time_machine, django_capture_on_commit_callbacks):
    """The seed data with its on-commit work done, as after a deploy: a later edit is then a
    transaction of its own, whose commit syncs the calendar state and sends `meetings_changed`."""
    time_machine.move_to(DAY_AFTER_SEED, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()


def _rows_stored() -> list[str]:
    """The keys of the meetings' rows the cache holds now."""
    meetings = Meeting.objects.select_related("program")
    return list(
        row_cache.rows_cache().get_many([row_cache.row_key(meeting) for meeting in meetings])
    )


def _list(client, path: str) -> str:
    response = client.get(path, headers=HTMX)
    assert response.status_code == 200
    return response.text


def _list_rendered_cold(client, path: str) -> str:
    """The list with every row rendered afresh (and no stored page)."""
    cache.clear()
    row_cache.rows_cache().clear()
    return _list(client, path)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "fragment"])
def test_rows_from_the_cache_are_byte_for_byte_the_rows_rendered_afresh(
    staff_client, committed_demo, path, headers
):
    cache.clear()
    row_cache.rows_cache().clear()
    cold = staff_client.get(path, headers=headers).text
    assert len(_rows_stored()) == cold.count('<li class="meeting-row') > 0

    warm = staff_client.get(path, headers=headers).text

    assert warm == cold


def test_row_markup_is_the_partial_rendered_on_its_own(staff_client, committed_demo):
    html = _list(staff_client, "/?when=all")
    seed = Meeting.objects.select_related("program").get(slug=SEED_SLUG)

    row = row_cache.meeting_rows([seed])[seed.pk]

    assert row in html
    assert '<a href="/meetings/tug-2018-10-16/">Technology User Group' in row
    assert '<span class="system-tag">DRRS</span>' in row


def _current_keys() -> set[str]:
    return {row_cache.row_key(m) for m in Meeting.objects.select_related("program")}


def test_one_edited_meeting_makes_one_row_rendered_again(
    staff_client, committed_demo, django_capture_on_commit_callbacks
):
    _list(staff_client, "/?when=all")
    before = _current_keys()
    assert set(_rows_stored()) == before

    with django_capture_on_commit_callbacks(execute=True):
        edit_title()
    after = _current_keys()
    _list(staff_client, "/?when=all")

    assert len(before - after) == len(after - before) == 1  # the others' rows are reused
    assert set(_rows_stored()) == after


# --- Every kind of edit shows at once -------------------------------------------------------


def _seed() -> Meeting:
    return Meeting.objects.get(slug=SEED_SLUG)


def _drrs_topic() -> AgendaTopic:
    return AgendaTopic.objects.get(meeting__slug=SEED_SLUG, systems__code="DRRS")


def edit_title():
    meeting = _seed()
    meeting.title = "Technology User Group, special session"
    meeting.save()


def edit_time():
    meeting = _seed()
    meeting.starts_at += timedelta(hours=2)
    meeting.ends_at += timedelta(hours=2, minutes=30)
    meeting.save()


def edit_zone():
    meeting = _seed()
    meeting.time_zone = "America/New_York"
    meeting.save()


def edit_day():
    meeting = _seed()
    meeting.starts_at -= timedelta(days=1)
    meeting.ends_at -= timedelta(days=1)
    meeting.save()


def edit_slug():
    meeting = _seed()
    meeting.slug = "tug-2018-10-16-moved"
    meeting.save()


def edit_topic_added():
    AgendaTopic.objects.create(meeting=_seed(), order=9, title="EIM settlement questions")


def edit_topic_removed():
    _drrs_topic().delete()


def edit_topic_renamed():
    topic = _drrs_topic()
    topic.title = "DRRS – Acceptable Use Policy, second reading"
    topic.save()


def edit_topics_reordered():
    first, last = AgendaTopic.objects.filter(meeting__slug=SEED_SLUG).order_by("order")[::2]
    first.order, last.order = last.order, first.order
    first.save()
    last.save()


def edit_topic_system_added():
    _drrs_topic().systems.add(System.objects.get(code="OMS"))


def edit_topic_system_removed():
    _drrs_topic().systems.clear()


def edit_system_code_renamed():
    system = System.objects.get(code="DRRS")
    system.code = "DRRS2"
    system.save()


def edit_system_deleted():
    System.objects.get(code="DRRS").delete()


def edit_topic_removed_from_the_system_side():
    System.objects.get(code="DRRS").topics.remove(_drrs_topic())


def edit_program_acronym_renamed():
    program = Program.objects.get(slug="tug")
    program.acronym = "TUGX"
    program.save()


def edit_unpublished():
    meeting = _seed()
    meeting.is_published = False
    meeting.save()


def edit_cancelled():
    meeting = _seed()
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancellation_reason = "Holiday week"
    meeting.save()


def edit_tentative():
    meeting = _seed()
    meeting.status = Meeting.Status.TENTATIVE
    meeting.save()


EDITS = [
    edit_title,
    edit_time,
    edit_zone,
    edit_day,
    edit_slug,
    edit_topic_added,
    edit_topic_removed,
    edit_topic_renamed,
    edit_topics_reordered,
    edit_topic_system_added,
    edit_topic_system_removed,
    edit_system_code_renamed,
    edit_system_deleted,
    edit_topic_removed_from_the_system_side,
    edit_program_acronym_renamed,
    edit_unpublished,
    edit_cancelled,
    edit_tentative,
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("viewer", ["staff", "anonymous"])
def test_edit_of_what_a_row_shows_is_on_the_list_at_once(
    client, staff_client, committed_demo, django_capture_on_commit_callbacks, path, edit, viewer
):
    browser = staff_client if viewer == "staff" else client
    before = _list(browser, path)  # every row stored (and, for anonymous, the page)

    with django_capture_on_commit_callbacks(execute=True):
        edit()
    after = _list(browser, path)

    assert after != before
    assert after == _list_rendered_cold(browser, path)


def test_published_draft_shows_on_the_list_at_once_and_staff_see_its_badge_go(
    client, staff_client, committed_demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edit_unpublished()
    assert 'badge--draft">Draft' in _list(staff_client, "/?when=all")
    assert f"/meetings/{SEED_SLUG}/" not in _list(client, "/?when=all")

    with django_capture_on_commit_callbacks(execute=True):
        meeting = _seed()
        meeting.is_published = True
        meeting.save()

    assert 'badge--draft">Draft' not in _list(staff_client, "/?when=all")
    assert f"/meetings/{SEED_SLUG}/" in _list(client, "/?when=all")


def test_a_deploy_that_changes_the_row_template_never_serves_rows_of_the_old_markup(monkeypatch):
    """The key holds a digest of the row's template file and template tags, so new markup is
    rendered anew without anyone remembering to bump a version."""
    before = row_cache.markup_version()
    template_file = row_cache.get_template(row_cache.ROW_TEMPLATE).origin.name
    read_bytes = row_cache.Path.read_bytes

    def edited(path):
        content = read_bytes(path)
        return content + b"<!-- edited -->" if str(path) == template_file else content

    monkeypatch.setattr(row_cache.Path, "read_bytes", edited)
    row_cache.markup_version.cache_clear()
    try:
        assert row_cache.markup_version() != before
    finally:
        monkeypatch.undo()
        row_cache.markup_version.cache_clear()
    assert row_cache.markup_version() == before


@pytest.mark.skipif(bool(settings.CACHE_URL), reason="embedded: the file cache's 300 entries")
def test_rows_are_kept_apart_from_the_page_cache_so_listing_an_archive_evicts_no_page(
    staff_client, committed_demo
):
    """Embedded, the file cache holds 300 entries and culls a random third past them (stored
    pages and the content version too): a ten-year archive's 1,300 rows must not go there."""
    _list(staff_client, "/?when=all")

    stored_rows = _rows_stored()
    assert stored_rows
    assert not cache.get_many(stored_rows)
