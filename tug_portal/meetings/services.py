"""Writes. Keyword-only functions, each one transaction; views, admin, tasks and commands call
these and hold no business logic of their own."""

import logging
from collections.abc import Iterable
from datetime import date, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from tug_portal.common.mail import new_message_id
from tug_portal.common.mailboxes import InvalidMailbox, canonical_mailbox, mailbox_lock
from tug_portal.common.markdown import render_markdown
from tug_portal.common.text import clean_text

from . import search_index
from .calendar_state import describe_changes, meeting_snapshot, snapshot_parts
from .models import (
    AgendaRequest,
    AgendaTopic,
    Announcement,
    Meeting,
    MeetingDialIn,
    Person,
    Program,
)
from .recurrence import occurrence_dates, program_has_schedule
from .selectors import (
    agenda_request_recipient,
    meeting_join_details,
    meetings_with_calendar_facts,
    new_meeting_defaults,
    new_meeting_start,
)
from .signals import meetings_changed
from .timeutil import MEETING_YEARS, local_span_to_utc

logger = logging.getLogger(__name__)

# Agenda request mails to one contact are counted over this rolling period.
CONTACT_MAIL_PERIOD = timedelta(days=1)
# The same agenda request sent again within this (a double click, a reload that re-posts, the
# "did it work?" second try) is the request already stored: no second row, no second mail.
AGENDA_REQUEST_REPEAT_WINDOW = timedelta(minutes=10)


# --- Markdown, rendered once ----------------------------------------------------------------

# Each model's Markdown fields and the field holding their rendered, sanitized HTML.
RENDERED_MARKDOWN = {
    Program: (("description", "description_rendered"),),
    Meeting: (("notes", "notes_rendered"),),
    AgendaTopic: (("body", "body_rendered"),),
    Announcement: (("body", "body_rendered"),),
}


def markdown_fields_render(*, instances: Iterable) -> None:
    """Render each instance's Markdown into its stored HTML field, in memory: run before every
    save (rendered_markdown.py) and by code that writes rows with bulk_create. A field that was
    not loaded (deferred) is not saved either, and is left alone."""
    for instance in instances:
        deferred = instance.get_deferred_fields()
        for source, stored in RENDERED_MARKDOWN[type(instance)]:
            if source not in deferred:
                setattr(instance, stored, render_markdown(getattr(instance, source)))


# --- Calendar state -------------------------------------------------------------------------


def _sync_one(meeting: Meeting, now, parts: dict | None = None) -> bool:
    snapshot = meeting_snapshot(meeting, parts)
    old = meeting.calendar_snapshot
    if snapshot == old:
        return False
    fields = ["calendar_snapshot"]
    meeting.calendar_snapshot = snapshot
    if old:
        # What a subscriber sees: only changes to a meeting that was (and is) public.
        summary = describe_changes(old, snapshot, meeting.zone) if old.get("published") else ""
        meeting.calendar_sequence += 1
        meeting.calendar_changed_at = now
        fields += ["calendar_sequence", "calendar_changed_at"]
        # A change with no words of its own (materials attached, a recording's link) leaves
        # the last change said the one reported: pages, feeds, digests and update notices.
        if summary or not old.get("published"):
            meeting.change_summary = summary[:500]
            meeting.change_summary_sequence = meeting.calendar_sequence
            fields += ["change_summary", "change_summary_sequence"]
    else:
        meeting.calendar_changed_at = now
        fields.append("calendar_changed_at")
    # .update(), not .save(): this bookkeeping is not an edit and must not re-trigger the sync
    # or add a history row of its own.
    Meeting.objects.filter(pk=meeting.pk).update(
        **{field: getattr(meeting, field) for field in fields}
    )
    return True


