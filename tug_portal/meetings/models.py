"""The meeting-program domain: everything a published agenda says, in tables.

Instants are stored in UTC (`starts_at`, `ends_at`); each meeting carries its own IANA zone
(`time_zone`) in which it is shown and exported. Markdown bodies are stored as written, and
rendered (through `common.markdown`) once when they are saved, into a `*_rendered` field next to
them (services.markdown_fields_render, run before every save by rendered_markdown.py): pages,
mails and the API show the stored HTML instead of rendering it per request.
"""

import uuid
import zoneinfo
from datetime import UTC, datetime, timedelta

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tug_portal.common.markdown import stored_or_rendered
from tug_portal.common.models import TimeStampedModel

from .timeutil import MEETING_YEARS, is_iana_time_zone, span_label


def validate_time_zone(value: str) -> None:
    if not is_iana_time_zone(value):
        raise ValidationError(f"“{value}” is not an IANA time zone (e.g. America/Los_Angeles).")


def default_time_zone() -> str:
    from django.conf import settings

    return settings.TUG_DEFAULT_TIME_ZONE


# The longest a meeting may last (a database constraint). Staff enter a date and two times of
# that day, so a real meeting is far shorter; the bound is what makes "still under way" an index
# range (starts_at after now minus this) instead of a scan of the whole archive.
MEETING_LONGEST = timedelta(days=2)

# The instants those years span in any zone (UTC-12 to UTC+14).
MEETING_EARLIEST = datetime(MEETING_YEARS.start, 1, 1, tzinfo=UTC) - timedelta(hours=14)
MEETING_LATEST = datetime(MEETING_YEARS.stop, 1, 1, tzinfo=UTC) + timedelta(hours=12)


def validate_meeting_year(value) -> None:
    """A date (or instant) a meeting can be on, or a schedule start from (MEETING_YEARS)."""
    if value.year not in MEETING_YEARS:
        raise ValidationError(
            f"A meeting’s date is between {MEETING_YEARS.start} and {MEETING_YEARS.stop - 1}."
        )


def validate_meeting_length(value: timedelta) -> None:
    if not timedelta(0) < value <= MEETING_LONGEST:
        raise ValidationError("A meeting lasts more than no time and at most two days.")


class Person(TimeStampedModel):
    """Facilitators, presenters and contacts."""

    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    organization = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(fields=["name", "email"], name="person_unique_name_email")
        ]

    def __str__(self):
        return self.name


class System(TimeStampedModel):
    """An ISO application stakeholders use (DRRS, OMS, ...); topics and notices relate to them."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            # One system per code in any case: `oms` names OMS (selectors' system-code rule).
            models.UniqueConstraint(Lower("code"), name="system_code_unique_in_any_case")
        ]

    def __str__(self):
        return self.code

    def clean(self):
        from .selectors import system_code_taken

        if self.code and (other := system_code_taken(self.code, other_than=self.pk)):
            raise ValidationError({"code": f"A system with code {other.code} already exists."})


class Document(TimeStampedModel):
    """A linked document, optionally pointing at one page ("page 11")."""

    title = models.CharField(max_length=300)
    url = models.URLField(max_length=1000)
    page = models.CharField(max_length=30, blank=True, help_text="Page reference, e.g. “11”.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} (page {self.page})" if self.page else self.title

    @property
    def url_with_page(self) -> str:
        """PDF viewers open `#page=N`; other documents keep their plain URL."""
        if self.page.isdigit() and ".pdf" in self.url.lower():
            return f"{self.url}#page={self.page}"
        return self.url


class ConferenceDetails(models.Model):
    """How to join by web: shared by a program's defaults and each meeting."""

    web_conference_url = models.URLField("web conference URL", max_length=500, blank=True)
    meeting_number = models.CharField(max_length=50, blank=True)
    web_access_code = models.CharField("access code", max_length=50, blank=True)

    class Meta:
        abstract = True

    @property
    def has_web_conference(self) -> bool:
        return bool(self.web_conference_url)


