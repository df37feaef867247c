"""A program's recurrence: an RFC 5545 RRULE anchored at a first date, in the program's zone."""

from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil import rrule
from django.core.exceptions import ValidationError

from .timeutil import MEETING_YEARS, format_time_range, zone_name

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
EVERY_NTH = {1: "every", 2: "every other", 3: "every third", 4: "every fourth"}


def parse_rrule(rule: str, start: date) -> rrule.rrule:
    text = rule.strip().removeprefix("RRULE:")
    return rrule.rrulestr(text, dtstart=datetime.combine(start, datetime.min.time()))


# A meeting program meets at most daily: a rule by the hour, minute or second is walked
# occurrence by occurrence (an outside try's FREQ=SECONDLY cost 0.4 s of CPU per day).
MEETING_FREQUENCIES = {rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY}


def validate_rrule(rule: str) -> None:
    try:
        parsed = parse_rrule(rule, date(2000, 1, 1))
    except (ValueError, TypeError) as error:
        raise ValidationError(f"Not a valid RRULE: {error}") from error
    if parsed._freq not in MEETING_FREQUENCIES:
        raise ValidationError(
            "A program meets at most daily: FREQ is DAILY, WEEKLY, MONTHLY or YEARLY."
        )


def occurrence_dates(rule: str, start: date, *, after: date, count: int) -> list[date]:
    """The next `count` dates of the recurrence on or after `after`."""
    if count <= 0:
        return []
    dates = []
    for occurrence in parse_rrule(rule, start).xafter(
        datetime.combine(after, datetime.min.time()), inc=True
    ):
        if occurrence.year >= MEETING_YEARS.stop:
            break  # no meeting is held after MEETING_YEARS
        dates.append(occurrence.date())
        if len(dates) == count:
            break
    return dates


# Program pages and cards say it on every render: parsing the rule each time was ~5 % of one.
@lru_cache(maxsize=256)
def describe_rrule(rule: str, start: date) -> str:
    """Words for the common shapes ("every other Tuesday", "the first Thursday of every month");
    the rule itself for anything else."""
    parsed = parse_rrule(rule, start)
    frequency, interval = parsed._freq, parsed._interval  # dateutil keeps no public accessors
    weekdays = [WEEKDAY_NAMES[day] for day in parsed._byweekday or ()]
    if frequency == rrule.WEEKLY and interval in EVERY_NTH:
        days = " and ".join(weekdays or [WEEKDAY_NAMES[start.weekday()]])
        return f"{EVERY_NTH[interval]} {days}"
    if frequency == rrule.MONTHLY and parsed._bynweekday and interval == 1:
        day, nth = parsed._bynweekday[0]
        if nth in ORDINALS:
            return f"the {ORDINALS[nth]} {WEEKDAY_NAMES[day]} of every month"
    if frequency == rrule.DAILY and interval == 1:
        return "every day"
    return rule


def program_has_schedule(program) -> bool:
    """Whether the program meets on a schedule: a recurrence rule and the date it starts from."""
    return bool(program.recurrence_rule and program.recurrence_start)


def describe_program_schedule(program) -> str:
    """ "every other Tuesday, 10:00-11:00 AM Pacific", or "" when the program has no rule."""
    if not program_has_schedule(program):
        return ""
    words = describe_rrule(program.recurrence_rule, program.recurrence_start)
    if program.default_start_time is None:
        return words
    start = datetime.combine(program.recurrence_start, program.default_start_time)
    span = format_time_range(start, start + (program.default_duration or timedelta(hours=1)))
    return f"{words}, {span} {zone_name(program.time_zone)}"
