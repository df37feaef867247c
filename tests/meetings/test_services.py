import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import make_meeting, make_program
from tug_portal.meetings import services
from tug_portal.meetings.models import AgendaRequest, AgendaTopic, Meeting, Person

pytestmark = pytest.mark.django_db


def test_meeting_create_uses_program_zone_defaults_and_dial_ins():
    program = make_program(recurrence_rule="", meeting_number="1 2 3")
    program.dial_ins.create(label="Domestic Call-In", number="(866) 528-2256", access_code="9")

    meeting = make_meeting(program, date(2030, 7, 9))

    assert meeting.slug == "tug-2030-07-09"
    assert meeting.starts_at == datetime(2030, 7, 9, 17, tzinfo=UTC)  # 10:00 PDT
    assert meeting.meeting_number == "1 2 3"
    assert [d.number for d in meeting.dial_ins.all()] == ["(866) 528-2256"]


def test_meeting_slug_gets_a_suffix_when_the_day_is_taken():
    program = make_program()
    first = make_meeting(program, date(2030, 1, 8))
    second = make_meeting(program, date(2030, 1, 8), start=time(14))

    assert (first.slug, second.slug) == ("tug-2030-01-08", "tug-2030-01-08-2")


# Rows are created inside the first captured block: a change noted outside it would join a
# pending sync that, within a test's never-committed transaction, never runs.


def test_editing_a_topic_bumps_sequence_and_summarises_the_change(
    django_capture_on_commit_callbacks, changes
):
    with django_capture_on_commit_callbacks(execute=True):
        program = make_program()
        meeting = make_meeting(program)
    uid = meeting.uid

    with django_capture_on_commit_callbacks(execute=True):
        AgendaTopic.objects.create(meeting=meeting, order=1, title="OMS Road Map")

    meeting.refresh_from_db()
    assert meeting.calendar_sequence == 1
    assert meeting.change_summary == "topic added: OMS Road Map"
    assert meeting.uid == uid
    assert changes[-1] == ({meeting.pk}, {program.pk})


def test_moving_a_meeting_says_from_when_to_when(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program(), date(2030, 1, 8))

    with django_capture_on_commit_callbacks(execute=True):
        meeting.starts_at = datetime(2030, 1, 9, 18, tzinfo=UTC)
        meeting.ends_at = datetime(2030, 1, 9, 19, tzinfo=UTC)
        meeting.save()

    meeting.refresh_from_db()
    assert (
        meeting.change_summary == "time moved from Tue Jan 8 10:00 AM PT to Wed Jan 9 10:00 AM PT"
    )


def test_cancelling_bumps_sequence(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program())

    with django_capture_on_commit_callbacks(execute=True):
        meeting.status = Meeting.Status.CANCELLED
        meeting.save()

    meeting.refresh_from_db()
    assert (meeting.calendar_sequence, meeting.change_summary) == (1, "now cancelled")


