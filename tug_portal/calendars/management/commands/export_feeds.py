from pathlib import Path

from django.core.management.base import BaseCommand

from tug_portal.calendars.builders import build_meeting_ics
from tug_portal.calendars.selectors import default_feed_specs
from tug_portal.calendars.services import feed_content_exported
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.selectors import meetings_with_calendar_facts


class Command(BaseCommand):
    help = (
        "Write every default feed, and every published meeting's own .ics, as files into DIR "
        "(for checking them with outside tools, e.g. in CI). Built from the data with this "
        "shell's site address (PORT, TUG_SITE_URL) and stored nowhere: the feeds the site "
        "serves stay as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        (directory / "meetings").mkdir(parents=True, exist_ok=True)
        specs = default_feed_specs()
        for spec in specs:
            (directory / spec.filename).write_bytes(feed_content_exported(spec=spec))
        meetings = meetings_with_calendar_facts(Meeting.objects.published())
        for meeting in meetings:
            (directory / "meetings" / f"{meeting.slug}.ics").write_bytes(build_meeting_ics(meeting))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {len(specs)} feeds and {len(meetings)} meeting calendars to {directory}."
            )
        )
