"""`manage.py export_program tug > tug.json`: programs' content as JSON (see meetings/backup.py)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from tug_portal.meetings.backup import program_export
from tug_portal.meetings.models import Program


class Command(BaseCommand):
    help = "Write programs (meetings, agendas, announcements, agenda requests) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Program slugs, e.g. tug cpg.")
        parser.add_argument(
            "--all",
            action="store_true",
            help="Every program, and announcements not tied to any meeting.",
        )
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(self, *args, slugs, all, output, **options):
        if bool(slugs) == all:
            raise CommandError("Name program slugs, or give --all (not both).")
        programs = Program.objects.all() if all else Program.objects.filter(slug__in=slugs)
        missing = set(slugs) - set(programs.values_list("slug", flat=True))
        if missing:
            raise CommandError(f"No program with slug {', '.join(sorted(missing))}.")
        document = program_export(programs=programs, include_unlinked_announcements=all)
        text = json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            self.stdout.write(text, ending="")
