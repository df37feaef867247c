"""Staff: every digest row (read-only) with the counts of each week above the list, each
subscription's digest preference, and a preview of next week's digest for any programs and
systems (admin: Weekly digest → Digests → Preview)."""

from csp.decorators import csp_replace
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.clickjacking import xframe_options_sameorigin

from tug_portal.meetings.models import Program, System, is_iana_time_zone
from tug_portal.reminders.admin import MailRowAdmin

from . import mail, selectors
from .models import Digest, DigestPreference


@admin.register(DigestPreference)
class DigestPreferenceAdmin(admin.ModelAdmin):
    list_display = ["subscription", "enabled", "weekday", "hour", "time_zone"]
    list_filter = ["enabled", "weekday", "subscription__program"]
    list_select_related = ["subscription__subscriber", "subscription__program"]
    search_fields = ["subscription__subscriber__email"]
    raw_id_fields = ["subscription"]

    def has_add_permission(self, request, obj=None):
        return False  # subscribers choose it on their page; staff may correct or remove one


class PreviewForm(forms.Form):
    programs = forms.ModelMultipleChoiceField(queryset=Program.objects.filter(is_active=True))
    systems = forms.ModelMultipleChoiceField(
        queryset=System.objects.all(),
        required=False,
        help_text="None: every meeting of the programs.",
    )
    time_zone = forms.CharField(initial="America/Los_Angeles", max_length=64)

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        if not is_iana_time_zone(value):
            raise forms.ValidationError(f"“{value}” is not an IANA time zone.")
        return value


@admin.register(Digest)
class DigestAdmin(MailRowAdmin):
    list_display = ["week", "subscriber", "program", "state", "due_at", "sent_at", "note"]
    list_filter = ["week", "state", "subscription__program"]
    list_select_related = ["subscription__subscriber", "subscription__program"]
    change_list_template = "admin/digest/digest/change_list.html"

    @admin.display(description="Program", ordering="subscription__program__acronym")
    def program(self, digest):
        return digest.subscription.program.acronym

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "week_counts": selectors.digest_week_counts()}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        preview_html = self.admin_site.admin_view(self.preview_html_view)
        return [
            path("preview/", preview, name="digest_digest_preview"),
            path("preview/html/", preview_html, name="digest_digest_preview_html"),
            *super().get_urls(),
        ]

    def _preview(self, request) -> tuple[PreviewForm, dict | None]:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PreviewForm(request.GET or None)
        if not form.is_valid():
            return form, None
        return form, mail.preview(
            programs=list(form.cleaned_data["programs"]),
            system_ids=tuple(system.pk for system in form.cleaned_data["systems"]),
            time_zone=form.cleaned_data["time_zone"],
            now=timezone.now(),
        )

    def preview_view(self, request):
        form, result = self._preview(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Preview next week's digest",
            "opts": self.model._meta,
            "form": form,
            "result": result,
        }
        status = 400 if form.is_bound and not form.is_valid() else 200
        return TemplateResponse(request, "admin/digest/preview.html", context, status=status)

    # The preview page frames the HTML part from here: a mail styles itself inline, which the
    # site's policy (style-src 'self') forbids, and a frame's srcdoc inherits that policy. This
    # document alone lets its styles apply; scripts stay forbidden (the frame is sandboxed
    # too), and only this site may frame it.
    @method_decorator(xframe_options_sameorigin)
    @method_decorator(
        csp_replace({"style-src": ["'unsafe-inline'"], "frame-ancestors": ["'self'"]})
    )
    def preview_html_view(self, request):
        _, result = self._preview(request)
        if result is None:
            return HttpResponseBadRequest("Choose at least one program and a time zone.")
        return HttpResponse(result["html"], content_type="text/html; charset=utf-8")
