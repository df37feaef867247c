"""What the importer remembers of each document it imported, so that importing it again updates
the meeting it made instead of adding a second one."""

from django.conf import settings
from django.db import models

from tug_portal.common.models import TimeStampedModel
from tug_portal.meetings.models import Meeting


class AgendaImport(TimeStampedModel):
    """One version of an agenda document (its bytes' SHA-256) and the meeting made from it.

    A document edited and exported again has new bytes, hence a row of its own; it finds its
    meeting by program and date, and both rows then point at that meeting.
    """

    source_name = models.CharField("file", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_imports",
        help_text="Empty when the meeting was deleted since: a new import makes a new one.",
    )
    imported_at = models.DateTimeField("last imported at", db_index=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    warnings = models.JSONField(
        default=list, blank=True, help_text="What needed a human look when it was imported."
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = "agenda import"

    def __str__(self):
        return self.source_name
