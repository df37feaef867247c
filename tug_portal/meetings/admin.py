"""Staff editing. Staff type a meeting's date and local times in its own zone ("10:00 Pacific");
the form turns them into UTC instants. Every change is recorded by django-simple-history."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, Min, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from tug_portal.common.admin_actions import within_bound
from tug_portal.common.admin_autocomplete import LoadedAutocompleteAdmin, LoadedChoicesForm
from tug_portal.common.history_admin import ChangesAsStaffReadThem, HistoryAdmin
from tug_portal.web.form_renderer import escaped

from . import search, search_index, selectors, services
from .models import (
    AgendaRequest,
    AgendaTopic,
    Announcement,
    Document,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
    ProgramDialIn,
    StayConnectedLink,
    System,
    validate_meeting_length,
    validate_meeting_year,
)
from .recurrence import program_has_schedule
from .timeutil import (
    is_iana_time_zone,
    local_span_to_utc,
    local_time_exists,
    span_label,
    zone_name,
)
from .zone_field import TimeZoneField


class PublishableAdmin(HistoryAdmin):
    """Drafts are unmissable: a Draft/Published badge in the list and on the form, “Save and
    publish” beside “Save”, and publishing (the button or the ticked box) goes through the
    service, which dates it."""

    def publish(self, obj) -> bool:
        raise NotImplementedError

    # The two badges, written once (the list shows one per row).
    PUBLISHED_BADGE = mark_safe('<strong class="badge badge--published">Published</strong>')
    DRAFT_BADGE = mark_safe('<strong class="badge badge--draft">Draft</strong>')

    @admin.display(description="State", ordering="is_published")
    def publication_state(self, obj):
        return self.PUBLISHED_BADGE if obj.is_published else self.DRAFT_BADGE

    def save_model(self, request, obj, form, change):
        was_published = change and type(obj).objects.filter(pk=obj.pk, is_published=True).exists()
        wants_published = "_publish" in request.POST or obj.is_published
        if wants_published and not was_published:
            obj.is_published = False  # the service publishes, once it is saved
        super().save_model(request, obj, form, change)
        if wants_published and not was_published and self.publish(obj):
            self.message_user(request, f"“{obj}” is published: the public sees it now.")
        elif not obj.is_published:
            self.message_user(
                request,
                f"“{obj}” is a draft: only staff see it. “Save and publish” puts it online.",
                messages.WARNING,
            )


@admin.register(Person)
class PersonAdmin(HistoryAdmin):
    list_display = ["name", "email", "organization"]
    search_fields = ["name", "email", "organization"]


@admin.register(System)
class SystemAdmin(HistoryAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Document)
class DocumentAdmin(HistoryAdmin):
    list_display = ["title", "page", "url"]
    search_fields = ["title", "url"]


class ProgramDialInInline(admin.TabularInline):
    model = ProgramDialIn
    extra = 0


class StayConnectedLinkInline(admin.TabularInline):
    model = StayConnectedLink
    extra = 0


class ProgramAdminForm(forms.ModelForm):
    time_zone = TimeZoneField()

    class Meta:
        model = Program
        fields = ["time_zone"]  # the admin adds its fieldsets' fields


@admin.register(Program)
class ProgramAdmin(HistoryAdmin):
    form = ProgramAdminForm
    list_display = ["acronym", "name", "recurrence_rule", "time_zone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "acronym"]
    prepopulated_fields = {"slug": ["acronym"]}
    autocomplete_fields = ["contact"]
    inlines = [ProgramDialInInline, StayConnectedLinkInline]
    actions = ["create_next_meetings"]
    fieldsets = [
        (None, {"fields": ["name", "acronym", "slug", "description", "contact", "is_active"]}),
        (
            "Schedule",
            {
                "fields": [
                    "time_zone",
                    "recurrence_rule",
                    "recurrence_start",
                    "default_start_time",
                    "default_duration",
                ]
            },
        ),
        (
            "Defaults for new meetings",
            {
                "fields": [
                    "web_conference_url",
                    "meeting_number",
                    "web_access_code",
                    "recording_disclaimer_title",
                    "recording_disclaimer",
                ]
            },
        ),
    ]

    def has_create_meetings_permission(self, request) -> bool:
        # The action writes meetings, not programs: it needs the right to add meetings.
        return request.user.has_perm("meetings.add_meeting")

    @admin.action(
        description="Create the next 4 meetings from the recurrence (as drafts)",
        permissions=["create_meetings"],
    )
    def create_next_meetings(self, request, queryset):
        if not within_bound(self, request, queryset):
            return
        for program in queryset:
            try:
                created = services.program_schedule_extend(program=program, count=4)
            except services.ScheduleRefused as refused:
                self.message_user(request, str(refused), messages.WARNING)
                continue
            if created:
                dates = ", ".join(f"{m.local_start:%a %d %b %Y}" for m in created)
                self.message_user(request, f"{program.acronym}: created drafts for {dates}.")
            else:
                self.message_user(
                    request,
                    f"{program.acronym}: nothing to create (no recurrence, or already created).",
                    messages.WARNING,
                )


class MeetingDialInInline(admin.TabularInline):
    model = MeetingDialIn
    extra = 0


class AgendaTopicInline(LoadedAutocompleteAdmin, admin.StackedInline):
    model = AgendaTopic
    form = LoadedChoicesForm
    extra = 0
    # A time of day in the meeting's zone: the browser's time field, not the admin's clock
    # widget, whose "You are N hours ahead of server time" is about instants, not these.
    formfield_overrides = {
        models.TimeField: {
            "widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "help_text": "In the meeting's time zone (optional).",
        }
    }

    def get_queryset(self, request):
        # Each topic form's facilitators, systems and documents, in one query each for the
        # whole agenda (not three per topic); its autocomplete widgets show them from there.
        return (
            super().get_queryset(request).prefetch_related("facilitators", "systems", "documents")
        )

    autocomplete_fields = ["facilitators", "systems", "documents"]
    fields = [
        ("order", "title"),
        ("start_time", "end_time"),
        "facilitators",
        "body",
        "systems",
        "documents",
    ]


class YearsFromBounds(Meeting.objects._queryset_class):
    """The meeting list's date drill-down: its first level (the years) from the first and the
    last meeting (two index reads) instead of truncating every meeting's start, which grew
    with the archive. A year in between without meetings is offered too (it lists none)."""

    BOUNDS = {"first": Min("starts_at"), "last": Max("starts_at")}

    def aggregate(self, *args, **kwargs):
        # The drill-down asks this very queryset for the same first and last start just
        # before it asks for the years: kept, so that the years do not read them again.
        result = super().aggregate(*args, **kwargs)
        if not args and kwargs == self.BOUNDS:
            self._bounds = result
        return result

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if (field_name, kind) != ("starts_at", "year"):
            return super().datetimes(field_name, kind, order, tzinfo)
        bounds = getattr(self, "_bounds", None) or self.aggregate(**self.BOUNDS)
        if bounds["first"] is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        first, last = (timezone.localtime(bounds[k], zone).year for k in ("first", "last"))
        years = [timezone.make_aware(datetime(year, 1, 1), zone) for year in range(first, last + 1)]
        return years if order == "ASC" else years[::-1]


class MeetingChanges(ChangesAsStaffReadThem):
    """A meeting's history: its instants in its own zone, named as its name names it."""

    def local_label(self, instant):
        zone = self.record.time_zone
        if not is_iana_time_zone(zone):
            return super().local_label(instant)
        local = instant.astimezone(ZoneInfo(zone))
        return f"{local:%a %d %b %Y %H:%M} {zone_name(zone)}"


