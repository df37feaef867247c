"""Stored search documents, and the database's own index of them.

PostgreSQL: a trigger fills `vector` with to_tsvector('english', text) on every insert and update
(the built-in tsvector_update_trigger), and a GIN index serves `vector @@ tsquery`.
SQLite: an FTS5 table (Porter stemming, like PostgreSQL's English configuration) that triggers
keep equal to `text`, its rowid the document's id.
Other databases get neither, and their searches fall back to a scan (see search.py).
Then every existing meeting and announcement gets its document.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

POSTGRESQL = [
    """CREATE TRIGGER meetings_searchdocument_vector
       BEFORE INSERT OR UPDATE OF text ON meetings_searchdocument
       FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger(vector, 'pg_catalog.english', text)""",
    "CREATE INDEX meetings_searchdocument_vector_gin ON meetings_searchdocument USING gin (vector)",
]
POSTGRESQL_UNDO = [
    "DROP INDEX IF EXISTS meetings_searchdocument_vector_gin",
    "DROP TRIGGER IF EXISTS meetings_searchdocument_vector ON meetings_searchdocument",
]
SQLITE = [
    """CREATE VIRTUAL TABLE meetings_searchdocument_fts
       USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER meetings_searchdocument_fts_insert AFTER INSERT ON meetings_searchdocument
       BEGIN INSERT INTO meetings_searchdocument_fts (rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER meetings_searchdocument_fts_update AFTER UPDATE ON meetings_searchdocument
       BEGIN
         DELETE FROM meetings_searchdocument_fts WHERE rowid = old.id;
         INSERT INTO meetings_searchdocument_fts (rowid, text) VALUES (new.id, new.text);
       END""",
    """CREATE TRIGGER meetings_searchdocument_fts_delete AFTER DELETE ON meetings_searchdocument
       BEGIN DELETE FROM meetings_searchdocument_fts WHERE rowid = old.id; END""",
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS meetings_searchdocument_fts_insert",
    "DROP TRIGGER IF EXISTS meetings_searchdocument_fts_update",
    "DROP TRIGGER IF EXISTS meetings_searchdocument_fts_delete",
    "DROP TABLE IF EXISTS meetings_searchdocument_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def build_documents(apps, schema_editor):
    from tug_portal.meetings.search_index import search_documents_rebuild

    search_documents_rebuild(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0003_agenda_request_mail_state"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.TextField()),
                (
                    "vector",
                    django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
                (
                    "announcement",
                    models.OneToOneField(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_document",
                        to="meetings.announcement",
                    ),
                ),
                (
                    "meeting",
                    models.OneToOneField(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_document",
                        to="meetings.meeting",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("announcement__isnull", True), ("meeting__isnull", False)),
                            models.Q(("announcement__isnull", False), ("meeting__isnull", True)),
                            _connector="OR",
                        ),
                        name="search_document_of_one_thing",
                    )
                ],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_UNDO, "sqlite": SQLITE_UNDO}),
        ),
        migrations.RunPython(build_documents, migrations.RunPython.noop),
    ]
