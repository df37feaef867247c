"""The admin's "Import an agenda" page, and the record of what was imported.

Importing is the add view of agenda imports: staff upload a document, see what the import will
create or update (swapped in by htmx; without JavaScript the page comes back with it), then
confirm. The document is read once, for the preview; between the two what was read waits in the
cache (`uploads`), and the confirmation imports it only if the plan is still the one shown.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django_htmx.http import HttpResponseClientRedirect

from . import selectors
from .extract import AgendaFileError
from .forms import AgendaConfirmForm, AgendaUploadForm
from .import_plan import agenda_plan
from .models import AgendaImport
from .services import ImportStatus, PlanChanged, agenda_import
from .uploads import upload_forget, upload_pending, upload_read, upload_stash

TEMPLATE = "importer/upload.html"
EXPIRED = (
    "This preview has expired (previews are kept for an hour) or was imported already: "
    "upload the document again."
)
CHANGED = "The portal's data changed since this preview was made: check the new one."


@admin.register(AgendaImport)
class AgendaImportAdmin(admin.ModelAdmin):
    list_display = ["source_name", "meeting_link", "imported_at", "imported_by", "look"]
    search_fields = ["source_name", "meeting__slug", "sha256"]
    fields = ["source_name", "meeting_link", "imported_at", "imported_by", "sha256", "points"]
    readonly_fields = fields
    change_list_template = "importer/import_list.html"

    def get_queryset(self, request):
        return selectors.agenda_imports_listed()

    def has_add_permission(self, request):
        return request.user.has_perms(
            ["importer.add_agendaimport", "meetings.add_meeting", "meetings.change_meeting"]
        )

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened: imported again, never edited

    @admin.display(description="meeting", ordering="meeting__starts_at")
    def meeting_link(self, record):
        if record.meeting is None:
            return "—"
        url = reverse("admin:meetings_meeting_change", args=[record.meeting.pk])
        return format_html('<a href="{}">{}</a>', url, record.meeting)

    @admin.display(description="needs a human look")
    def look(self, record):
        return f"{len(record.warnings)} points" if record.warnings else "—"

    @admin.display(description="needed a human look")
    def points(self, record):
        items = format_html_join("", "<li>{}</li>", ((w,) for w in record.warnings))
        return format_html("<ul>{}</ul>", items) if record.warnings else "—"

    def get_urls(self):
        confirm = self.admin_site.admin_view(self.confirm_view)
        return [
            path("add/confirm/", confirm, name="importer_agendaimport_confirm"),
            *super().get_urls(),
        ]

    # --- upload and preview --------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._page(request, AgendaUploadForm())
        form = AgendaUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        try:
            source = upload_read(form.cleaned_data["file"])
        except AgendaFileError as error:
            return self._page(request, form, error=str(error), status=400)
        token = upload_stash(source=source, user=request.user)
        return self._preview(request, form, source, token, form.cleaned_data["program"])

    def _preview(self, request, form, source, token, program, *, notice="", status=200):
        plan = agenda_plan(source=source, program=program)
        confirm = AgendaConfirmForm(
            initial={"token": token, "digest": plan.digest, "program": program}
        )
        context = {"plan": plan, "confirm": confirm, "notice": notice}
        return self._page(request, form, status=status, **context)

    # --- confirmation --------------------------------------------------------------------

    def confirm_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:importer_agendaimport_add")
        form = AgendaConfirmForm(request.POST)
        pending = form.is_valid() and upload_pending(
            token=form.cleaned_data["token"], user=request.user
        )
        if not pending:
            return self._page(request, AgendaUploadForm(), error=EXPIRED, status=400)
        source, program = pending.source, form.cleaned_data["program"]
        try:
            outcome = agenda_import(
                source=source,
                program=program,
                user=request.user,
                expected_digest=form.cleaned_data["digest"],
            )
        except PlanChanged:
            upload = AgendaUploadForm(initial={"program": program})
            return self._preview(
                request, upload, source, pending.token, program, notice=CHANGED, status=409
            )
        if outcome.meeting is None:  # a preview that offered no import, posted anyway
            return self._page(request, AgendaUploadForm(), error=outcome.reason, status=400)
        upload_forget(pending)
        self._report(request, outcome)
        url = reverse("admin:meetings_meeting_change", args=[outcome.meeting.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)

    def _report(self, request, outcome) -> None:
        done = "created the draft" if outcome.status == ImportStatus.CREATED else "updated the"
        message = f"Imported {outcome.file}: {done} meeting {outcome.meeting}."
        if outcome.warnings:
            points = "; ".join(outcome.warnings)
            self.message_user(request, f"{message} Needs a human look: {points}.", messages.WARNING)
        else:
            self.message_user(request, message, messages.SUCCESS)

    def _page(self, request, form, *, status=200, **context):
        """The page, or only its preview part for htmx."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import an agenda",
            "form": form,
            **context,
        }
        template = f"{TEMPLATE}#preview" if request.htmx else TEMPLATE
        return TemplateResponse(request, template, context, status=status)
