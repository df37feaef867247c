from django.core.management.base import BaseCommand

from tug_portal.calendars.services import feeds_sweep


class Command(BaseCommand):
    help = (
        "Build every default feed that was never built and rebuild those behind their data "
        "(what the beat sweep does every few minutes). Run after a deploy to warm the feeds."
    )

    def handle(self, *args, **options):
        rebuilt = feeds_sweep()
        self.stdout.write(self.style.SUCCESS(f"{len(rebuilt)} feeds built or rebuilt."))
