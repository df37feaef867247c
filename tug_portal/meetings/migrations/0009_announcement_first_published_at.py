from django.db import migrations, models
from django.db.models import Min


def date_first_publications(apps, schema_editor):
    """An announcement online now was first published when it is dated (the service dates it
    then); one offline now that its history shows online once was first published at the
    earliest date it had online."""
    announcements = apps.get_model("meetings", "Announcement")
    history = apps.get_model("meetings", "HistoricalAnnouncement")
    for announcement in announcements.objects.filter(is_published=True):
        announcement.first_published_at = announcement.published_at
        announcement.save(update_fields=["first_published_at"])
    offline_once_online = (
        history.objects.filter(is_published=True)
        .exclude(id__in=announcements.objects.filter(is_published=True).values("pk"))
        .values("id")
        .annotate(first=Min("published_at"))
    )
    for row in offline_once_online:
        announcements.objects.filter(pk=row["id"]).update(first_published_at=row["first"])


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0008_codes_unique_in_any_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="announcement",
            name="first_published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalannouncement",
            name="first_published_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(date_first_publications, migrations.RunPython.noop),
    ]
