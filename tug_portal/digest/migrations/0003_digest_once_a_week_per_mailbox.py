"""The key of a week's digest is its mailbox (the rows were keyed in 0002); apart from 0002 so
that PostgreSQL alters the table in a transaction of its own, after the rows were updated."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("digest", "0002_digest_mailbox")]

    operations = [
        migrations.RemoveConstraint(model_name="digest", name="digest_once_a_week"),
        migrations.AddConstraint(
            model_name="digest",
            constraint=models.UniqueConstraint(
                fields=("mailbox", "week"), name="digest_once_a_week_per_mailbox"
            ),
        ),
    ]
