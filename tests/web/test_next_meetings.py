"""Issue 17: the next meeting of each program (the dashboard, a program's page) and the meeting
after a meeting (its page) are computed once and kept while they are exactly right: an edit
shows on the next request, and when the next meeting ends the one after it shows at once.
Staff (signed in) get pages rendered afresh, so these see the kept answers."""

from datetime import datetime, timedelta

from tests.support.demo import PACIFIC
from tests.support.queries import counted_queries, signed_in
from tests.web.support import text_of
from tug_portal.meetings import selectors
from tug_portal.meetings.models import Meeting
from tug_portal.web.next_meetings import next_meetings_by_program

# When the 30 October TUG meeting (the next one on the day after the seed) ends.
NEXT_TUG_ENDS = datetime(2018, 10, 30, 11, 0, tzinfo=PACIFIC)
SEED_PAGE = "/meetings/tug-2018-10-16/"


def _queries_of(client, path) -> int:
    with counted_queries() as queries:
        client.get(path)
    return len(queries)


def test_dashboard_reads_the_next_meetings_once_until_something_changes(staff_client, demo):
    first = _queries_of(staff_client, "/")

    # The query of `meetings_next_by_program` is not run again (nor, the rows being stored
    # now, the list's meetings read whole, their topics and the topics' systems:
    # web/row_cache.py; nor the 5 of the reference rows: web/reference.py; nor, the program
    # cards and the sidebar being kept, the recent announcements and their systems:
    # web/fragments.py; nor the signed-in user, kept by the first request: common/auth.py; nor
    # the page of meetings and when a meeting next ends: web/kept_lists.py).
    assert _queries_of(staff_client, "/") == first - 1 - 3 - 5 - 2 - 1 - 2


def test_kept_answer_is_the_selectors_answer(demo):
    next_meetings_by_program()  # stored

    kept = next_meetings_by_program()

    expected = selectors.meetings_next_by_program()
    assert {pk: m.slug for pk, m in kept.items()} == {pk: m.slug for pk, m in expected.items()}


def test_edited_next_meeting_shows_at_once(staff_client, demo, django_capture_on_commit_callbacks):
    staff_client.get("/")
    meeting = Meeting.objects.get(slug="tug-2018-10-30")

    with django_capture_on_commit_callbacks(execute=True):
        meeting.status = Meeting.Status.CANCELLED
        meeting.save()
    text = text_of(staff_client.get("/"))

    assert "Next TUG: Tue 13 Nov 2018" in text
    assert "Next TUG: Tue 30 Oct 2018" not in text


def test_next_meeting_stays_next_until_it_ends(staff_client, demo, time_machine):
    time_machine.move_to(NEXT_TUG_ENDS - timedelta(hours=1), tick=False)  # under way
    staff_client.get("/")

    time_machine.move_to(NEXT_TUG_ENDS - timedelta(microseconds=1), tick=False)

    assert "Next TUG: Tue 30 Oct 2018" in text_of(staff_client.get("/"))


def test_next_meeting_moves_on_the_moment_it_ends(staff_client, demo, time_machine):
    time_machine.move_to(NEXT_TUG_ENDS - timedelta(hours=1), tick=False)
    staff_client.get("/")

    # The cache keeps the answer a little longer (whole seconds): the instant decides.
    time_machine.move_to(NEXT_TUG_ENDS, tick=False)
    text = text_of(staff_client.get("/"))

    assert "Next TUG: Tue 13 Nov 2018" in text
    assert "Next CPG: Thu 1 Nov 2018" in text  # the other programs' answers are unchanged


def test_answer_changes_with_the_clock_only_when_a_next_meeting_ends(demo):
    next_meetings = selectors.meetings_next_by_program()

    assert selectors.next_meetings_change_at(next_meetings) == NEXT_TUG_ENDS
    assert selectors.next_meetings_change_at({}) is None


def test_program_page_reads_its_next_meeting_from_the_kept_answer(staff_client, demo):
    staff_client.get("/")  # the dashboard keeps the answer

    # One query fewer than when the page is the first to ask (15), three more fewer (the
    # dashboard stored the rows of the demo's upcoming TUG meetings, web/row_cache.py: none read
    # whole, nor their topics and systems), the 5 of the reference rows it kept
    # (web/reference.py) and when a meeting next ends (web/kept_lists.py).
    assert _queries_of(staff_client, "/programs/tug/") == signed_in(15 - 1 - 3 - 5 - 1)


def test_program_page_next_meeting_moves_on_the_moment_it_ends(staff_client, demo, time_machine):
    time_machine.move_to(NEXT_TUG_ENDS - timedelta(hours=1), tick=False)
    staff_client.get("/programs/tug/")

    time_machine.move_to(NEXT_TUG_ENDS, tick=False)

    assert "Next TUG: Tue 13 Nov 2018" in text_of(staff_client.get("/programs/tug/"))


# --- A meeting page's "Next TUG": the program's meeting after this one ------------------------


def test_meeting_page_reads_the_meeting_after_it_once(staff_client, demo):
    first = _queries_of(staff_client, SEED_PAGE)

    # One query fewer for the meeting after it (and 4 fewer for its agenda, 2 for its
    # announcements, 2 for its materials, kept: web/fragments.py; 5 for the reference rows:
    # web/reference.py; tests/web/test_uncached_queries.py; and the signed-in user, kept by the
    # first request: common/auth.py; and the meeting itself with its dial-ins, kept:
    # web/kept_meeting.py).
    assert _queries_of(staff_client, SEED_PAGE) == first - 1 - 4 - 2 - 2 - 5 - 1 - 2


def test_meeting_after_an_edited_one_shows_at_once(
    staff_client, demo, django_capture_on_commit_callbacks
):
    assert "Next TUG: Tue 30 Oct 2018" in text_of(staff_client.get(SEED_PAGE))
    following = Meeting.objects.get(slug="tug-2018-10-30")

    with django_capture_on_commit_callbacks(execute=True):
        following.status = Meeting.Status.CANCELLED
        following.save()

    assert "Next TUG: Tue 13 Nov 2018" in text_of(staff_client.get(SEED_PAGE))