def meetings_sync_calendar_state(
    *,
    meetings,
    deleted: dict[int, int] | None = None,
    edited: Iterable[int] = (),
    left_programs: Iterable[int] = (),
    system_ids: Iterable[int] = (),
    programs_saved: Iterable[int] = (),
) -> set[int]:
    """Compare each meeting's calendar-visible facts with the stored snapshot; where they differ
    bump SEQUENCE, stamp the change and summarise it. Then tell consumers (`meetings_changed`)
    about the changed, the `edited` and the `deleted` ({meeting id: program id}) meetings.
    Returns the ids that changed. Runs after every committing edit, and from the feeds'
    periodic sweep.

    `edited`: the meetings an edit touched. Consumers hear of them even when the snapshot (what
    SEQUENCE tracks) is the same: their notes, a topic's clock time or text, the recording are
    shown on pages, in one-meeting calendars and in stored events all the same, and without
    the signal those kept the old text for up to an hour. `left_programs`: programs an edited
    meeting was moved out of (their feeds held it); `system_ids`: systems saved (a system's
    feed names it, even one that holds none of its meetings); `programs_saved`: programs saved
    (a program's feed describes it, though its meetings' calendars did not change)."""
    changed = _sync_calendar_state(meetings)
    deleted = deleted or {}
    touched, system_ids, programs_saved = (
        changed | set(edited),
        set(system_ids),
        set(programs_saved),
    )
    if touched or deleted or system_ids or programs_saved:
        program_ids = set(
            Meeting.objects.filter(pk__in=touched).values_list("program_id", flat=True)
        )
        meetings_changed.send(
            sender=Meeting,
            meeting_ids=touched | set(deleted),
            program_ids=program_ids | set(deleted.values()) | set(left_programs) | programs_saved,
            system_ids=system_ids,
        )
    return changed


@transaction.atomic
def _sync_calendar_state(meetings) -> set[int]:
    now = timezone.now()
    locked = list(meetings_with_calendar_facts(meetings.select_for_update(of=("self",))))
    parts = snapshot_parts(meeting.pk for meeting in locked)
    return {meeting.pk for meeting in locked if _sync_one(meeting, now, parts.get(meeting.pk))}


def meetings_sync_after_commit(
    *,
    meeting_ids: Iterable[int],
    program_ids: Iterable[int],
    deleted,
    left_programs=(),
    system_ids=(),
):
    """Runs after a transaction that touched meetings (or saved a program or a system)
    commits."""
    program_ids = set(program_ids)
    queryset = Meeting.objects.filter(pk__in=set(meeting_ids)) | Meeting.objects.filter(
        program_id__in=program_ids
    )
    meetings_sync_calendar_state(
        meetings=queryset,
        deleted=deleted,
        edited=set(meeting_ids),
        left_programs=left_programs,
        system_ids=system_ids,
        programs_saved=program_ids,
    )


# --- Meetings -------------------------------------------------------------------------------


def meeting_slug_base(program: Program, day: date) -> str:
    """A meeting's address: its program and its local date (`tug-2026-12-15`)."""
    return f"{program.slug}-{day:%Y-%m-%d}"


def meeting_slug_for(program: Program, day: date, *, exclude_pk: int | None = None) -> str:
    """The base slug, or the first free `-2`, `-3`, ... when another meeting holds it (the
    admin, the importer and `meeting_create` all ask this; the demo uses the base, which it
    owns)."""
    base = meeting_slug_base(program, day)
    others = Meeting.objects.exclude(pk=exclude_pk) if exclude_pk else Meeting.objects.all()
    slug, n = base, 2
    while others.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def meeting_create(
    *,
    program: Program,
    day: date,
    start: time | None = None,
    end: time | None = None,
    title: str = "",
    is_published: bool = False,
    status: str = Meeting.Status.SCHEDULED,
    slug: str = "",
    time_zone: str = "",
    copy_program_defaults: bool = True,
    **fields,
) -> Meeting:
    """A meeting of a program on a day, in the program's zone unless another is given. With no
    times the program's default start and duration apply; the program's join details and
    dial-ins are copied."""
    taken = new_meeting_defaults(program)  # the rule the admin's add form follows too
    time_zone = time_zone or taken["time_zone"]
    start = start or new_meeting_start(program)
    starts_at, ends_at = local_span_to_utc(day, start, end, time_zone, program.default_duration)
    defaults = meeting_join_details(program) if copy_program_defaults else {}
    meeting = Meeting.objects.create(
        program=program,
        slug=slug or meeting_slug_for(program, day),
        title=title or taken["title"],
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        status=status,
        is_published=is_published,
        **{**defaults, **fields},
    )
    if copy_program_defaults:
        _copy_dial_ins(meeting, program.dial_ins.all())
    return meeting


