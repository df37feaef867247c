"""Staff: each program's reminder settings with subscriber counts and a CSV export; subscribers
and subscriptions (read-only but for a few actions: consent is given by the subscriber, not
typed in by staff); every planned mail; and per meeting, who was reminded when and what failed."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from tug_portal.common.admin_actions import within_bound

from . import selectors, services
from .forms import OffsetField, ReminderOffsetForm
from .models import (
    Delivery,
    MeetingReminderLog,
    ReminderOffset,
    ReminderPolicy,
    Subscriber,
    Subscription,
    describe_duration,
)

# Clearing a bounce or unsubscribing is one small write per row: a page of them per POST.
BULK_ROWS_PER_ACTION = 200


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the system: staff look, never edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MailRowAdmin(ReadOnlyAdmin):
    """What was mailed, for any `MailRow` model (reminders, digests, "materials posted"):
    read-only, with its recipient's address as a sortable, searchable column."""

    search_fields = ["subscription__subscriber__email"]

    @admin.display(description="To", ordering="subscription__subscriber__email")
    def subscriber(self, row):
        return row.subscription.subscriber.email


def count_column(annotation: str, description: str):
    """A changelist column showing a count the admin's queryset annotates, sortable by it."""

    @admin.display(description=description, ordering=annotation)
    def column(self, row):
        return getattr(row, annotation)

    return column


# --- Reminder settings ----------------------------------------------------------------------


class ReminderOffsetInline(admin.TabularInline):
    model = ReminderOffset
    form = ReminderOffsetForm
    extra = 0


class ReminderPolicyForm(forms.ModelForm):
    cancellation_notice_window = OffsetField(
        help_text=ReminderPolicy._meta.get_field("cancellation_notice_window").help_text
    )

    class Meta:
        model = ReminderPolicy
        fields = ["send_cancellation_notice", "cancellation_notice_window", "send_update_notice"]


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    form = ReminderPolicyForm
    inlines = [ReminderOffsetInline]
    list_display = [
        "program", "offsets", "send_cancellation_notice", "send_update_notice", "confirmed",
        "unconfirmed", "unsubscribed", "bouncing", "export",
    ]  # fmt: skip
    readonly_fields = ["program", "export"]
    fields = [
        "program", "send_cancellation_notice", "cancellation_notice_window",
        "send_update_notice", "export",
    ]  # fmt: skip

    def get_queryset(self, request):
        return selectors.policies_with_subscriber_counts()

    def has_add_permission(self, request):
        return False  # every program gets its settings when it is created

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.reminder_policy_changed(program_id=form.instance.program_id)

    @admin.display(description="Reminders before")
    def offsets(self, policy):
        return ", ".join(describe_duration(before) for before in policy.offset_list()) or "none"

    confirmed = count_column("confirmed_count", "Confirmed")
    unconfirmed = count_column("unconfirmed_count", "Waiting for confirmation")
    unsubscribed = count_column("unsubscribed_count", "Unsubscribed")
    bouncing = count_column("bouncing_count", "Bouncing")

    @admin.display(description="Subscribers")
    def export(self, policy):
        url = reverse("reminders:export_subscribers", kwargs={"slug": policy.program.slug})
        return format_html('<a href="{}">Export as CSV</a>', url)


