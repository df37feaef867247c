from django.core.management.base import BaseCommand

from tug_portal.materials.demo import load_demo_materials


class Command(BaseCommand):
    help = "Add the demo's materials to the seed meeting (after load_demo; idempotent)."

    def handle(self, *args, **options):
        count = load_demo_materials()
        self.stdout.write(self.style.SUCCESS(f"Demo materials loaded: {count}."))