def meeting_take_program_dial_ins(meeting: Meeting) -> None:
    """A new meeting added with no dial-in of its own takes its program's (the admin's add
    form, as meeting_create does); one with dial-ins keeps them."""
    if not meeting.dial_ins.exists():
        _copy_dial_ins(meeting, meeting.program.dial_ins.all())


def _copy_dial_ins(meeting: Meeting, dial_ins) -> None:
    for dial_in in dial_ins:
        MeetingDialIn.objects.create(
            meeting=meeting,
            label=dial_in.label,
            number=dial_in.number,
            access_code=dial_in.access_code,
            order=dial_in.order,
        )


@transaction.atomic
@search_index.deferred()
def meeting_duplicate(*, meeting: Meeting, day: date | None = None) -> Meeting:
    """A draft copy on another day at the same local time, with agenda and dial-ins. With no
    `day`, on the program's next free date (`meeting_next_free_date`). A deactivated program's
    meeting is not copied (ScheduleRefused), as its program gets no next meetings either."""
    if not meeting.program.is_active:
        raise ScheduleRefused(
            f"{meeting.program.acronym}: “{meeting}” not duplicated: the program is "
            "deactivated (turn “Is active” on to schedule it again)."
        )
    day = day or meeting_next_free_date(meeting=meeting)
    if day.year not in MEETING_YEARS:
        raise ScheduleRefused(
            f"{meeting.program.acronym}: “{meeting}” not duplicated: its copy would fall on "
            f"{day}, and a meeting’s date is between {MEETING_YEARS.start} and "
            f"{MEETING_YEARS.stop - 1}."
        )
    local_start, local_end = meeting.local_start, meeting.local_end
    copy = meeting_create(
        program=meeting.program,
        day=day,
        start=local_start.time(),
        end=local_end.time(),
        title=meeting.title,
        time_zone=meeting.time_zone,
        copy_program_defaults=False,
        **meeting_join_details(meeting),
        is_recorded=meeting.is_recorded,
        recording_disclaimer=meeting.recording_disclaimer,
        contact=meeting.contact,
    )
    _copy_dial_ins(copy, meeting.dial_ins.all())
    for topic in meeting.topics.all():
        new_topic = AgendaTopic.objects.create(
            meeting=copy,
            order=topic.order,
            title=topic.title,
            start_time=topic.start_time,
            end_time=topic.end_time,
            body=topic.body,
        )
        new_topic.facilitators.set(topic.facilitators.all())
        new_topic.systems.set(topic.systems.all())
        new_topic.documents.set(topic.documents.all())
    return copy


def program_next_dates(*, program: Program, count: int, after: date | None = None) -> list[date]:
    """Of the program's next `count` recurrence dates on or after `after` (default today), those
    that have no meeting yet."""
    if not program_has_schedule(program):
        return []
    dates = occurrence_dates(
        program.recurrence_rule,
        program.recurrence_start,
        after=after or timezone.localdate(),
        count=count,
    )
    taken = (
        {
            meeting.local_start.date()
            for meeting in program.meetings.filter(
                starts_at__date__gte=dates[0] - timedelta(days=1)
            )
        }
        if dates
        else set()
    )
    return [day for day in dates if day not in taken]


FREE_DATE_WEEKS_SEARCHED = 104
# A copy's date is looked for among this many of the schedule's dates after the original's.
FREE_DATE_OCCURRENCES_SEARCHED = 104


