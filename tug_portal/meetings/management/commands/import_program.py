"""`manage.py import_program tug.json`: write an export back, all of it or nothing."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from tug_portal.meetings.backup import ImportRefused, program_import


class Command(BaseCommand):
    help = "Import programs written by export_program (a file, or - for stdin)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The JSON file, or - to read stdin.")

    def handle(self, *args, path, **options):
        try:
            if path == "-":
                document = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as file:
                    document = json.load(file)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        except json.JSONDecodeError as error:
            raise CommandError(f"{path} is not JSON: {error}.") from error
        try:
            counts = program_import(document=document)
        except ImportRefused as error:
            raise CommandError(f"Nothing imported. {error}") from error
        unresolved = counts.pop("unresolved_meeting_links")
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
        if unresolved:
            self.stdout.write(
                self.style.WARNING(
                    "Links left empty to meetings neither in the file nor here (export their "
                    f"programs too): {', '.join(unresolved)}."
                )
            )
