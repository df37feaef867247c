"""A stored feed's layout entries move to a table of parts, one row per feed and year: an edit
rewrites the entries of one year, not the archive's (hundreds of kilobytes per feed holding the
meeting). Layouts are a shortcut (null: the feed is checked and rebuilt from the database):
they are dropped, and the next build writes them with their parts. On PostgreSQL the entries
are stored uncompressed, as the old column was (EXTERNAL: each write replaces the whole value,
and compressing it cost more than it saved)."""

import django.db.models.deletion
from django.db import migrations, models


def drop_layouts(apps, schema_editor):
    StoredFeed = apps.get_model("calendars", "StoredFeed")
    StoredFeed.objects.using(schema_editor.connection.alias).update(layout=None)


def store_uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name("calendars_storedfeedpart")
    column = schema_editor.quote_name("entries")
    schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL")


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0007_stored_feed_head_not_content"),
    ]

    operations = [
        migrations.RunPython(drop_layouts, drop_layouts),
        migrations.RemoveField(model_name="storedfeed", name="layout_entries"),
        migrations.CreateModel(
            name="StoredFeedPart",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "feed",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="calendars.storedfeed",
                    ),
                ),
                ("year", models.SmallIntegerField()),
                ("entries", models.BinaryField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("feed", "year"), name="calendars_feed_part_year"
                    )
                ],
            },
        ),
        migrations.RunPython(store_uncompressed, migrations.RunPython.noop),
    ]