def test_un_cancelling_says_the_meeting_is_back_on_and_a_new_title_says_what_it_was(
    django_capture_on_commit_callbacks,
):
    """Found from outside: the mail after an un-cancel said only "now scheduled", and a
    renamed meeting's "title changed" not from what (the reader knew it by its old name)."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program(), status=Meeting.Status.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        meeting.status = Meeting.Status.SCHEDULED
        meeting.title = "Technology User Group: OMS special"
        meeting.save()

    meeting.refresh_from_db()
    assert meeting.change_summary == (
        "no longer cancelled (now scheduled); title changed from “TUG Group” to "
        "“Technology User Group: OMS special”"
    )


def test_an_edit_sequence_does_not_track_keeps_sequence_and_still_tells_consumers(
    django_capture_on_commit_callbacks, changes
):
    # The notes are shown on the meeting page (and topics' times and text in the event's
    # description), not tracked by SEQUENCE: the pages and stored calendars must still hear.
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program())
    changes.clear()

    with django_capture_on_commit_callbacks(execute=True):
        meeting.notes = "The room moved to B-12."
        meeting.save()

    meeting.refresh_from_db()
    assert meeting.calendar_sequence == 0
    assert changes == [({meeting.pk}, {meeting.program_id})]


def test_the_sweep_tells_consumers_nothing_when_nothing_changed(changes, make_meetings):
    make_meetings(3, program=make_program())
    services.meetings_sync_calendar_state(meetings=Meeting.objects.all())
    changes.clear()

    services.meetings_sync_calendar_state(meetings=Meeting.objects.all())

    assert changes == []


def test_renaming_a_facilitator_changes_their_meetings(django_capture_on_commit_callbacks):
    person = Person.objects.create(name="Indu Nambiar")
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program())
        topic = AgendaTopic.objects.create(meeting=meeting, title="Roll call")
        topic.facilitators.add(person)

    with django_capture_on_commit_callbacks(execute=True):
        person.name = "Indu N."
        person.save()

    meeting.refresh_from_db()
    assert meeting.calendar_sequence == 1


def test_a_rolled_back_edit_syncs_nothing(django_capture_on_commit_callbacks, changes):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program())
    changes.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                AgendaTopic.objects.create(meeting=meeting, title="Never saved")
                raise RuntimeError
        except RuntimeError:
            pass

    assert callbacks == []
    assert changes == []


def test_duplicate_copies_agenda_and_dial_ins_as_a_draft():
    program = make_program()
    program.dial_ins.create(label="Domestic Call-In", number="(866) 528-2256")
    meeting = make_meeting(program, date(2030, 1, 8))
    topic = AgendaTopic.objects.create(meeting=meeting, order=1, title="Roll call", body="- one")
    topic.facilitators.add(Person.objects.create(name="Indu Nambiar"))

    copy = services.meeting_duplicate(meeting=meeting, day=date(2030, 1, 22))

    assert copy.is_published is False
    assert copy.local_start.time() == time(10)
    assert [(t.title, t.body, t.facilitator_names()) for t in copy.topics.all()] == [
        ("Roll call", "- one", "Indu Nambiar")
    ]
    assert copy.dial_ins.count() == 1
    assert copy.uid != meeting.uid


def test_next_meetings_follow_the_recurrence_and_skip_taken_dates():
    program = make_program(
        recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", recurrence_start=date(2030, 1, 1)
    )
    make_meeting(program, date(2030, 1, 15))

    created = services.program_create_next_meetings(
        program=program, count=3, after=date(2030, 1, 1)
    )
    again = services.program_create_next_meetings(program=program, count=3, after=date(2030, 1, 1))

    assert [m.local_start.date() for m in created] == [date(2030, 1, 1), date(2030, 1, 29)]
    assert again == []
    assert all(not m.is_published for m in created)


def test_a_deactivated_program_gets_no_next_meetings():
    program = make_program(
        recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        recurrence_start=date(2030, 1, 1),
        is_active=False,
    )

    with pytest.raises(
        services.ScheduleRefused, match="TUG: no meetings created: the program is deactivated"
    ):
        services.program_schedule_extend(program=program, count=4)
    with pytest.raises(services.ScheduleRefused):
        services.program_create_next_meetings(program=program, count=4, after=date(2030, 1, 1))
    assert not program.meetings.exists()


def test_duplicate_without_a_day_goes_to_the_next_recurrence_date():
    program = make_program(
        recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", recurrence_start=date(2030, 1, 1)
    )
    meeting = make_meeting(program, date(2030, 1, 1))

    copy = services.meeting_duplicate(meeting=meeting)

    assert copy.local_start.date() == date(2030, 1, 15)
    assert copy.is_published is False


def test_duplicate_goes_to_the_next_scheduled_date_that_has_no_meeting():
    # The outside testers' case: TUG meets every other Tuesday; the copy of one meeting went a
    # week later (off the schedule) when the next scheduled date was taken.
    program = make_program(
        recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", recurrence_start=date(2030, 1, 1)
    )
    meeting = make_meeting(program, date(2030, 1, 1))
    for day in (date(2030, 1, 15), date(2030, 1, 29)):
        make_meeting(program, day)

    assert services.meeting_next_free_date(meeting=meeting) == date(2030, 2, 12)
    assert services.meeting_duplicate(meeting=meeting).local_start.date() == date(2030, 2, 12)


def test_duplicate_of_a_monthly_program_stays_on_its_weekday_of_the_month():
    # CPG meets on the first Thursday: 2027-04-01 was copied to 04-08.
    program = make_program(
        "cpg", recurrence_rule="FREQ=MONTHLY;BYDAY=1TH", recurrence_start=date(2027, 1, 7)
    )
    meeting = make_meeting(program, date(2027, 4, 1))
    make_meeting(program, date(2027, 5, 6))

    copy = services.meeting_duplicate(meeting=meeting)

    assert copy.local_start.date() == date(2027, 6, 3)
    assert copy.slug == "cpg-2027-06-03"


def test_duplicate_is_refused_when_the_schedule_has_no_free_date_left():
    program = make_program(
        recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=2",
        recurrence_start=date(2030, 1, 1),
    )
    meeting = make_meeting(program, date(2030, 1, 1))
    make_meeting(program, date(2030, 1, 15))

    with pytest.raises(
        services.ScheduleRefused,
        match="not duplicated: its schedule has no free date after it",
    ):
        services.meeting_duplicate(meeting=meeting)
    assert program.meetings.count() == 2


def test_duplicate_of_a_deactivated_programs_meeting_is_refused():
    program = make_program(
        recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", recurrence_start=date(2030, 1, 1)
    )
    meeting = make_meeting(program, date(2030, 1, 1))
    program.is_active = False
    program.save()

    for day in (None, date(2030, 1, 15)):
        with pytest.raises(
            services.ScheduleRefused,
            match="not duplicated: the program is deactivated",
        ):
            services.meeting_duplicate(meeting=meeting, day=day)
    assert program.meetings.count() == 1


def test_duplicate_without_a_recurrence_goes_a_week_later():
    meeting = make_meeting(make_program(recurrence_rule=""), date(2030, 1, 8))

    assert services.meeting_next_free_date(meeting=meeting) == date(2030, 1, 15)


def test_duplicate_without_a_recurrence_skips_weeks_already_taken():
    program = make_program(recurrence_rule="")
    meeting = make_meeting(program, date(2030, 1, 1))
    for day in (date(2030, 1, 8), date(2030, 1, 15)):
        make_meeting(program, day)

    assert services.meeting_next_free_date(meeting=meeting) == date(2030, 1, 22)


def test_duplicating_twice_without_a_recurrence_puts_the_copies_on_different_days():
    meeting = make_meeting(make_program(recurrence_rule=""), date(2030, 1, 8))

    first = services.meeting_duplicate(meeting=meeting)
    second = services.meeting_duplicate(meeting=meeting)

    assert first.local_start.date() == date(2030, 1, 15)
    assert second.local_start.date() == date(2030, 1, 22)


def test_duplicate_keeps_the_originals_join_details_not_the_programs():
    program = make_program(meeting_number="1 1 1")
    meeting = make_meeting(program, date(2030, 1, 8), meeting_number="2 2 2")

    copy = services.meeting_duplicate(meeting=meeting, day=date(2030, 1, 22))

    assert copy.meeting_number == "2 2 2"


def test_schedule_extend_starts_after_the_last_meeting():
    program = make_program(
        recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", recurrence_start=date(2030, 1, 1)
    )
    make_meeting(program, date(2030, 1, 15))

    created = services.program_schedule_extend(program=program, count=2)

    # 1 January is free but before the last meeting: the schedule grows forward only.
    assert [m.local_start.date() for m in created] == [date(2030, 1, 29), date(2030, 2, 12)]
    assert all(not m.is_published for m in created)


def test_schedule_extend_starts_today_when_the_last_meeting_is_past():
    program = make_program(
        recurrence_rule="FREQ=DAILY", recurrence_start=date(2020, 1, 1), slug="daily"
    )
    make_meeting(program, date(2020, 1, 1))
    today = timezone.localdate()

    created = services.program_schedule_extend(program=program, count=2)

    assert [m.local_start.date() for m in created] == [today, today + timedelta(days=1)]


def test_schedule_extend_creates_nothing_without_a_recurrence():
    program = make_program(recurrence_rule="")

    assert services.program_schedule_extend(program=program) == []
    assert not program.meetings.exists()


def test_agenda_request_is_stored_and_mailed_to_the_contact(
    django_capture_on_commit_callbacks, mailoutbox
):
    contact = Person.objects.create(name="Indu Nambiar", email="inambiar@caiso.com")
    program = make_program(contact=contact)

    with django_capture_on_commit_callbacks(execute=True):
        request = services.agenda_request_submit(
            program=program,
            name="Pat Doe",
            email="pat@example.com",
            organization="Example Energy",
            topic="DRRS API rate limits",
            details="Please explain the 30 s window.",
        )

    assert request.status == "new"
    [mail] = mailoutbox
    assert mail.to == ["inambiar@caiso.com"]
    assert mail.reply_to == ["pat@example.com"]
    assert mail.subject == "Agenda request: TUG: DRRS API rate limits"


# --- Agenda requests: a daily cap of mails per contact ----------------------------------------

MailState = AgendaRequest.MailState


def submit(program, n: int = 0, **extra) -> AgendaRequest:
    return services.agenda_request_submit(
        **{"name": "Pat Doe", "email": "pat@example.com", "topic": f"Topic {n}", **extra},
        program=program,
    )


@pytest.fixture
def capped(settings):
    settings.AGENDA_REQUEST_MAILS_PER_CONTACT = 2


def test_agenda_requests_beyond_the_contacts_daily_cap_are_stored_not_mailed(
    capped, django_capture_on_commit_callbacks, mailoutbox
):
    contact = Person.objects.create(name="Indu Nambiar", email="inambiar@caiso.com")
    program = make_program(contact=contact)

    with django_capture_on_commit_callbacks(execute=True):
        requests = [submit(program, n) for n in range(4)]

    assert [m.subject for m in mailoutbox] == [
        "Agenda request: TUG: Topic 0",
        "Agenda request: TUG: Topic 1",
    ]
    assert [r.mail_state for r in requests] == [MailState.MAILED] * 2 + [MailState.HELD] * 2
    assert AgendaRequest.objects.filter(status="new").count() == 4  # all in staff's queue


def test_the_cap_counts_every_spelling_of_the_contacts_mailbox(capped, mailoutbox):
    tug = make_program(contact=Person.objects.create(name="Indu", email="inambiar@caiso.com"))
    cpg = make_program(
        slug="cpg", contact=Person.objects.create(name="I. N.", email="INambiar+cpg@CAISO.com")
    )
    eim = make_program(slug="eim", contact=Person.objects.create(name="Kim", email="k@caiso.com"))

    states = [submit(p, n).mail_state for n, p in enumerate((tug, cpg, cpg, eim))]

    assert states == [MailState.MAILED, MailState.MAILED, MailState.HELD, MailState.MAILED]


def test_a_meetings_own_contact_is_the_one_counted(capped):
    program = make_program(contact=Person.objects.create(name="Indu", email="inambiar@caiso.com"))
    other = Person.objects.create(name="Kim", email="k@caiso.com")
    meeting = make_meeting(program, contact=other)

    states = [submit(program, n, meeting=meeting).mail_state for n in range(3)]
    states.append(submit(program).mail_state)

    assert states == [MailState.MAILED, MailState.MAILED, MailState.HELD, MailState.MAILED]
    assert AgendaRequest.objects.filter(contact_mailbox="k@caiso.com").count() == 3


def test_the_cap_is_a_rolling_day(capped, time_machine):
    time_machine.move_to(datetime(2030, 1, 1, 9, tzinfo=UTC), tick=False)
    program = make_program(contact=Person.objects.create(name="Indu", email="inambiar@caiso.com"))
    submit(program, 0), submit(program, 1)

    time_machine.shift(timedelta(hours=23, minutes=59))
    assert submit(program, 2).mail_state == MailState.HELD
    time_machine.shift(timedelta(minutes=2))
    assert submit(program, 3).mail_state == MailState.MAILED


def test_an_identical_agenda_request_repeated_is_stored_and_mailed_once(
    time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    time_machine.move_to(datetime(2030, 1, 1, 9, tzinfo=UTC), tick=False)
    program = make_program(contact=Person.objects.create(name="Indu", email="inambiar@caiso.com"))

    with django_capture_on_commit_callbacks(execute=True):
        first = submit(program, topic="DRRS API rate limits")
        time_machine.shift(timedelta(minutes=5))
        again = services.agenda_request_submit(
            program=program, name="Pat Doe", email=" PAT@example.com", topic="DRRS API  rate limits"
        )

    assert again.pk == first.pk
    assert AgendaRequest.objects.count() == 1
    assert len(mailoutbox) == 1


def test_an_agenda_request_is_a_new_one_after_the_repeat_window_or_for_another_meeting(
    time_machine, mailoutbox
):
    time_machine.move_to(datetime(2030, 1, 1, 9, tzinfo=UTC), tick=False)
    program = make_program(contact=Person.objects.create(name="Indu", email="inambiar@caiso.com"))
    meeting = make_meeting(program)

    submit(program, topic="Rate limits")
    submit(program, topic="Rate limits", meeting=meeting)
    submit(program, topic="Other topic")
    time_machine.shift(services.AGENDA_REQUEST_REPEAT_WINDOW + timedelta(seconds=1))
    submit(program, topic="Rate limits")

    assert AgendaRequest.objects.count() == 4


def test_a_request_to_a_program_without_contact_says_so(mailoutbox):
    request = submit(make_program())

    assert (request.mail_state, request.contact_mailbox) == (MailState.NO_CONTACT, "")
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_agenda_requests_mail_the_contact_at_most_the_cap(capped, mailoutbox):
    program = make_program(contact=Person.objects.create(name="Indu", email="inambiar@caiso.com"))
    barrier = threading.Barrier(6)
    states = []

    def send(n):
        try:
            barrier.wait()
            states.append(submit(program, n).mail_state)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(states) == [MailState.HELD] * 4 + [MailState.MAILED] * 2
    assert len(mailoutbox) == 2