# What a new meeting's fields become when staff leave them empty (selectors.new_meeting_*).
NEW_MEETING_EMPTY_MEANS = {
    "title": "Leave empty: the program’s name.",
    "start_time": "Leave it and the end empty: the program’s default start (10:00 when it "
    "has none).",
    "end_time": "Leave empty: the start and the program’s default length.",
    "time_zone": "Leave empty: the program’s zone.",
    "web_conference_url": "Leave empty: the program’s.",
    "meeting_number": "Leave empty: the program’s.",
    "web_access_code": "Leave empty: the program’s.",
}


class MeetingAdminForm(LoadedChoicesForm):
    """Date and local times in the meeting's zone instead of two raw UTC instants. A new
    meeting starts from its program: what staff leave empty on the add form is the program's
    (its name, zone, default start and length, join details; its dial-ins: MeetingAdmin), as
    for the meetings the schedule and the duplicate action create."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time_zone = TimeZoneField()
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))

    class Meta:
        model = Meeting
        # Every editable field but the raw instants, which the date and times above replace.
        fields = [
            "program", "title", "slug", "status", "cancellation_reason", "replacement",
            "is_published", "time_zone",
            "web_conference_url", "meeting_number", "web_access_code", "contact",
            "is_recorded", "recording_disclaimer", "recording_url", "recording_available_until",
            "notes",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = (
                "Leave empty: it is built from the program and the date (tug-2026-12-15; "
                "-2 when that is taken)."
            )
        if self.instance.pk:
            self.initial.update(
                date=self.instance.local_start.date(),
                start_time=self.instance.local_start.time(),
                end_time=self.instance.local_end.time(),
            )
        if "program" in self.fields:  # a deactivated program gets no new meeting
            self.fields["program"].queryset = selectors.programs_for_meeting(self.instance)
            self.fields["program"].error_messages["invalid_choice"] = (
                "That program is not active (or no longer there): choose another, or switch "
                "it on (“Is active”) in its program first."
            )
        if self.instance.pk:
            return
        for name, help_text in NEW_MEETING_EMPTY_MEANS.items():
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = help_text
        self.initial.setdefault("time_zone", "")  # not the model's default: the program's

    def _fill_from_program(self, cleaned: dict) -> timedelta | None:
        """A new meeting's empty fields, from its program (no query: the program is read);
        the program's default length when the end is left empty, else None."""
        program = cleaned.get("program")
        if self.instance.pk or program is None:
            return None
        for name, value in selectors.new_meeting_defaults(program).items():
            if not cleaned.get(name) and name not in self.errors:
                cleaned[name] = value
        if "start_time" in self.errors or "end_time" in self.errors:
            return None
        if cleaned.get("end_time"):
            if not cleaned.get("start_time"):
                self.add_error("start_time", "Give the start time too (or leave both empty).")
            return None
        cleaned["start_time"] = cleaned.get("start_time") or selectors.new_meeting_start(program)
        try:
            validate_meeting_length(program.default_duration)
        except ValidationError:
            self.add_error(
                "end_time",
                f"Give the end time: the program’s default length ({program.default_duration}) "
                "is not a meeting’s.",
            )
            return None
        return program.default_duration

    def _refuse_skipped_times(self, day, zone, **times) -> bool:
        """Says so of each time the clocks skip that day (the hour they go forward)."""
        skipped = {
            name: at for name, at in times.items() if at and not local_time_exists(day, at, zone)
        }
        for name, at in skipped.items():
            self.add_error(
                f"{name}_time",
                f"{at:%H:%M} does not exist on {day} in {zone_name(zone)}: the clocks go forward "
                "then. Choose a time outside the skipped hour.",
            )
        return bool(skipped)

    def _refuse_a_second_at_that_start(self, program, starts_at) -> None:
        if program and (
            other := selectors.meeting_starting_at(program, starts_at, other_than=self.instance.pk)
        ):
            self.add_error(
                None,
                f"{program.acronym} already has a meeting starting then: “{other}”. Change "
                "the time, or edit that meeting.",
            )

    def clean_date(self):
        day = self.cleaned_data["date"]
        validate_meeting_year(day)
        return day

    def clean(self):
        cleaned = super().clean()
        default_length = self._fill_from_program(cleaned)
        day, start, end = (cleaned.get(k) for k in ("date", "start_time", "end_time"))
        zone = cleaned.get("time_zone")  # a zone (TimeZoneField), or an error already
        times_exist = bool(day and zone) and not self._refuse_skipped_times(
            day, zone, start=start, end=end
        )  # a skipped time is said on its field (an outside try's 02:30 answered 500)
        if times_exist and start and (end or default_length):
            if end and end <= start:
                self.add_error("end_time", "The meeting must end after it starts.")
            else:
                # With no end, the default length (past midnight if it must be).
                starts_at, ends_at = local_span_to_utc(day, start, end, zone, default_length)
                self.instance.starts_at, self.instance.ends_at = starts_at, ends_at
                self._refuse_a_second_at_that_start(cleaned.get("program"), starts_at)
        program = cleaned.get("program")
        if not cleaned.get("slug") and program and day:
            cleaned["slug"] = services.meeting_slug_for(program, day, exclude_pk=self.instance.pk)
            self.instance.slug = cleaned["slug"]
        return cleaned


