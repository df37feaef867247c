from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from tug_portal.reminders.forms import OffsetField, parse_offset


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 day", timedelta(days=1)),
        ("2 days", timedelta(days=2)),
        ("1h", timedelta(hours=1)),
        ("2 hours", timedelta(hours=2)),
        ("1d 12h", timedelta(days=1, hours=12)),
        ("90 minutes", timedelta(minutes=90)),
        ("15 min", timedelta(minutes=15)),
        ("1 hour 30 minutes", timedelta(minutes=90)),
    ],
)
def test_offsets_are_read_from_words(text, value):
    assert parse_offset(text) == value


@pytest.mark.parametrize("text", ["soon", "1 fortnight", "1 day and then some", ""])
def test_what_is_not_a_duration_is_not_read_as_one(text):
    assert parse_offset(text) is None


def test_offset_field_takes_djangos_own_format_and_shows_words():
    field = OffsetField()

    assert field.clean("1 00:00:00") == timedelta(days=1)
    assert field.prepare_value(timedelta(minutes=90)) == "1 hour 30 minutes"


@pytest.mark.parametrize("text", ["0 minutes", "61 days"])
def test_offset_field_refuses_offsets_out_of_range(text):
    with pytest.raises(ValidationError, match="between 1 minute and 60 days"):
        OffsetField().clean(text)