class Program(ConferenceDetails, TimeStampedModel):
    """A recurring meeting program (TUG, CPG, ...) and the defaults its meetings start from."""

    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=20, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    description_rendered = models.TextField(blank=True, editable=False)
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    default_start_time = models.TimeField(null=True, blank=True)
    default_duration = models.DurationField(
        default=timedelta(hours=1), validators=[validate_meeting_length]
    )
    recording_disclaimer_title = models.CharField(
        max_length=200, blank=True, default="Legal Disclaimer for Recording Meeting"
    )
    recording_disclaimer = models.TextField(blank=True)
    contact = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programs_contact_for",
        help_text="Contact for questions and agenda requests.",
    )
    recurrence_rule = models.CharField(
        max_length=300,
        blank=True,
        help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU (every other Tuesday).",
    )
    recurrence_start = models.DateField(
        null=True,
        blank=True,
        validators=[validate_meeting_year],
        help_text="First date of the recurrence (anchors “every other”).",
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["acronym"]
        constraints = [
            # One program per slug in any case: `TUG` names tug (selectors' program-slug rule).
            models.UniqueConstraint(Lower("slug"), name="program_slug_unique_in_any_case")
        ]

    def __str__(self):
        return f"{self.acronym}: {self.name}"

    def get_absolute_url(self):
        return reverse("web:program_detail", kwargs={"slug": self.slug})

    def clean(self):
        from .recurrence import validate_rrule
        from .selectors import program_slug_taken

        if self.slug and (other := program_slug_taken(self.slug, other_than=self.pk)):
            raise ValidationError({"slug": f"A program with slug {other.slug} already exists."})
        if self.recurrence_rule:
            validate_rrule(self.recurrence_rule)
            if not (self.recurrence_start and self.default_start_time):
                raise ValidationError("A recurrence needs a start date and a default start time.")

    @property
    def description_html(self):
        return stored_or_rendered(self.description, self.description_rendered)


class DialIn(models.Model):
    label = models.CharField(max_length=100, help_text="e.g. “Domestic Call-In”.")
    number = models.CharField(max_length=50, help_text="As printed, e.g. “(866) 528-2256”.")
    access_code = models.CharField(max_length=50, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self):
        return f"{self.label}: {self.number}"

    @property
    def tel_uri(self) -> str:
        """`tel:` URI with the access code pre-dialled after two pauses and a pound sign."""
        from .phone import tel_uri

        return tel_uri(self.number, self.access_code)


class ProgramDialIn(DialIn):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="dial_ins")

    history = HistoricalRecords()

    class Meta(DialIn.Meta):
        verbose_name = "default dial-in"


class StayConnectedLink(models.Model):
    """The "stay connected" footer of an agenda: social account, app, newsletter sign-up."""

    class Kind(models.TextChoices):
        SOCIAL = "social", "Social media"
        APP = "app", "Mobile app"
        NEWSLETTER = "newsletter", "Newsletter sign-up"
        WEBSITE = "website", "Web site"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=200)
    url = models.URLField(max_length=500)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.label


class MeetingQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: selectors.public_meetings_filter, the one rule."""
        from .selectors import public_meetings_filter  # selectors import this module

        return self.filter(public_meetings_filter())

    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.under_way_or_later(now).order_by("starts_at", "pk")

    def under_way_or_later(self, now, *, inclusive=True):
        """Meetings that end at or after `now` (after it, with inclusive=False). The bound on
        starts_at says the same (no meeting lasts longer than MEETING_LONGEST) and lets the
        database read the starts_at index from there instead of the whole past."""
        ends = {"ends_at__gte" if inclusive else "ends_at__gt": now}
        return self.filter(starts_at__gt=now - MEETING_LONGEST, **ends)

    def past(self, now=None):
        return self.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at", "-pk")


CALENDAR_STATE_FIELDS = frozenset(
    {
        "calendar_sequence",
        "calendar_changed_at",
        "calendar_snapshot",
        "change_summary",
        "change_summary_sequence",
    }
)


class Meeting(ConferenceDetails, TimeStampedModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        TENTATIVE = "tentative", "Tentative"
        CANCELLED = "cancelled", "Cancelled"
        HELD = "held", "Held"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="meetings")
    slug = models.SlugField(max_length=80, unique=True)
    # The iCalendar UID: set once at creation, never changed, so calendars never duplicate.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200, help_text="e.g. “Technology User Group”.")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    cancellation_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text="When cancelled: why, in a sentence stakeholders read on the page and in mails.",
    )
    replacement = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        help_text="When cancelled: the meeting that takes its place, if any.",
    )
    is_published = models.BooleanField(
        "published", default=False, help_text="Drafts are seen by staff only."
    )
    is_recorded = models.BooleanField("recorded", default=True)
    recording_disclaimer = models.TextField(
        blank=True, help_text="Leave empty to use the program's disclaimer."
    )
    recording_url = models.URLField(max_length=500, blank=True)
    recording_available_until = models.DateField(null=True, blank=True)
    contact = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings_contact_for",
        help_text="Leave empty to use the program's contact.",
    )
    notes = models.TextField(blank=True, help_text="Markdown, shown under the agenda.")
    notes_rendered = models.TextField(blank=True, editable=False)
    # Calendar state, maintained by services.meeting_sync_calendar_state (never by hand): a
    # SEQUENCE bumped whenever what a calendar shows changes, when it last changed, what changed.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    calendar_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    calendar_snapshot = models.JSONField(default=dict, blank=True, editable=False)
    change_summary = models.CharField(max_length=500, blank=True, editable=False)
    # The SEQUENCE whose change `change_summary` describes: a later change with no words of its
    # own (materials attached) bumps the SEQUENCE and leaves the summary the last one said.
    change_summary_sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["calendar_snapshot"])

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["program", "starts_at"]),
            # What a one-edit feed refresh reads again (`calendars.selectors.
            # meetings_saved_since`): the few saved lately, not a scan of the archive.
            models.Index(fields=["updated_at"], name="meeting_updated_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            # What lets "upcoming" and "next" read a few index entries whatever the archive's
            # size (MeetingQuerySet.upcoming): a meeting under way started at most this long ago.
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + MEETING_LONGEST),
                name="meeting_lasts_at_most_two_days",
                violation_error_message="A meeting lasts at most two days.",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__gte=MEETING_EARLIEST, starts_at__lt=MEETING_LATEST),
                name="meeting_within_its_years",
                violation_error_message=(
                    f"A meeting's date is between {MEETING_YEARS.start} and "
                    f"{MEETING_YEARS.stop - 1}."
                ),
            ),
        ]

    def __str__(self):
        # Two meetings of a program may share a day, so a meeting is named with its local times
        # and zone: everywhere staff read one (an autocomplete, a read-only form, a list column,
        # a saved message, the history). The staff search reads the name back (search.py).
        return f"{self.day_name} ({span_label(self.local_start, self.local_end, self.time_zone)})"

    def save(self, *args, **kwargs):
        # The calendar state is written only by services.meetings_sync_calendar_state (with
        # .update()); saving an instance loaded before a sync must not roll it back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in CALENDAR_STATE_FIELDS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("web:meeting_detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A meeting must end after it starts."})
        if self.pk and self.replacement_id == self.pk:
            raise ValidationError({"replacement": "A meeting cannot replace itself."})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The program it was read with: a save that moves it to another program tells the
        # feeds of the one it left (changes.py). None when the column was not read.
        instance.loaded_program_id = instance.__dict__.get("program_id")
        return instance

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def day_name(self) -> str:
        """ "TUG 2030-03-12": its program and local day (the admin's meeting list, beside a
        column of its times)."""
        return f"{self.program.acronym} {self.local_start:%Y-%m-%d}"

    @property
    def local_start(self):
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self):
        return self.ends_at.astimezone(self.zone)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def is_over(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())

    def is_live(self, now=None) -> bool:
        """Still to be joined: neither cancelled nor over. Only then does a page invite people
        in (join details, calendar invitation, agenda requests)."""
        return not self.is_cancelled and not self.is_over(now)

    @property
    def effective_disclaimer(self) -> str:
        if not self.is_recorded:
            return ""
        return self.recording_disclaimer or self.program.recording_disclaimer

    @property
    def effective_contact(self):
        return self.contact or self.program.contact

    def recording_is_available(self, today=None) -> bool:
        """The recording link is shown only until its availability date (inclusive)."""
        if not self.recording_url:
            return False
        if self.recording_available_until is None:
            return True
        today = today or timezone.localdate(timezone=self.zone)
        return today <= self.recording_available_until

    @property
    def notes_html(self):
        return stored_or_rendered(self.notes, self.notes_rendered)


class MeetingDialIn(DialIn):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="dial_ins")

    history = HistoricalRecords()

    class Meta(DialIn.Meta):
        verbose_name = "dial-in"


class AgendaTopic(TimeStampedModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="topics")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    facilitators = models.ManyToManyField(Person, blank=True, related_name="topics")
    start_time = models.TimeField(null=True, blank=True, help_text="Local time, optional.")
    end_time = models.TimeField(null=True, blank=True)
    body = models.TextField(blank=True, help_text="Markdown: bullets, quotes, links.")
    body_rendered = models.TextField(blank=True, editable=False)
    systems = models.ManyToManyField(System, blank=True, related_name="topics")
    documents = models.ManyToManyField(Document, blank=True, related_name="topics")

    history = HistoricalRecords(m2m_fields=[facilitators, systems, documents])

    class Meta:
        ordering = ["order", "pk"]
        # As Meeting's: the topics saved lately (`calendars.selectors.meetings_saved_since`).
        indexes = [models.Index(fields=["updated_at"], name="agendatopic_updated_at_idx")]

    def __str__(self):
        return self.title

    @property
    def body_html(self):
        return stored_or_rendered(self.body, self.body_rendered)

    def facilitator_names(self) -> str:
        # Uses the prefetched rows when a selector prefetched them.
        return ", ".join(person.name for person in self.facilitators.all())


class AnnouncementQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Announcement(TimeStampedModel):
    class Kind(models.TextChoices):
        POLICY_CHANGE = "policy_change", "Policy change"
        MEETING = "meeting", "Meeting announcement"
        RELEASE = "release", "Release or deployment"
        OUTAGE = "outage", "Outage or maintenance"
        GENERAL = "general", "General"

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    systems = models.ManyToManyField(System, blank=True, related_name="announcements")
    body = models.TextField(blank=True, help_text="Markdown.")
    body_rendered = models.TextField(blank=True, editable=False)
    effective_date = models.DateField(null=True, blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="announcements")
    presented_at = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announcements",
        help_text="The meeting where this was announced.",
    )
    related_meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announced_by",
        help_text="The meeting this announces; its agenda is shown with the announcement.",
    )
    is_published = models.BooleanField("published", default=False)
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When the public first saw it (None: never published). Published again after a while
    # offline, it keeps that date (services.announcement_publish).
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AnnouncementQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[systems, documents])

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Made published (the demo, a fixture): first published as dated. Publishing a draft
        # goes through services.announcement_publish, which dates it.
        if self.is_published and self.first_published_at is None:
            self.first_published_at = self.published_at
            if (fields := kwargs.get("update_fields")) is not None:
                kwargs["update_fields"] = {*fields, "first_published_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("web:announcement_detail", kwargs={"slug": self.slug})

    @property
    def body_html(self):
        return stored_or_rendered(self.body, self.body_rendered)


class AgendaRequest(TimeStampedModel):
    """A stakeholder's request for an agenda item, queued for the program's staff."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        SCHEDULED = "scheduled", "Scheduled"

    # Taken on by staff: what may be reported to every subscriber (a declined request's text,
    # spam among them, is not).
    ANSWERED_POSITIVELY = (Status.ACCEPTED, Status.SCHEDULED)

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="agenda_requests")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="agenda_requests"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    organization = models.CharField(max_length=200, blank=True)
    topic = models.CharField(max_length=300)
    details = models.TextField(blank=True, max_length=5000)

    class MailState(models.TextChoices):
        MAILED = "mailed", "Mailed to the contact"
        HELD = "held", "Not mailed: the contact's daily limit was reached"
        NO_CONTACT = "no_contact", "Not mailed: no contact address"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    staff_notes = models.TextField(blank=True)
    # When staff answered it (services.agenda_request_answer_note): the weekly digest reports
    # it by this, not by `updated_at`, which every later touch moves.
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    mail_state = models.CharField(
        "mail to the contact",
        max_length=20,
        choices=MailState.choices,
        blank=True,
        help_text="Requests over the contact's daily limit (AGENDA_REQUEST_MAILS_PER_CONTACT) "
        "are only in this queue.",
    )
    contact_mailbox = models.CharField(
        max_length=254, blank=True, help_text="The contact's mailbox, as the daily limit counts it."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["contact_mailbox", "created_at"])]

    def __str__(self):
        return f"{self.topic} ({self.name})"


class SearchDocument(models.Model):
    """The words a free-text search looks at, stored once per meeting (its title and notes, its
    topics' titles and bodies, its facilitators' names) and per announcement (title and body),
    so that a search reads an index instead of rebuilding every row's words. Kept current by
    `search_index` on every save; the database indexes `text` itself (a trigger fills `vector`
    with a GIN index on PostgreSQL, an FTS5 table on SQLite: migration 0002)."""

    meeting = models.OneToOneField(
        Meeting, null=True, on_delete=models.CASCADE, related_name="search_document"
    )
    announcement = models.OneToOneField(
        Announcement, null=True, on_delete=models.CASCADE, related_name="search_document"
    )
    text = models.TextField()
    # PostgreSQL only (always NULL elsewhere): to_tsvector('english', text), set by a trigger.
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=False, announcement__isnull=True)
                | Q(meeting__isnull=True, announcement__isnull=False),
                name="search_document_of_one_thing",
            )
        ]

    def __str__(self):
        return f"Search document of {self.meeting or self.announcement}"
