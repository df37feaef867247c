"""The stored feed's bytes move to the row's last column, its layout entries become JSON lines
(bytes), and on PostgreSQL the bytes are stored uncompressed.

SQLite keeps a row's columns in order, a long value spilling into a chain of overflow pages:
reading a column after the bytes (the ETag, the layout a refresh reads of every feed) walked
that chain. Django appends an added field as the last column, so the bytes are copied to a new
field, the old one dropped, and the new one renamed. Layouts are a shortcut (null: the feed is
checked and rebuilt from the database): they are dropped, and the next build writes them.
"""

from django.db import migrations, models
from django.db.models import F


def copy_content(apps, schema_editor):
    StoredFeed = apps.get_model("calendars", "StoredFeed")
    StoredFeed.objects.using(schema_editor.connection.alias).update(
        content_last=F("content"), layout=None
    )


def _set_storage(schema_editor, storage: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name("calendars_storedfeed")
    for column in ("content", "layout_entries"):
        column = schema_editor.quote_name(column)
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE {storage}")


def store_uncompressed(apps, schema_editor):
    """PostgreSQL only: every change rewrites the whole value, and pglz-compressing megabytes
    on each write cost more than the disk it saves (EXTERNAL: out of line, not compressed)."""
    _set_storage(schema_editor, "EXTERNAL")


def store_compressed(apps, schema_editor):
    _set_storage(schema_editor, "EXTENDED")  # PostgreSQL's default for bytea


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0004_stored_feed_layout"),
    ]

    operations = [
        migrations.RemoveField(model_name="storedfeed", name="layout_entries"),
        migrations.AddField(
            model_name="storedfeed",
            name="layout_entries",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="storedfeed",
            name="content_last",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
        migrations.RunPython(copy_content, migrations.RunPython.noop),
        migrations.RemoveField(model_name="storedfeed", name="content"),
        migrations.RenameField(
            model_name="storedfeed", old_name="content_last", new_name="content"
        ),
        migrations.RunPython(store_uncompressed, store_compressed),
    ]
