"""The admin's material forms: one material (inline rows on the meeting and on the topic, and
the material's own page) and several files at once (drag them onto the file field, or pick
several). An upload is checked in `clean()` (uploads.py), before anything is stored: a refused
file shows why on the form, and the whole change form saves nothing."""

from django import forms
from django.conf import settings
from django.urls import reverse

from tug_portal.meetings.models import AgendaTopic, Meeting

from . import selectors, services
from .models import Material
from .uploads import MaterialRefused, kind_check, upload_check

NOTHING_SAVED = "Nothing was saved."
# RFC 3986: never in a URI as it is (they must be percent-encoded).
NOT_IN_A_URI = frozenset('"<>\\^`{|} ')


class TopicsOfTheChosenMeeting:
    """A form mixin: its topic list offers the topics of the material's meeting (its own, the
    page's, the one posted or named in the address), never every topic of the archive. Where
    staff choose the meeting on the same form, `js/admin_topic_choices.js` refills the list
    when they choose another (from `materials/admin.py` → `topic_choices_view`)."""

    parent_meeting_id = None  # an inline's: the meeting whose page it is on

    def offer_topics_of_chosen_meeting(self, own_meeting_id=None):
        if "topic" not in self.fields:
            return
        posted = initial = None
        if "meeting" in self.fields:  # staff choose the meeting on this form
            if self.is_bound:
                posted = selectors.meeting_id_from(self.data.get(self.add_prefix("meeting")))
            initial = selectors.meeting_id_from(self.initial.get("meeting"))
            widget = self.fields["topic"].widget
            getattr(widget, "widget", widget).attrs.update(
                {
                    "data-choices-url": reverse("admin:materials_material_topic_choices"),
                    "data-meeting-field": self["meeting"].auto_id,
                }
            )
        meeting_id = posted or own_meeting_id or self.parent_meeting_id or initial
        self.fields["topic"].queryset = selectors.meeting_topics(meeting_id)

    def topic_check(self, cleaned: dict, meeting_id) -> None:
        """The topic chosen is one of the meeting's (the meeting chosen with it, else its own)."""
        topic, meeting = cleaned.get("topic"), cleaned.get("meeting")
        meeting_id = meeting.pk if meeting else meeting_id
        if topic and meeting_id and topic.meeting_id != meeting_id:
            self.add_error("topic", "Choose a topic of this meeting.")


