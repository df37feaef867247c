from django.core.management.base import BaseCommand

from tug_portal.meetings.demo import load_demo


class Command(BaseCommand):
    help = "Load the TUG agenda of 16 October 2018 and upcoming meetings (idempotent)."

    def handle(self, *args, **options):
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data loaded: {programs} programs, {meetings} meetings, "
                "{announcements} announcements.".format(**counts)
            )
        )