@admin.register(Meeting)
class MeetingAdmin(LoadedAutocompleteAdmin, PublishableAdmin):
    """Staff edit (and move) a meeting here. Saving tells nobody by itself: `changes.py` notes
    every row saved, and once the transaction commits `services.meetings_sync_calendar_state`
    writes what changed, bumps the SEQUENCE and sends `meetings_changed` (its listeners are
    listed in `signals.py`: the reminders' update notices, the feeds, the page cache)."""

    form = MeetingAdminForm
    history_changes = MeetingChanges
    list_display = [
        "meeting_name", "title", "local_time", "status", "publication_state", "topic_count",
    ]  # fmt: skip
    list_filter = ["program", "status", "is_published", "topics__systems"]
    list_select_related = ["program"]
    search_fields = ["title", "slug", "topics__title", "topics__facilitators__name", "topics__body"]
    date_hierarchy = "starts_at"
    # Latest first: the meetings staff work on (the next ones) lead the list, not the archive's
    # first year (the model's own order, oldest first, is the feeds' and the lists').
    ordering = ["-starts_at", "-pk"]
    list_per_page = 50  # each row costs a dozen cells to render; 100 doubled the page
    # A filtered or searched list says "N results (Show all)", not "(1,304 total)": the total
    # is a second count of the whole archive on every such page.
    show_full_result_count = False
    autocomplete_fields = ["contact", "replacement"]

    # What a view-only user sees in place of the form's date and time fields (a read-only field
    # is looked up on the admin, then the model: the meeting holds UTC instants, not these).
    @admin.display(description="Date")
    def date(self, meeting):
        return meeting.local_start.date()

    @admin.display(description="Start time")
    def start_time(self, meeting):
        return meeting.local_start.strftime("%H:%M")

    @admin.display(description="End time")
    def end_time(self, meeting):
        return meeting.local_end.strftime("%H:%M")

    def get_search_results(self, request, queryset, search_term):
        # The search index and the meetings' own columns: no join to the topics, so no row
        # twice (search.meetings_staff_search).
        return search.meetings_staff_search(queryset, search_term), False

    def changeform_view(self, request, *args, **kwargs):
        if request.method != "POST":
            # Showing the form writes nothing (and Django's own view runs it in a transaction).
            return super().changeform_view(request, *args, **kwargs)
        # The meeting, its inline topics and their links: its search document written once, in
        # the same transaction, instead of once per row.
        with transaction.atomic(), search_index.deferred():
            return super().changeform_view(request, *args, **kwargs)

    readonly_fields = ["uid", "calendar_sequence", "calendar_changed_at", "change_summary"]
    inlines = [AgendaTopicInline, MeetingDialInInline]
    actions = ["duplicate_meeting"]
    fieldsets = [
        (None, {"fields": ["program", "title", "slug", "status", "is_published"]}),
        ("When", {"fields": ["date", ("start_time", "end_time"), "time_zone"]}),
        ("If cancelled", {"fields": ["cancellation_reason", "replacement"]}),
        (
            "Join",
            {"fields": ["web_conference_url", "meeting_number", "web_access_code", "contact"]},
        ),
        (
            "Recording",
            {
                "fields": [
                    "is_recorded",
                    "recording_disclaimer",
                    "recording_url",
                    "recording_available_until",
                ]
            },
        ),
        ("Notes", {"fields": ["notes"]}),
        (
            "Calendar (maintained automatically)",
            {
                "classes": ["collapse"],
                "fields": ["uid", "calendar_sequence", "calendar_changed_at", "change_summary"],
            },
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:  # a new meeting with no dial-in of its own takes its program's
            services.meeting_take_program_dial_ins(form.instance)

    def get_queryset(self, request):
        # Each row's topics counted by a subquery on the topics' meeting index: a join and a
        # GROUP BY over the whole archive made every count, page and date query of the list
        # read all the topics (and a search across topics joins them again).
        topics = (
            AgendaTopic.objects.filter(meeting=OuterRef("pk"))
            .order_by()
            .values("meeting")
            .annotate(total=Count("pk"))
            .values("total")
        )
        # Its program read with it: a meeting's name is its program's acronym and its date (the
        # change form's title, the delete page), which otherwise cost a query of their own.
        queryset = (
            super()
            .get_queryset(request)
            .select_related("program")
            .annotate(topic_total=Coalesce(Subquery(topics), 0))
        )
        return YearsFromBounds(model=queryset.model, query=queryset.query, using=queryset.db)

    # What no cell of the list shows, left unread for its page of rows: each meeting's calendar
    # state (a JSON document decoded per row), notes and their rendering, time stamps and uid,
    # and its program's description. (A column showing one of them would cost a query per row:
    # tests/meetings/test_admin_queries.py counts the list's queries.)
    LIST_UNREAD = [
        "calendar_snapshot", "calendar_changed_at", "change_summary", "uid",
        "notes", "notes_rendered", "recording_disclaimer", "created_at", "updated_at",
        "program__description", "program__description_rendered",
        "program__recording_disclaimer", "program__created_at", "program__updated_at",
    ]  # fmt: skip

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A page of the list's rows (and of the meetings' autocomplete, which shows only each
        # meeting's name); an action's rows are read whole (get_queryset).
        queryset = queryset.defer(*self.LIST_UNREAD)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def publish(self, obj) -> bool:
        return services.meeting_publish(meeting=obj)

    def action_checkbox(self, obj):
        # Django's own renders a CheckboxInput through three widget templates for every row: a
        # quarter of the list's time. The same markup, written directly (a test holds it equal
        # to Django's, which the admin's actions.js selects by its name and class).
        # (Written with f-strings, escaped as format_html escapes: its two calls a row were
        # a twentieth of the list's time.)
        label = gettext("Select this object for an action - {}").format(escaped(str(obj)))
        name, value = escaped(helpers.ACTION_CHECKBOX_NAME), escaped(str(obj.pk))
        return mark_safe(  # noqa: S308 - every value escaped
            f'<input type="checkbox" name="{name}" value="{value}" class="action-select" '
            f'aria-label="{label}">'
        )

    # Its program and day ("TUG 2018-10-16": its times are the next column), sorted as it
    # reads: by program, then date. (Django takes "__str__" for a lookup and offers to sort by
    # it, which sorted nothing.)
    @admin.display(
        description="Meeting",
        ordering=Concat("program__acronym", Value(" "), Cast("starts_at", models.CharField())),
    )
    def meeting_name(self, meeting):
        return meeting.day_name

    @admin.display(description="Local time", ordering="starts_at")
    def local_time(self, meeting):
        start, end = meeting.local_start, meeting.local_end
        return f"{start:%a %d %b %Y} {span_label(start, end, meeting.time_zone)}"

    @admin.display(description="Topics", ordering="topic_total")
    def topic_count(self, meeting):
        return meeting.topic_total

    @admin.action(
        description="Duplicate as a draft on the program's next free date", permissions=["add"]
    )
    def duplicate_meeting(self, request, queryset):
        if not within_bound(self, request, queryset):
            return
        for meeting in queryset.select_related("program"):
            try:
                copy = services.meeting_duplicate(meeting=meeting)  # on the next free date
            except services.ScheduleRefused as refused:
                self.message_user(request, str(refused), messages.WARNING)
                continue
            acronym = meeting.program.acronym
            where = (
                f"the next date on the {acronym} schedule with no meeting"
                if program_has_schedule(meeting.program)
                else f"{acronym} has no schedule (recurrence), so it went to the first free week "
                "after it"
            )
            self.message_user(request, f"Created the draft “{copy}” from “{meeting}”: {where}.")


@admin.register(Announcement)
class AnnouncementAdmin(PublishableAdmin):
    list_display = ["title", "kind", "effective_date", "publication_state", "published_on"]
    readonly_fields = ["published_at"]

    def publish(self, obj) -> bool:
        return services.announcement_publish(announcement=obj)

    @admin.display(description="Published", ordering="published_at")
    def published_on(self, announcement):
        return announcement.published_at if announcement.is_published else "—"

    list_filter = ["kind", "is_published", "systems"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["systems", "documents", "presented_at", "related_meeting"]


@admin.register(AgendaRequest)
class AgendaRequestAdmin(HistoryAdmin):
    list_display = [
        "topic", "program", "meeting", "name", "organization", "status", "mail_state", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "mail_state", "program"]
    list_editable = ["status"]
    search_fields = ["topic", "details", "name", "email", "organization"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "name", "email", "organization", "topic", "details", "mail_state", "contact_mailbox",
        "created_at", "answered_at",
    ]  # fmt: skip
    autocomplete_fields = ["meeting"]

    def has_add_permission(self, request):
        # Requests come from the public form, in the requester's words (read-only here): an
        # add form had nothing to fill in, and saved an empty request.
        return False

    def save_model(self, request, obj, form, change):
        # The change form and the list's editable status both save here.
        previous = form.initial.get("status", AgendaRequest.Status.NEW)
        services.agenda_request_answer_note(agenda_request=obj, previous_status=previous)
        super().save_model(request, obj, form, change)
