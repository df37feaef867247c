"""A program's schedule (its recurrence) is one a meeting program keeps: at most daily, from a
year a meeting can be in (meetings/recurrence.py → validate_rrule; models.py)."""

from datetime import date

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "rule, start",
    [
        ("FREQ=SECONDLY", date(2030, 1, 1)),
        ("FREQ=MINUTELY", date(2030, 1, 1)),
        ("FREQ=HOURLY;INTERVAL=2", date(2030, 1, 1)),
        ("FREQ=WEEKLY", date(9999, 12, 31)),
        ("FREQ=WEEKLY", date(1, 1, 1)),
    ],
)
def test_a_schedule_no_meeting_program_keeps_is_refused_with_a_message(rule, start):
    """Found from outside: FREQ=SECONDLY cost 0.4 s of CPU per day walked ("Create the next
    meetings"), and a start in year 9999 made the home page and the program's page answer 500."""
    from django.core.exceptions import ValidationError

    from tests.factories import make_program

    program = make_program()
    program.recurrence_rule, program.recurrence_start = rule, start

    with pytest.raises(ValidationError) as refusal:
        program.full_clean()

    said = str(refusal.value)
    assert "at most daily" in said or "between 1970 and 2099" in said


def test_a_schedule_reaching_past_2099_makes_meetings_up_to_it_and_no_further():
    """Found from outside: "Create the next meetings" and "Duplicate" past 2099 answered 500
    (the database's year constraint)."""
    from datetime import time

    from tests.factories import make_meeting, make_program
    from tug_portal.meetings import services
    from tug_portal.meetings.models import Meeting

    program = make_program(
        recurrence_rule="FREQ=WEEKLY",
        recurrence_start=date(2099, 12, 1),
        default_start_time=time(10),
    )
    created = services.program_create_next_meetings(program=program, count=10)
    last = make_meeting(make_program(acronym="CPG"), date(2099, 12, 29))

    assert {m.local_start.year for m in Meeting.objects.filter(program=program)} == {2099}
    assert len(created) <= 5
    with pytest.raises(services.ScheduleRefused, match="between 1970 and 2099"):
        services.meeting_duplicate(meeting=last)
