"""Issue 17: the programs, systems and footer links every public page reads are read once per
content version and kept (web/reference.py), and every edit of them shows on the next request,
for staff (pages rendered afresh) and for anonymous visitors (the page cache)."""

import pytest
from django.core.cache import cache

from tests.support.demo import DAY_AFTER_SEED
from tests.support.queries import counted_queries
from tests.web.support import text_of
from tug_portal.meetings.demo import load_demo
from tug_portal.meetings.models import Person, Program, ProgramDialIn, StayConnectedLink, System
from tug_portal.web import reference

PAGES = ["/", "/programs/tug/", "/announcements/"]


@pytest.fixture
def committed_demo(db, time_machine, django_capture_on_commit_callbacks):
    """The demo as after a deploy: a later edit is a transaction of its own, whose commit bumps
    the content version."""
    time_machine.move_to(DAY_AFTER_SEED, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...`: the edits inside run their on-commit work as their commit would
    (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(params=["staff", "anonymous"])
def visitor(request, staff_client, client):
    return staff_client if request.param == "staff" else client


def _text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return text_of(response)


def test_reference_rows_are_read_once_per_content_version(committed_demo):
    first = reference.reference()

    with counted_queries() as queries:
        again = reference.reference()

    assert again is first
    assert queries == []


def test_a_content_edit_reads_them_again(committed_demo, committed):
    first = reference.reference()
    with committed():
        StayConnectedLink.objects.create(
            program=Program.objects.get(slug="tug"),
            kind="web",
            label="Blog",
            url="https://x.example",
        )

    assert reference.reference() is not first
    assert "Blog" in [link.label for link in reference.reference().footer_links]


def test_second_render_reads_no_programs_systems_or_links(staff_client, committed_demo):
    staff_client.get("/announcements/")

    with counted_queries() as queries:
        staff_client.get("/announcements/")

    tables = " ".join(query.lower() for query in queries)
    assert 'meetings_system" order by' not in tables
    assert 'from "meetings_program"' not in tables
    assert "meetings_stayconnectedlink" not in tables


@pytest.mark.parametrize("path", ["/", "/announcements/"])
def test_new_system_no_topic_names_is_a_filter_choice_at_once(
    visitor, committed_demo, committed, path
):
    _text(visitor, path)

    with committed():
        System.objects.create(code="ZZNEW", name="A brand new system")

    assert "ZZNEW – A brand new system" in _text(visitor, path)


def test_renamed_unused_system_shows_its_new_name_at_once(visitor, committed_demo, committed):
    with committed():
        system = System.objects.create(code="ZZNEW", name="Before")
    _text(visitor, "/")

    with committed():
        system.name = "After"
        system.save()
    text = _text(visitor, "/")

    assert "ZZNEW – After" in text
    assert "ZZNEW – Before" not in text


def test_deleted_unused_system_leaves_the_filter_at_once(visitor, committed_demo, committed):
    with committed():
        system = System.objects.create(code="ZZNEW", name="Soon gone")
    assert "ZZNEW" in _text(visitor, "/")

    with committed():
        system.delete()

    assert "ZZNEW" not in _text(visitor, "/")


@pytest.mark.parametrize("path", PAGES)
def test_renamed_program_shows_its_new_name_at_once(visitor, committed_demo, committed, path):
    _text(visitor, path)
    program = Program.objects.get(slug="tug")

    with committed():
        program.name = "Technology Users Forum"
        program.save()

    assert "Technology Users Forum" in _text(visitor, path)


def test_new_program_without_meetings_is_a_card_and_a_choice_at_once(
    visitor, committed_demo, committed
):
    _text(visitor, "/")

    with committed():
        Program.objects.create(slug="mpg", acronym="MPG", name="Market Partners Group")
    text = _text(visitor, "/")

    assert "Market Partners Group MPG" in text  # its card
    assert "MPG – Market Partners Group" in text  # the filter's choice


def test_deleted_program_without_meetings_leaves_at_once(visitor, committed_demo, committed):
    with committed():
        program = Program.objects.create(slug="mpg", acronym="MPG", name="Market Partners Group")
    assert "Market Partners Group" in _text(visitor, "/")

    with committed():
        program.delete()

    assert "Market Partners Group" not in _text(visitor, "/")
    assert visitor.get("/programs/mpg/").status_code == 404


def test_deactivated_program_leaves_at_once(visitor, committed_demo, committed, staff_client):
    """It leaves the lists for everyone; its page is a 404 for the public, and for staff it
    says at once that the program is switched off."""
    assert "switched off" not in _text(visitor, "/programs/cpg/")
    program = Program.objects.get(slug="cpg")

    with committed():
        program.is_active = False
        program.save()

    if visitor is staff_client:
        assert "CPG is switched off" in _text(visitor, "/programs/cpg/")
    else:
        assert visitor.get("/programs/cpg/").status_code == 404
    assert "CPG –" not in _text(visitor, "/")


def test_contact_of_a_program_without_meetings_shows_its_new_name_at_once(
    visitor, committed_demo, committed
):
    """A person's edit changes no meeting's calendar here (the program has none), yet its page
    shows them as its contact."""
    with committed():
        contact = Person.objects.create(name="First Contact", email="first@example.org")
        Program.objects.create(slug="mpg", acronym="MPG", name="Market Partners", contact=contact)
    assert "First Contact" in _text(visitor, "/programs/mpg/")

    with committed():
        contact.name = "Second Contact"
        contact.save()

    assert "Second Contact" in _text(visitor, "/programs/mpg/")


def test_program_dial_in_edit_shows_on_its_page_at_once(visitor, committed_demo, committed):
    program = Program.objects.get(slug="tug")
    _text(visitor, "/programs/tug/")

    with committed():
        ProgramDialIn.objects.create(program=program, label="Canada", number="+1 555 0100")

    assert "+1 555 0100" in _text(visitor, "/programs/tug/")


@pytest.mark.parametrize("path", ["/", "/programs/tug/", "/announcements/"])
def test_footer_link_edit_shows_at_once(visitor, committed_demo, committed, path):
    program = Program.objects.get(slug="tug")
    _text(visitor, path)

    with committed():
        link = StayConnectedLink.objects.create(
            program=program, kind="web", label="Our new blog", url="https://blog.example/"
        )
    assert "Our new blog" in _text(visitor, path)

    with committed():
        link.label = "Our renamed blog"
        link.save()
    assert "Our renamed blog" in _text(visitor, path)

    with committed():
        link.delete()
    assert "Our renamed blog" not in _text(visitor, path)


def test_kept_rows_are_not_used_after_the_cache_is_lost(committed_demo):
    first = reference.reference()

    cache.clear()  # the content version is lost: a new one starts

    assert reference.reference() is not first
