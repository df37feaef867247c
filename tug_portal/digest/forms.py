"""The digest's preferences on the subscription page: for each confirmed subscription, on or
off, the day, the local hour and the zone. Every value is checked and a refusal says why."""

from django import forms

from tug_portal.meetings.models import is_iana_time_zone

from .models import WEEKDAYS

DAY_MESSAGE = "Choose a day of the week in English, Monday to Sunday."
HOUR_MESSAGE = "Choose an hour from 0 to 23."


class KeepsSentSelect(forms.Select):
    """A select that shows a refused value as it was sent. A plain one drops a value not among
    its options, and the browser then shows the first (00:00, Monday) as chosen: saving again
    would store what nobody chose. The sent value comes back as an option of its own, chosen,
    beside its error."""

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        known = {str(option_value) for option_value, _ in self.choices}
        for index, sent in enumerate(v for v in value if v not in known):
            option = self.create_option(name, sent, sent, True, len(groups) + index)
            groups.append((None, [option], len(groups)))
        return groups


class DayField(forms.ChoiceField):
    """An English day name, in any case ("monday", "Monday"); stored as 0 (Monday) to 6."""

    default_error_messages = {"invalid_choice": DAY_MESSAGE, "required": DAY_MESSAGE}

    widget = KeepsSentSelect

    def __init__(self, **kwargs):
        super().__init__(choices=[(day, day.title()) for day in WEEKDAYS], **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().lower()

    def clean(self, value):
        return WEEKDAYS.index(super().clean(value))

    def prepare_value(self, value):
        return WEEKDAYS[value] if isinstance(value, int) and 0 <= value <= 6 else value


class DigestPreferenceForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Send me a weekly digest")
    weekday = DayField(label="Day")
    hour = forms.TypedChoiceField(
        label="Hour",
        coerce=int,
        widget=KeepsSentSelect,
        choices=[(str(hour), f"{hour:02d}:00") for hour in range(24)],
        error_messages={"invalid_choice": HOUR_MESSAGE, "required": HOUR_MESSAGE},
    )
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="An IANA time zone, e.g. America/Los_Angeles or Europe/Berlin.",
    )

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"].strip()
        if not is_iana_time_zone(value):
            raise forms.ValidationError(
                f"“{value}” is not an IANA time zone (e.g. America/Los_Angeles)."
            )
        return value