class MaterialForm(TopicsOfTheChosenMeeting, forms.ModelForm):
    upload = forms.FileField(
        required=False,
        label="File",
        help_text="PDF, PowerPoint, Word, Excel, CSV, text, image, audio or video; checked by "
        "its content. A new file replaces the current one (the old version stays in history).",
    )
    user = None  # set per request by the admin (who posted it)

    class Meta:
        model = Material
        fields = [
            "kind", "title", "topic", "upload", "external_url", "page", "state", "public_from",
            "available_until",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_topics_of_chosen_meeting(self.instance.meeting_id)

    def clean_external_url(self):
        # Django's URL check lets through characters a URI never holds (quotes, angle brackets,
        # spaces): written as they are into a calendar's ATTACH line and the mails' text.
        url = self.cleaned_data.get("external_url", "")
        if any(character in NOT_IN_A_URI or ord(character) < 32 for character in url):
            raise forms.ValidationError(
                "This link holds characters a web address cannot (quotes, <, >, spaces): "
                "copy it again from the browser's address bar."
            )
        return url

    def clean(self):
        cleaned = super().clean()
        upload, link = cleaned.get("upload"), cleaned.get("external_url")
        if upload and link:
            self.add_error("external_url", "A material is a file or a link, not both.")
        elif link and self.instance.file_key:
            # Saved, the link would sit unused beside the file, which is what gets served.
            self.add_error(
                "external_url",
                "A material is a file or a link, not both: this one has a file. Post the link "
                "as a material of its own.",
            )
        elif not upload and not link and not self.instance.file_key:
            self.add_error("upload", "Attach a file or give a link.")
        if upload:
            try:
                upload_check(upload, kind=cleaned.get("kind") or self.instance.kind)
            except MaterialRefused as refusal:
                self.add_error("upload", f"“{upload.name}” was not saved: {refusal}")
        elif self.instance.file_key and cleaned.get("kind"):
            # The kept file must suit a changed kind too (a PDF is no recording).
            try:
                kind_check(
                    cleaned["kind"],
                    mime=self.instance.content_type,
                    label=f"“{self.instance.file_name}” ({self.instance.content_type})",
                )
            except MaterialRefused as refusal:
                self.add_error("kind", str(refusal))
        self.topic_check(cleaned, self.instance.meeting_id)
        return cleaned

    def save(self, commit=True):
        material = super().save(commit=False)
        if upload := self.cleaned_data.get("upload"):
            services.material_file_attach(material=material, upload=upload)
            material.external_url = ""
        services.material_prepare(material=material, user=self.user)
        if commit:
            material.save()
        return material


class TopicMaterialForm(MaterialForm):
    """On a topic's page: the material belongs to the topic's meeting."""

    class Meta(MaterialForm.Meta):
        fields = [f for f in MaterialForm.Meta.fields if f != "topic"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._meeting_from_topic()

    def _meeting_from_topic(self):
        if self.instance.topic_id and not self.instance.meeting_id:
            self.instance.meeting_id = self.instance.topic.meeting_id

    def clean(self):
        # The inline formset gives a new row its topic after __init__: its meeting follows here,
        # before the file is stored under the meeting's folder.
        self._meeting_from_topic()
        return super().clean()

    def save(self, commit=True):
        self._meeting_from_topic()
        return super().save(commit=commit)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files, at most `TUG_MATERIALS_MAX_FILES_PER_UPLOAD`; each error names its file,
    and any error says that nothing was saved."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [file for file in (data if isinstance(data, list | tuple) else [data]) if file]
        if not files:
            return super().clean(None, initial)
        limit = settings.TUG_MATERIALS_MAX_FILES_PER_UPLOAD
        if len(files) > limit:
            raise forms.ValidationError(
                [
                    NOTHING_SAVED,
                    f"Choose at most {limit} files at once (you chose {len(files)}); upload the "
                    "rest in another go.",
                ]
            )
        errors = []
        for file in files:
            try:
                super().clean(file, initial)
            except forms.ValidationError as error:
                errors += [f"“{file.name}”: {message}" for message in error.messages]
        if errors:
            raise forms.ValidationError([NOTHING_SAVED, *errors])
        return files


class MaterialsUploadForm(TopicsOfTheChosenMeeting, forms.Form):
    """Several files for one meeting (and optionally one topic), each a material titled after
    its file's name. One refused file refuses the lot: nothing is stored."""

    meeting = forms.ModelChoiceField(queryset=Meeting.objects.select_related("program"))
    topic = forms.ModelChoiceField(queryset=AgendaTopic.objects.none(), required=False)
    kind = forms.ChoiceField(choices=Material.Kind.choices, initial=Material.Kind.PRESENTATION)
    files = MultipleFileField()
    publish = forms.BooleanField(
        required=False, help_text="Publish them now (else they are drafts only staff see)."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = (
            f"Drop files here, or choose several (at most "
            f"{settings.TUG_MATERIALS_MAX_FILES_PER_UPLOAD} at once)."
        )
        self.offer_topics_of_chosen_meeting()

    def clean(self):
        cleaned = super().clean()
        self.topic_check(cleaned, None)
        refusals = []
        for upload in cleaned.get("files") or []:
            try:
                upload_check(upload, kind=cleaned.get("kind") or Material.Kind.OTHER)
            except MaterialRefused as refusal:
                refusals.append(f"“{upload.name}”: {refusal}")
        if refusals:
            self.add_error("files", [NOTHING_SAVED, *refusals])
        return cleaned