def meeting_next_free_date(*, meeting: Meeting) -> date:
    """Where a copy of `meeting` goes: the first of the program's scheduled dates after it (its
    recurrence, as "Create the next meetings" reads it) with no meeting yet; ScheduleRefused
    when none of its next FREE_DATE_OCCURRENCES_SEARCHED is free (or the schedule has ended).
    Only a program with no schedule takes the first week after it with no meeting of the
    program that day (two years on: a week after it)."""
    day = meeting.local_start.date()
    program = meeting.program
    if program_has_schedule(program):
        free = program_next_dates(
            program=program, count=FREE_DATE_OCCURRENCES_SEARCHED, after=day + timedelta(days=1)
        )
        if not free:
            raise ScheduleRefused(
                f"{program.acronym}: “{meeting}” not duplicated: its schedule has no free "
                "date after it (extend the program's recurrence, or add the meeting by hand)."
            )
        return free[0]
    weeks = [day + timedelta(weeks=n) for n in range(1, FREE_DATE_WEEKS_SEARCHED + 1)]
    taken = {
        other.local_start.date()
        for other in program.meetings.filter(
            starts_at__date__gte=weeks[0] - timedelta(days=1),
            starts_at__date__lte=weeks[-1] + timedelta(days=1),
        )
    }
    return next((week for week in weeks if week not in taken), weeks[0])


class ScheduleRefused(ValueError):
    """Meetings a program may not be given; the message says why, for staff."""


@transaction.atomic
def program_create_next_meetings(
    *, program: Program, count: int = 4, after: date | None = None, is_published: bool = False
) -> list[Meeting]:
    """Create the meetings the recurrence proposes for its next `count` dates, skipping dates
    that already have one. Staff get drafts to review; the demo publishes them. A deactivated
    program gets none (ScheduleRefused): its meetings are in no page, feed or mail, and its
    schedule is made again once it is turned back on."""
    if not program.is_active:
        raise ScheduleRefused(
            f"{program.acronym}: no meetings created: the program is deactivated "
            "(turn “Is active” on to schedule it again)."
        )
    return [
        meeting_create(program=program, day=day, is_published=is_published)
        for day in program_next_dates(program=program, count=count, after=after)
    ]


def program_schedule_extend(*, program: Program, count: int = 4) -> list[Meeting]:
    """Extend a program's schedule from its recurrence: drafts for its next `count` dates after
    its last meeting (or after today, when that is later or there is none). Empty when it has no
    recurrence, or those dates have meetings already; ScheduleRefused for a deactivated
    program."""
    last = program.meetings.order_by("-starts_at").first()
    after = max(timezone.localdate(), last.local_start.date() + timedelta(days=1)) if last else None
    return program_create_next_meetings(program=program, count=count, after=after)


# --- Publishing -----------------------------------------------------------------------------


