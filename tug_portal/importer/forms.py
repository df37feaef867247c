from django import forms
from django.template.defaultfilters import filesizeformat

from tug_portal.meetings.models import Program

from .extract import DEFAULT_MAX_BYTES, SUPPORTED_EXTENSIONS


class AgendaUploadForm(forms.Form):
    file = forms.FileField(
        label="Agenda document",
        help_text=f".txt, .docx or .pdf, up to {DEFAULT_MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
    )
    program = forms.ModelChoiceField(
        queryset=Program.objects.filter(is_active=True).order_by("acronym"),
        required=False,
        empty_label="The one its title names",
        help_text="Choose one when the agenda's title does not name a program known here.",
    )

    def clean_file(self):
        """Refused by its size before it is read (Django has spooled it to disk)."""
        upload = self.cleaned_data["file"]
        if upload.size > DEFAULT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}, over the "
                f"{filesizeformat(DEFAULT_MAX_BYTES)} limit."
            )
        return upload


class AgendaConfirmForm(forms.Form):
    """What the preview's "Import" button sends: the stashed upload, and the plan it showed."""

    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    digest = forms.CharField(max_length=64, widget=forms.HiddenInput)
    program = forms.ModelChoiceField(
        queryset=Program.objects.all(), required=False, widget=forms.HiddenInput
    )
