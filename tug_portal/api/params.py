"""What clients may send: query parameters, validated before any query runs. A value that does
not parse is a 422 with a message saying which parameter and why (see `api.py`)."""

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from django.conf import settings
from django.utils import timezone
from ninja import Field, Path, Schema
from pydantic import BeforeValidator, TypeAdapter

from tug_portal.meetings.models import Announcement, Meeting

DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
PARSE_DATETIME = TypeAdapter(datetime).validate_python
# Pages deeper than this are refused rather than handed to the database as a huge OFFSET.
MAX_OFFSET = 100_000
MAX_LIMIT = 200


def parse_date_or_datetime(value):
    """ "2018-10-16" is a day; "2018-10-16T10:00" (optionally with an offset) is a moment.

    Said explicitly because pydantic alone would read "2018-10-16T00:00:00" as a day and "1" as a
    Unix timestamp."""
    if not isinstance(value, str):
        return value
    if DATE_ONLY.fullmatch(value):
        return date.fromisoformat(value)
    if DATE_TIME.match(value):
        return PARSE_DATETIME(value)
    raise ValueError(
        "expected an ISO 8601 date (2018-10-16) or date-time (2018-10-16T10:00:00-07:00)"
    )


# Inline enums in the schema (the choices' own class names, "Status" and "Kind", say too little).
MeetingStatus = Literal[tuple(Meeting.Status.values)]
AnnouncementKind = Literal[tuple(Announcement.Kind.values)]

DateOrDateTime = Annotated[date | datetime, BeforeValidator(parse_date_or_datetime)]


def instant(value: date | datetime | None, *, day_ends: bool = False) -> datetime | None:
    """The UTC instant a query value stands for. A day starts at midnight (or, with `day_ends`,
    ends at the next midnight) and a time without an offset is read in the portal's zone,
    settings.TIME_ZONE. Values beyond what a datetime can hold are clamped, not refused: no
    meeting is that far away."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        if day_ends and value == date.max:
            return datetime.max.replace(tzinfo=UTC)
        day = value + timedelta(days=1) if day_ends else value
        value = datetime.combine(day, time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page.")
    offset: int = Field(
        0,
        ge=0,
        le=MAX_OFFSET,
        description="Items to skip. Past the last item, a page is empty (not an error).",
    )


SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
CODE_PATTERN = r"^[-a-zA-Z0-9_. ]+$"
# A path's {slug:slug} is routed only when it matches SLUG_PATTERN (else the API's JSON 404).
SlugInPath = Annotated[str, Path(pattern=SLUG_PATTERN)]


class MeetingQuery(PageQuery):
    program: str | None = Field(
        None, max_length=50, pattern=SLUG_PATTERN, description="A program's slug, e.g. `tug`."
    )
    system: str | None = Field(
        None,
        max_length=30,
        pattern=CODE_PATTERN,
        description="Meetings with a topic about this system, e.g. `DRRS` (any case).",
    )
    starts_from: DateOrDateTime | None = Field(
        None,
        alias="from",
        description=(
            "Meetings starting at or after this date or date-time. A date is the start of that "
            f"day; a time without an offset is read in the portal's zone ({settings.TIME_ZONE})."
        ),
    )
    starts_until: DateOrDateTime | None = Field(
        None,
        alias="to",
        description=(
            "Meetings starting before this date-time, or on or before this date (the whole day "
            "counts). A `to` before `from` matches nothing."
        ),
    )
    status: MeetingStatus | None = None
    updated_since: DateOrDateTime | None = Field(
        None, description="Meetings whose `updated_at` is at or after this date or date-time."
    )


class AnnouncementQuery(PageQuery):
    system: str | None = Field(
        None,
        max_length=30,
        pattern=CODE_PATTERN,
        description="Announcements about this system, e.g. `DRRS` (any case).",
    )
    kind: AnnouncementKind | None = None
