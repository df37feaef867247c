"""`built_at` becomes `current_at`: when the feed was last built, or checked and found current
(a renamed column keeps its place, before the bytes: migration 0005)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0005_stored_feed_content_last"),
    ]

    operations = [
        migrations.RenameField(model_name="storedfeed", old_name="built_at", new_name="current_at"),
        migrations.AlterField(
            model_name="storedfeed",
            name="current_at",
            field=models.DateTimeField(help_text="When it was last built or found current."),
        ),
    ]
