"""A stored feed keeps its head, not its bytes: they are assembled from the stored events
(`feed_bytes.feed_content`). Rows built before have no head: their ETag and data version are
cleared, so the next sweep (every five minutes) builds them again and writes it, and a request
before then builds the feed it asks for. A subscriber downloads each feed once more."""

from django.db import migrations, models


def clear_validators(apps, schema_editor):
    StoredFeed = apps.get_model("calendars", "StoredFeed")
    StoredFeed.objects.using(schema_editor.connection.alias).update(etag="", data_version="")


class Migration(migrations.Migration):
    dependencies = [("calendars", "0006_stored_feed_current_at")]

    operations = [
        migrations.AddField(
            model_name="storedfeed",
            name="head",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.RemoveField(model_name="storedfeed", name="content"),
        migrations.RunPython(clear_validators, migrations.RunPython.noop),
    ]
