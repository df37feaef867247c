import re
from datetime import timedelta

from django import forms

from tug_portal.common.mailboxes import MailboxField
from tug_portal.meetings.models import Program, System
from tug_portal.meetings.selectors import programs_active

from .models import ReminderOffset, Subscription, describe_duration

MAX_OFFSET = timedelta(days=60)
OFFSET_PART = re.compile(r"(\d+)\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?)\b", re.IGNORECASE)
OFFSET_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offset(text: str) -> timedelta | None:
    """ "1 day", "2h", "1d 12h", "90 minutes" -> timedelta; None when it is not that form."""
    text = text.strip()
    parts = OFFSET_PART.findall(text)
    if not parts or OFFSET_PART.sub("", text).strip(" ,"):
        return None
    return sum(
        (timedelta(**{OFFSET_UNITS[unit[0].lower()]: int(n)}) for n, unit in parts),
        timedelta(0),
    )


class OffsetField(forms.DurationField):
    """Staff write “1 day”, “2 hours”, “1d 12h” or “90 min” (Django's “1 00:00:00” works too)."""

    default_error_messages = {
        "invalid": "Write it like “1 day”, “2 hours”, “1d 12h” or “90 minutes”.",
    }

    def prepare_value(self, value):
        return describe_duration(value) if isinstance(value, timedelta) else value

    def to_python(self, value):
        if isinstance(value, str) and (parsed := parse_offset(value)) is not None:
            return parsed
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value is not None and not timedelta(minutes=1) <= value <= MAX_OFFSET:
            raise forms.ValidationError("A reminder goes between 1 minute and 60 days before.")


class ReminderOffsetForm(forms.ModelForm):
    before = OffsetField(help_text="How long before the start: “1 day”, “2 hours”, “30 min”.")

    class Meta:
        model = ReminderOffset
        fields = ["before"]


def system_label(system: System) -> str:
    return f"{system.code}: {system.name}"


class SystemsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return system_label(obj)


class SubscribeForm(forms.Form):
    email = MailboxField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    # No program chosen unless the link said which (the program, meeting or filter the visitor
    # came from): a preselected first program subscribed people to the wrong one.
    program = forms.ModelChoiceField(
        queryset=programs_active(), to_field_name="slug", empty_label="Choose a program"
    )
    systems = SystemsField(
        queryset=System.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Only meetings about",
        help_text="Leave all unticked for every meeting of the program.",
    )
    # Left empty by people (it is hidden); bots fill in every field.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class PreferencesForm(forms.Form):
    """For each active program: subscribed or not, and the systems to narrow it to. Choices
    come from lists read once, so the page costs the same queries for any number of programs."""

    def __init__(
        self,
        *args,
        programs: list[Program],
        subscriptions: dict[int, Subscription],
        systems: list[System],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.programs = programs
        self.systems_by_id = {str(system.pk): system for system in systems}
        choices = [(str(system.pk), system_label(system)) for system in systems]
        for program in programs:
            subscription = subscriptions.get(program.pk)
            self.fields[f"program_{program.pk}"] = forms.BooleanField(
                required=False,
                label=f"Remind me of {program.acronym} meetings ({program.name})",
                # The subscription carries the digest and the materials mails as well.
                help_text=f"Unticked: no mail about {program.acronym} meetings at all; "
                "the weekly digest and the materials mails stop too.",
                initial=bool(subscription and subscription.is_confirmed),
            )
            self.fields[f"systems_{program.pk}"] = forms.MultipleChoiceField(
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label="Only meetings about",
                initial=[str(s.pk) for s in subscription.systems.all()] if subscription else [],
            )

    def clean(self):
        # Systems ticked under a program the person is not subscribed to and did not tick: they
        # want reminders about them, and saving would silently drop the choice. (Unticking a
        # program they are subscribed to, its systems still ticked, is an unsubscribe.)
        cleaned = super().clean()
        for program in self.programs:
            ticked = cleaned.get(f"program_{program.pk}")
            was_subscribed = self.fields[f"program_{program.pk}"].initial
            if cleaned.get(f"systems_{program.pk}") and not ticked and not was_subscribed:
                self.add_error(
                    f"systems_{program.pk}",
                    f"Systems narrow a program's reminders: tick “Remind me of "
                    f"{program.acronym} meetings” too to get reminders about them.",
                )
        return cleaned

    def rows(self):
        """(program, subscribed field, systems field) for the template."""
        return [
            (program, self[f"program_{program.pk}"], self[f"systems_{program.pk}"])
            for program in self.programs
        ]

    def choices(self) -> dict[Program, list[System] | None]:
        """Each program shown: the systems chosen when it is ticked, else None."""
        return {
            program: [self.systems_by_id[pk] for pk in self.cleaned_data[f"systems_{program.pk}"]]
            if self.cleaned_data[f"program_{program.pk}"]
            else None
            for program in self.programs
        }