@transaction.atomic
def meeting_publish(*, meeting: Meeting) -> bool:
    """Put a draft meeting online (feeds, pages, reminders follow on commit). False when it
    already was."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.is_published:
        return False
    locked.is_published = True
    locked.save()
    meeting.is_published = True
    return True


@transaction.atomic
def announcement_publish(*, announcement: Announcement) -> bool:
    """Put a draft announcement online, dated now (a draft's creation date is not when the
    public first saw it: the Atom feed's <published> reads this), or, published once before
    and taken offline since (to mend it), dated as when it first was: it is not news again.
    False when it already was online."""
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if locked.is_published:
        return False
    # Its save records a first publication (Announcement.save): only the date is chosen here.
    locked.is_published = True
    locked.published_at = locked.first_published_at or timezone.now()
    locked.save()
    announcement.is_published, announcement.published_at = True, locked.published_at
    announcement.first_published_at = locked.first_published_at
    return True


# --- Agenda requests ------------------------------------------------------------------------


def agenda_request_answer_note(
    *, agenda_request: AgendaRequest, previous_status: str, now=None
) -> AgendaRequest:
    """Before staff's change of status is saved: keep when the request was answered. Leaving
    "new" (or a declined request accepted after all) answers it now; moving between accepted
    and scheduled keeps the first answer; back to "new" it is unanswered. The caller saves."""
    status, positive = agenda_request.status, AgendaRequest.ANSWERED_POSITIVELY
    if status == AgendaRequest.Status.NEW:
        agenda_request.answered_at = None
    elif status != previous_status and not (status in positive and previous_status in positive):
        agenda_request.answered_at = now or timezone.now()
    return agenda_request


@transaction.atomic
def agenda_request_submit(
    *,
    program: Program,
    name: str,
    email: str,
    topic: str,
    details: str = "",
    organization: str = "",
    meeting: Meeting | None = None,
) -> AgendaRequest:
    """Store the request for staff, and mail the contact (the meeting's, else the program's)
    once it is stored, unless the contact has had AGENDA_REQUEST_MAILS_PER_CONTACT today: then
    it waits in the admin's queue only ("held"), so the form cannot be used to flood anyone.
    An identical request (same address, program, meeting and topic, however spaced or cased)
    within AGENDA_REQUEST_REPEAT_WINDOW returns the one stored, and nothing is mailed again."""
    # Serializes the repeats of one requester (a key no contact's mailbox can have; every
    # caller takes it before the contact's, so the two locks cannot deadlock).
    mailbox_lock(f"agenda-request:{email.strip().casefold()}")
    if repeat := _agenda_request_repeat(program, meeting, email, topic):
        logger.info("Agenda request %s sent again: not stored or mailed twice.", repeat.pk)
        return repeat
    contact = agenda_request_recipient(program=program, meeting=meeting)
    mailbox, state = _contact_mail_share(contact)
    request = AgendaRequest.objects.create(
        program=program,
        meeting=meeting,
        name=name,
        email=email,
        organization=organization,
        topic=topic,
        details=details,
        contact_mailbox=mailbox,
        mail_state=state,
    )
    if state == AgendaRequest.MailState.MAILED:
        transaction.on_commit(lambda: _mail_agenda_request(request, contact), robust=True)
    else:
        logger.info("Agenda request %s stored, not mailed: %s.", request.pk, state)
    return request


def _same_text(value: str) -> str:
    return " ".join(value.split()).casefold()


def _agenda_request_repeat(program, meeting, email, topic) -> AgendaRequest | None:
    recent = AgendaRequest.objects.filter(
        program=program,
        meeting=meeting,
        email__iexact=email.strip(),
        created_at__gt=timezone.now() - AGENDA_REQUEST_REPEAT_WINDOW,
    ).order_by("created_at")
    return next((r for r in recent if _same_text(r.topic) == _same_text(topic)), None)


def _contact_mail_share(contact: Person | None) -> tuple[str, str]:
    """(the contact's mailbox key, the request's mail state), counted under the mailbox's lock
    (the caller's transaction holds it until the request row is in)."""
    if not (contact and contact.email):
        return "", AgendaRequest.MailState.NO_CONTACT
    try:
        mailbox = canonical_mailbox(contact.email)
    except InvalidMailbox:
        mailbox = contact.email.strip().casefold()  # staff typed it: count it as it is
    mailbox_lock(mailbox)
    mailed = AgendaRequest.objects.filter(
        contact_mailbox=mailbox,
        mail_state=AgendaRequest.MailState.MAILED,
        created_at__gt=timezone.now() - CONTACT_MAIL_PERIOD,
    ).count()
    if mailed >= settings.AGENDA_REQUEST_MAILS_PER_CONTACT:
        return mailbox, AgendaRequest.MailState.HELD
    return mailbox, AgendaRequest.MailState.MAILED


def _mail_agenda_request(request: AgendaRequest, contact: Person) -> None:
    about = f" for {request.meeting}" if request.meeting else ""
    body = (
        f"{request.name} ({request.organization or 'no organization given'}, {request.email}) "
        f"asks for an agenda item{about}:\n\n{request.topic}\n\n{request.details}\n"
    )
    EmailMessage(
        # One line: a line break typed into the topic must not break (or inject) a header.
        subject=clean_text(
            f"Agenda request: {request.program.acronym}: {request.topic}", single_line=True
        )[:200],
        body=body,
        to=[contact.email],
        reply_to=[request.email],
        headers={"Message-ID": new_message_id()},
    ).send()
