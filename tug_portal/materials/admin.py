"""Staff post materials as inline rows on a meeting (attached to the core's meeting admin here,
so the core imports nothing of this app) and on an agenda topic, or several files at once
("Upload several files"). Every change is recorded by django-simple-history."""

from pathlib import PurePosixPath

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.models import is_historic

from tug_portal.common.history_admin import HistoryAdmin
from tug_portal.meetings.models import Meeting
from tug_portal.reminders.admin import MailRowAdmin

from . import selectors, services
from .forms import MaterialForm, MaterialsUploadForm, TopicMaterialForm
from .models import Material, MaterialPolicy, MaterialsNotice, MaterialsOptIn, TopicMaterials

READONLY = ["version", "size", "file_name", "content_type", "posted_at", "download"]


class _PerRequestUser:
    """Hands the signed-in user to the forms (who posted a material)."""

    def get_formset(self, request, obj=None, **kwargs):
        # The parent's meeting, so that a new row (whose instance has no meeting yet) offers
        # that meeting's topics.
        meeting_id = obj.pk if isinstance(obj, Meeting) else getattr(obj, "meeting_id", None)
        attributes = {"user": request.user, "parent_meeting_id": meeting_id}
        kwargs["form"] = type("Form", (kwargs.get("form") or self.form,), attributes)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="download")
    def download(self, material):
        if not material.pk or not material.file_key or material.file_deleted_at:
            return "—"
        if is_historic(material) and not selectors.material_file_is_current(material):
            # A version in the history: the download address serves the current file, so a
            # link here would hand over another file than the one this version names. (Asked
            # of history pages only: a meeting's inline rows are current, and asking each
            # of them would cost a query per row.)
            return "An earlier file (not served: “Revert to” this version to serve it again)"
        return format_html('<a href="{}">{}</a>', selectors.material_link(material), "Download")


class MaterialInline(_PerRequestUser, admin.StackedInline):
    model = Material
    form = MaterialForm
    fk_name = "meeting"
    extra = 0
    readonly_fields = READONLY
    fields = [
        ("kind", "title", "topic"),
        ("upload", "external_url", "page"),
        ("state", "public_from", "available_until"),
        tuple(READONLY),
    ]
    verbose_name_plural = "Materials (several files at once: “Upload several files” on Materials)"


class TopicMaterialInline(MaterialInline):
    form = TopicMaterialForm
    fk_name = "topic"
    fields = [
        ("kind", "title"),
        ("upload", "external_url", "page"),
        ("state", "public_from", "available_until"),
        tuple(READONLY),
    ]


# The meeting's own admin gets the materials inline: the core knows nothing of it.
_meeting_admin = admin.site._registry[Meeting]
_meeting_admin.inlines = [*_meeting_admin.inlines, MaterialInline]


@admin.register(TopicMaterials)
class TopicMaterialsAdmin(admin.ModelAdmin):
    """A topic's materials (a proxy of the topic: no history of its own; the topic's history is
    on its meeting, each material's on the material)."""

    list_display = ["title", "meeting"]
    list_select_related = ["meeting__program"]
    search_fields = ["title", "meeting__slug"]
    readonly_fields = ["meeting", "title"]
    fields = ["meeting", "title"]
    inlines = [TopicMaterialInline]

    def has_add_permission(self, request):
        return False  # topics are added on their meeting

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Material)
class MaterialAdmin(_PerRequestUser, HistoryAdmin):
    form = MaterialForm
    list_display = ["title", "meeting", "kind", "state", "version", "posted_at", "available_until"]
    list_filter = ["kind", "state", "meeting__program"]
    list_select_related = ["meeting__program"]
    search_fields = ["title", "meeting__slug", "file_name"]
    autocomplete_fields = ["meeting"]
    readonly_fields = READONLY
    date_hierarchy = "posted_at"
    change_list_template = "admin/materials/material/change_list.html"

    def get_fields(self, request, obj=None):
        return ["meeting", *MaterialForm.Meta.fields, *READONLY]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("Form", (form,), {"user": request.user})

    class Media:
        js = ["js/admin_topic_choices.js"]

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        topic_choices = self.admin_site.admin_view(self.topic_choices_view)
        return [
            path("upload/", upload, name="materials_material_upload"),
            path("topic-choices/", topic_choices, name="materials_material_topic_choices"),
            *super().get_urls(),
        ]

    def topic_choices_view(self, request):
        """The options of a material's topic list for the meeting `?meeting=<id>` (asked by
        js/admin_topic_choices.js when staff choose a meeting), for staff who post materials."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        meeting_id = selectors.meeting_id_from(request.GET.get("meeting"))
        if meeting_id is None:
            return HttpResponseBadRequest("“meeting” names no meeting: give its number.")
        context = {"topics": selectors.meeting_topics(meeting_id)}
        return TemplateResponse(request, "admin/materials/material/topic_options.html", context)

    def upload_view(self, request):
        """Several files at once for one meeting: each becomes a material titled after its
        file. All are checked first; one refused file refuses the lot."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = MaterialsUploadForm(
            request.POST or None,
            request.FILES or None,
            initial={"meeting": selectors.meeting_id_from(request.GET.get("meeting"))},
        )
        # Its meeting chosen by searching, as on a material's own form (found from outside: a
        # drop-down of every meeting of the archive).
        meeting = form.fields["meeting"]
        meeting.widget = AutocompleteSelect(
            Material._meta.get_field("meeting"), self.admin_site, choices=meeting.choices
        )
        meeting.widget.is_required = True
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                created = [
                    services.material_create(
                        meeting=data["meeting"],
                        topic=data["topic"],
                        kind=data["kind"],
                        title=_title_from(upload.name),
                        upload=upload,
                        publish=data["publish"],
                        user=request.user,
                    )
                    for upload in data["files"]
                ]
            self.message_user(
                request,
                f"{len(created)} materials added to {data['meeting']}"
                + (" and published." if data["publish"] else " as drafts."),
                messages.SUCCESS,
            )
            return redirect(reverse("admin:meetings_meeting_change", args=[data["meeting"].pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload several materials",
            "form": form,
            "opts": self.model._meta,
        }
        status = 400 if request.method == "POST" else 200
        return TemplateResponse(
            request, "admin/materials/material/upload.html", context, status=status
        )


def _title_from(name: str) -> str:
    stem = PurePosixPath((name or "").replace("\\", "/")).stem
    return " ".join(stem.replace("_", " ").replace("-", " ").split())[:300] or "Material"


@admin.register(MaterialPolicy)
class MaterialPolicyAdmin(HistoryAdmin):
    list_display = ["program", "recording_retention", "delete_expired_files", "deletion_grace"]


@admin.register(MaterialsOptIn)
class MaterialsOptInAdmin(admin.ModelAdmin):
    list_display = ["subscription", "materials_posted", "updated_at"]
    list_filter = ["materials_posted", "subscription__program"]
    search_fields = ["subscription__subscriber__email"]
    raw_id_fields = ["subscription"]


@admin.register(MaterialsNotice)
class MaterialsNoticeAdmin(MailRowAdmin):
    """What was mailed: read-only, like the reminders' deliveries."""

    list_display = ["subscriber", "meeting", "batch", "state", "sent_at", "attempts", "note"]
    list_filter = ["state"]
    list_select_related = ["subscription__subscriber", "subscription__program", "meeting__program"]
