"""`manage.py rebuild_search_documents`: every meeting's and announcement's search document again,
from their rows. Edits keep them current by themselves; this is for rows written around the
models (raw SQL, a restore from a database dump, a bulk load)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from tug_portal.meetings.search_index import search_documents_rebuild


class Command(BaseCommand):
    help = "Rewrite every stored search document from the meetings and announcements."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = search_documents_rebuild()
        self.stdout.write(f"{count} search documents written.")
