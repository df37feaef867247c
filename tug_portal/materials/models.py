"""Meeting materials: slides, minutes, technical documents and recordings, posted by staff.

A material belongs to a meeting and, optionally, to one of its agenda topics. It is either a
file kept in the materials storage (`storage.py`; its key is random, so no draft sits at a
guessable address) or a link to somewhere else. The public sees it only while it is published,
past `public_from` and not past `available_until` (selectors.public_materials_filter, the one
rule); a beat task expires the rest (services.materials_expire).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from tug_portal.common.models import TimeStampedModel
from tug_portal.meetings.models import AgendaTopic, Meeting, Program, validate_meeting_year
from tug_portal.reminders.models import MailRow

# The longest a materials setting keeps anything (a retention, a grace): a century. Dates are
# computed from them, and an outside try's 3,000,000 days overflowed (a 500 on every recording
# posted after).
LONGEST_KEPT = timedelta(days=36_500)


class MaterialPolicy(TimeStampedModel):
    """How long a program keeps its recordings online, and whether expired files are deleted.
    One per program, created with defaults from settings the first time it is asked for."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="material_policy"
    )
    recording_retention = models.DurationField(
        default=timedelta(days=90),
        validators=[MinValueValidator(timedelta(0)), MaxValueValidator(LONGEST_KEPT)],
        help_text="A recording posted without “available until” is online this long after the "
        "meeting, e.g. “90 days”.",
    )
    delete_expired_files = models.BooleanField(
        default=False,
        help_text="Delete an expired material's stored file after the grace period below (its "
        "history row stays, without the file).",
    )
    deletion_grace = models.DurationField(
        default=timedelta(days=30),
        validators=[MinValueValidator(timedelta(0)), MaxValueValidator(LONGEST_KEPT)],
        help_text="How long an expired file is kept before deletion.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "materials settings"
        verbose_name_plural = "materials settings"
        ordering = ["program__acronym"]

    def __str__(self):
        return f"Materials of {self.program.acronym}"


class Material(TimeStampedModel):
    class Kind(models.TextChoices):
        PRESENTATION = "presentation", "Presentation"
        MINUTES = "minutes", "Minutes"
        TECHNICAL_DOCUMENT = "technical_document", "Technical document"
        RECORDING = "recording", "Recording"
        OTHER = "other", "Other"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        EXPIRED = "expired", "Expired"

    # The address of its download: random, never the storage key.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="materials")
    topic = models.ForeignKey(
        AgendaTopic,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="materials",
        help_text="Optional: the agenda topic it belongs to.",
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.PRESENTATION)
    title = models.CharField(max_length=300)
    # A file: its key in the materials storage, and what was checked of it at upload.
    file_key = models.CharField(max_length=500, blank=True, editable=False)
    file_name = models.CharField(
        max_length=200, blank=True, editable=False, help_text="The cleaned download name."
    )
    content_type = models.CharField(max_length=150, blank=True, editable=False)
    size = models.BigIntegerField(null=True, blank=True, editable=False)
    # ...or a link.
    external_url = models.URLField(max_length=1000, blank=True)
    page = models.CharField(
        max_length=50, blank=True, help_text="Where to look, e.g. “11” for “see page 11”."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    posted_at = models.DateTimeField(null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    public_from = models.DateTimeField(
        null=True,
        blank=True,
        validators=[validate_meeting_year],
        help_text="Empty: as soon as it is published.",
    )
    available_until = models.DateField(
        null=True,
        blank=True,
        validators=[validate_meeting_year],
        help_text="Last day it is online. Recordings default to the program's retention.",
    )
    # When the file was last replaced by a new version (a posting of its own: mailed, and the
    # download's Last-Modified).
    replaced_at = models.DateTimeField(null=True, blank=True, editable=False)
    expired_at = models.DateTimeField(null=True, blank=True, editable=False)
    file_deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The posting batch a "materials posted" mail reports (notify.py); 0: none yet.
    notice_batch = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "topic__order", "topic_id", "kind", "title", "pk"]
        indexes = [
            models.Index(fields=["meeting", "state"]),
            models.Index(fields=["state", "available_until"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(file_key="") & Q(external_url="")) | Q(state="draft"),
                name="material_published_has_file_or_link",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_file(self) -> bool:
        return bool(self.file_key)

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def is_update(self) -> bool:
        """A new version of a file that was public before (a draft's new file is not)."""
        return bool(self.replaced_at and self.posted_at and self.replaced_at > self.posted_at)

    @property
    def modified_at(self):
        """When what the public downloads last changed: its new version, else its posting (a
        draft: when it was created)."""
        return self.replaced_at or self.posted_at or self.created_at


class TopicMaterials(AgendaTopic):
    """Agenda topics seen from the materials' side: the admin's inline per topic."""

    class Meta:
        proxy = True
        verbose_name = "agenda topic's materials"
        verbose_name_plural = "agenda topics' materials"


class MaterialsOptIn(models.Model):
    """A reminders subscription that also wants a mail when materials of its program's meetings
    are posted. Kept here, beside the subscription, so the reminders' tables stay as they are."""

    subscription = models.OneToOneField(
        "reminders.Subscription", on_delete=models.CASCADE, related_name="materials_opt_in"
    )
    materials_posted = models.BooleanField("mail me when materials are posted", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "materials mail opt-in"

    def __str__(self):
        return f"Materials mails for {self.subscription}"


class MaterialsNotice(MailRow):
    """One "materials posted" mail to one subscriber about one meeting's posting batch: a row
    the reminders' dispatcher claims, sends and marks sent (notify.py gives it the channel).
    Its key is unique, and the Message-ID is derived from it, so a repeat after a worker's
    death is recognisable."""

    subscription = models.ForeignKey(
        "reminders.Subscription", on_delete=models.CASCADE, related_name="materials_notices"
    )
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    batch = models.PositiveIntegerField()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["state", "claimed_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "meeting", "batch"], name="materials_notice_unique_key"
            )
        ]

    def __str__(self):
        return f"Materials posted, batch {self.batch}"
