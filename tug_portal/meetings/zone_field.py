"""The admin's time zone field: staff type a zone as they read it."""

from django import forms
from django.core.exceptions import ValidationError

from .timeutil import ZONE_NAMES, canonical_time_zone

COMMON_NAMES = ", ".join(names[0] for names in ZONE_NAMES.values()) + " (or PT, PST, ...)"


class TimeZoneField(forms.CharField):
    """A zone by its IANA name in any case ("america/los_angeles") or by the name the portal
    shows ("Pacific"), kept as its IANA name (found from outside: "Pacific", the word every
    meeting's name shows, was refused, and on the meeting form answered 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault(
            "help_text", f"An IANA name (America/Los_Angeles) or one of {COMMON_NAMES}."
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        zone = canonical_time_zone(value)
        if zone is None:
            raise ValidationError(
                f"“{value}” is not a time zone: give its IANA name (America/Los_Angeles) or "
                f"one of {COMMON_NAMES}.",
                code="invalid",
            )
        return zone
