"""MaterialsNotice becomes a reminders `MailRow` (sent by the reminders' dispatcher): it gains
`expires_at` and the `bounced` state. Rows planned before get the news window that planning
now gives (notify.NEWS_WINDOW, two days after they were due)."""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import F


def expire_after_the_news_window(apps, schema_editor):
    notices = apps.get_model("materials", "MaterialsNotice")
    notices.objects.update(expires_at=F("due_at") + timedelta(days=2))


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0002_notices"),
    ]

    operations = [
        migrations.AddField(
            model_name="materialsnotice",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_after_the_news_window, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="materialsnotice",
            name="expires_at",
            field=models.DateTimeField(help_text="After this it is skipped, not sent late."),
        ),
        migrations.AlterField(
            model_name="materialsnotice",
            name="due_at",
            field=models.DateTimeField(help_text="When the mail should go out."),
        ),
        migrations.AlterField(
            model_name="materialsnotice",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True, help_text="Empty once nothing more will be tried.", null=True
            ),
        ),
        migrations.AlterField(
            model_name="materialsnotice",
            name="note",
            field=models.CharField(
                blank=True, help_text="Why it was skipped, or the last error.", max_length=500
            ),
        ),
        migrations.AlterField(
            model_name="materialsnotice",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("claimed", "Being sent"),
                    ("sent", "Sent"),
                    ("skipped", "Skipped"),
                    ("failed", "Failed"),
                    ("bounced", "Bounced"),
                ],
                default="pending",
                max_length=20,
            ),
        ),
    ]
