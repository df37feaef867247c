"""tug_portal.meetings.search_index: each meeting's and announcement's stored search document
follows every edit of what it holds, and the database indexes it (PostgreSQL: a trigger-filled
tsvector with a GIN index; SQLite: an FTS5 table). Vendor-specific tests are marked and skipped
on the other database; run them with DATABASE_URL=postgres://... as CI does."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import make_meeting, make_program
from tug_portal.meetings import search, search_index
from tug_portal.meetings.models import (
    AgendaTopic,
    Announcement,
    Meeting,
    Person,
    SearchDocument,
)
from tug_portal.meetings.search_index import search_documents_rebuild

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's full-text index"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")


def document_of(meeting: Meeting) -> str:
    return SearchDocument.objects.get(meeting=meeting).text


def found(text: str) -> list[str]:
    return [meeting.slug for meeting in search.meetings_search(text=text, when="all")]


@pytest.fixture
def meeting():
    program = make_program()
    meeting = make_meeting(program, title="Technology User Group", notes="Bring questions.")
    topic = AgendaTopic.objects.create(meeting=meeting, title="Outage Management", body="- Derates")
    topic.facilitators.add(Person.objects.create(name="Nalini Chari"))
    return meeting


def test_meeting_document_holds_title_notes_topics_and_facilitators(meeting):
    text = document_of(meeting)

    for words in ("Technology User Group", "Bring questions.", "Outage Management", "Derates"):
        assert words in text
    assert "Nalini Chari" in text


def test_document_follows_a_topic_edit(meeting):
    topic = meeting.topics.get()
    topic.title = "Resource Adequacy"
    topic.save()

    assert found("adequacy") == [meeting.slug]
    assert found("outage") == []


def test_document_follows_a_new_and_a_deleted_topic(meeting):
    topic = AgendaTopic.objects.create(meeting=meeting, title="Congestion Revenue Rights")
    assert found("congestion") == [meeting.slug]

    topic.delete()

    assert found("congestion") == []
    assert found("outage") == [meeting.slug]


def test_document_follows_a_renamed_facilitator(meeting):
    person = Person.objects.get(name="Nalini Chari")
    person.name = "Priya Raman"
    person.save()

    assert found("raman") == [meeting.slug]
    assert found("nalini") == []


def test_document_follows_facilitators_added_and_removed_from_either_side(meeting):
    topic = meeting.topics.get()
    person = Person.objects.create(name="Oluwaseun Adeyemi")

    person.topics.add(topic)  # from the person's side
    assert found("oluwaseun") == [meeting.slug]

    topic.facilitators.remove(person)  # from the topic's side
    assert found("oluwaseun") == []


def test_document_follows_a_deleted_facilitator(meeting):
    Person.objects.get(name="Nalini Chari").delete()

    assert found("nalini") == []


def test_document_goes_with_its_meeting(meeting):
    meeting.delete()

    assert not SearchDocument.objects.exists()


def test_announcement_document_follows_its_edits(meeting):
    announcement = Announcement.objects.create(
        title="Acceptable Use Policy", slug="aup", body="Violations.", is_published=True
    )
    announcement.body = "Throttling of automated access."
    announcement.save()

    assert [a.slug for a in search.announcements_search(text="throttl")] == ["aup"]
    assert [a.slug for a in search.announcements_search(text="violations")] == []


def test_document_rolls_back_with_the_edit(meeting):
    topic = meeting.topics.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        topic.title = "Resource Adequacy"
        topic.save()
        raise RuntimeError

    assert "Outage Management" in document_of(meeting)


def test_rebuild_recreates_every_document(meeting):
    SearchDocument.objects.all().delete()
    other = make_meeting(meeting.program, day=date(2030, 2, 5), title="Technology User Group")

    assert search_documents_rebuild() == 2
    assert set(found("technology")) == {meeting.slug, other.slug}


# --- The database's own index -----------------------------------------------------------------


@postgresql_only
def test_postgresql_vector_has_a_gin_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'meetings_searchdocument'"
        )
        definitions = [row[0] for row in cursor.fetchall()]

    assert any("USING gin (vector)" in definition for definition in definitions)


@postgresql_only
def test_postgresql_search_queries_the_stored_vector_through_the_index(meeting):
    plan = search.meetings_search(text="nalini outage", when="all").explain()
    assert "to_tsvector" not in plan  # no vector is built per row
    assert "vector @@" in plan

    # The index serves that condition (the planner prefers a scan on a few rows: not allowed).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    documents = SearchDocument.objects.filter(search.matching(["nalini", "outage"], through=""))
    plan = documents.explain()

    assert "Bitmap Index Scan on meetings_searchdocument_vector_gin" in plan
    assert [document.meeting for document in documents] == [meeting]


@sqlite_only
def test_sqlite_search_queries_the_fts5_index(meeting):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [search.FTS_TABLE])
        (definition,) = cursor.fetchone()
    plan = search.meetings_search(text="nalini outage", when="all").explain()

    assert "fts5" in definition
    assert f"{search.FTS_TABLE} VIRTUAL TABLE INDEX" in plan


def test_deferred_block_writes_each_document_once_at_its_end(meeting):
    with CaptureQueriesContext(connection) as queries, search_index.deferred():
        for n in range(5):
            AgendaTopic.objects.create(meeting=meeting, title=f"Item {n}")
        assert "Item 0" not in document_of(meeting)  # noted, not yet written

    rewrites = [
        query
        for query in queries.captured_queries
        if query["sql"].startswith("DELETE") and "meetings_searchdocument" in query["sql"]
    ]
    assert len(rewrites) == 1
    assert "Item 4" in document_of(meeting)


def test_deferred_block_that_raises_writes_nothing(meeting):
    with pytest.raises(RuntimeError), search_index.deferred():
        AgendaTopic.objects.create(meeting=meeting, title="Never indexed")
        raise RuntimeError

    assert "Never indexed" not in document_of(meeting)


def test_rebuild_command_repairs_documents_written_around_the_models(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(title="Resource Adequacy Forum")
    assert found("adequacy") == []  # .update() sends no signal
    output = StringIO()

    call_command("rebuild_search_documents", stdout=output)

    assert found("adequacy") == [meeting.slug]
    assert output.getvalue() == "1 search documents written.\n"