# --- Subscribers ----------------------------------------------------------------------------


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["program", "status", "systems", "confirmed_at", "unsubscribed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "is_bouncing", "bounced_at", "created_at"]
    list_filter = ["is_bouncing"]
    search_fields = ["email"]
    readonly_fields = ["email", "is_bouncing", "bounced_at", "bounce_reason", "created_at"]
    inlines = [SubscriptionInline]
    actions = ["clear_bouncing"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="The address works again: resume mail to it", permissions=["change"])
    def clear_bouncing(self, request, queryset):
        if not within_bound(self, request, queryset, limit=BULK_ROWS_PER_ACTION):
            return
        for subscriber in queryset.filter(is_bouncing=True):
            services.subscriber_clear_bouncing(subscriber=subscriber)
            self.message_user(request, f"{subscriber.email} gets mail again.")


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "program", "status", "system_codes", "confirmed_at", "created_at"]
    list_filter = ["program", "status", "subscriber__is_bouncing", "systems"]
    list_select_related = ["subscriber", "program"]
    search_fields = ["subscriber__email"]
    fields = [
        "subscriber", "program", "status", "systems", "confirmation_requested_at",
        "confirmation_sent_at", "confirmed_at", "unsubscribed_at", "created_at",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["unsubscribe"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("systems")

    def has_add_permission(self, request):
        return False  # a subscription needs the subscriber's own confirmation

    @admin.display(description="Only about")
    def system_codes(self, subscription):
        return ", ".join(system.code for system in subscription.systems.all()) or "everything"

    @admin.action(description="Unsubscribe (no more mail of that program)", permissions=["change"])
    def unsubscribe(self, request, queryset):
        if not within_bound(self, request, queryset, limit=BULK_ROWS_PER_ACTION):
            return
        for subscription in queryset:
            services.subscription_unsubscribe(subscription=subscription)
        self.message_user(request, f"Unsubscribed {len(queryset)}.", messages.SUCCESS)


# --- Deliveries -----------------------------------------------------------------------------


@admin.register(Delivery)
class DeliveryAdmin(MailRowAdmin):
    list_display = [
        "meeting", "subscriber", "kind", "before", "state", "due_at", "sent_at", "attempts", "note",
    ]  # fmt: skip
    list_filter = ["state", "kind", "meeting__program"]
    list_select_related = ["meeting__program", "subscription__subscriber"]
    search_fields = [*MailRowAdmin.search_fields, "meeting__slug"]
    date_hierarchy = "due_at"

    @admin.display(description="Before", ordering="offset")
    def before(self, delivery):
        return describe_duration(delivery.offset) if delivery.kind == Delivery.Kind.REMINDER else ""


def _deliveries_url(meeting_id: int, **filters) -> str:
    query = urlencode({"meeting__id__exact": meeting_id, **filters})
    return f"{reverse('admin:reminders_delivery_changelist')}?{query}"


@admin.register(MeetingReminderLog)
class MeetingReminderLogAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "title", "starts_at", "status", "sent", "waiting", "problems"]
    list_filter = ["program", "status"]
    list_select_related = ["program"]
    search_fields = ["slug", "title"]
    ordering = ["-starts_at"]
    fields = ["program", "title", "starts_at", "status", "summary", "failures"]
    readonly_fields = fields

    def get_queryset(self, request):
        def count(*states):
            return Count("reminder_deliveries", filter=Q(reminder_deliveries__state__in=states))

        state = Delivery.State
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_total=count(state.SENT),
                waiting_total=count(state.PENDING, state.CLAIMED),
                problem_total=count(state.FAILED, state.BOUNCED),
            )
        )

    sent = count_column("sent_total", "Sent")
    waiting = count_column("waiting_total", "Waiting")
    problems = count_column("problem_total", "Failed or bounced")

    @admin.display(description="Mails by kind and state")
    def summary(self, meeting):
        rows = [
            (
                Delivery.Kind(row["kind"]).label,
                describe_duration(row["offset"]) if row["kind"] == Delivery.Kind.REMINDER else "",
                _deliveries_url(meeting.pk, kind=row["kind"], state__exact=row["state"]),
                Delivery.State(row["state"]).label,
                row["total"],
            )
            for row in selectors.meeting_delivery_counts(meeting_id=meeting.pk)
        ]
        if not rows:
            return "No mail planned."
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td><a href='{}'>{}</a></td><td>{}</td></tr>", rows
        )
        return format_html(
            "<table><thead><tr><th>Kind</th><th>Before</th><th>State</th><th>Mails</th></tr>"
            "</thead><tbody>{}</tbody></table><p><a href='{}'>Every mail: who, when</a></p>",
            body,
            _deliveries_url(meeting.pk),
        )

    @admin.display(description="Failures (latest 50)")
    def failures(self, meeting):
        rows = [
            (d.subscription.subscriber.email, d.get_state_display(), d.attempts, d.note)
            for d in selectors.meeting_delivery_problems(meeting_id=meeting.pk)
        ]
        if not rows:
            return "None."
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            "<table><thead><tr><th>To</th><th>State</th><th>Attempts</th><th>Error</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            body,
        )
