"""The words a calendar shows for a meeting, shared by the feeds, the one-meeting .ics and the
"add to calendar" links, so that all of them say the same thing.

Every function here reads only what `facts.MeetingFacts` carries (the links also pass meetings,
for the few scalar fields they share).
"""

from datetime import timedelta

from django.conf import settings

from tug_portal.common.text import clean_text
from tug_portal.meetings.timeutil import format_time_range, zone_name


def meeting_summary(meeting) -> str:
    """ "TUG: Technology User Group"; a cancelled meeting says so where every client shows it."""
    summary = clean_text(f"{meeting.program.acronym}: {meeting.title}", single_line=True)
    return f"Cancelled: {summary}" if meeting.is_cancelled else summary


def meeting_when(meeting) -> str:
    """ "Tue Oct 16, 2018, 10:00-11:00 AM Pacific" (in the meeting's own zone)."""
    start, end = meeting.local_start, meeting.local_end
    span = format_time_range(start, end)
    return f"{start:%a %b} {start.day}, {start.year}, {span} {zone_name(meeting.time_zone)}"


def join_lines(meeting) -> list[str]:
    """How to join by web, in the order an agenda prints it; empty when there is no web link
    or nothing to join (a cancelled meeting)."""
    if not meeting.web_conference_url or meeting.is_cancelled:
        return []
    lines = [f"Join the web conference: {meeting.web_conference_url}"]
    if meeting.meeting_number:
        lines.append(f"Meeting number: {meeting.meeting_number}")
    if meeting.web_access_code:
        lines.append(f"Access code: {meeting.web_access_code}")
    return lines


def dial_in_lines(meeting) -> list[str]:
    if meeting.is_cancelled:
        return []
    return [
        f"{dial_in.label}: {dial_in.number}"
        + (f", access code {dial_in.access_code}" if dial_in.access_code else "")
        for dial_in in meeting.dial_ins
    ]


def meeting_location(meeting) -> str:
    """Where a calendar's "join" button points: the web conference, else the first dial-in;
    nowhere for a cancelled meeting."""
    if meeting.is_cancelled:
        return ""
    if meeting.web_conference_url:
        return meeting.web_conference_url
    dial_ins = dial_in_lines(meeting)
    return clean_text(dial_ins[0], single_line=True) if dial_ins else ""


def change_note_shown(meeting, *, now) -> bool:
    """Whether the event still says why it changed (for TUG_ICAL_CHANGE_NOTE_DAYS)."""
    changed_at = meeting.calendar_changed_at
    window = timedelta(days=settings.TUG_ICAL_CHANGE_NOTE_DAYS)
    return bool(meeting.change_summary and changed_at and now - changed_at <= window)


def change_note(meeting, *, now) -> str:
    """ "Updated Oct 20, 2018: time moved from ... to ..." while the change is recent."""
    if not change_note_shown(meeting, now=now):
        return ""
    changed_at = meeting.calendar_changed_at
    local = changed_at.astimezone(meeting.zone)
    return f"Updated {local:%b} {local.day}, {local.year}: {meeting.change_summary}"


def agenda_lines(meeting) -> list[str]:
    lines = []
    for topic in meeting.topics:
        line = clean_text(topic.title, single_line=True)
        if topic.start_time and topic.end_time:
            line = f"{format_time_range(topic.start_time, topic.end_time)} {line}"
        if names := topic.facilitator_names():
            line += f" ({names})"
        lines.append(f"- {line}")
    return lines


def _recording_line(meeting) -> str:
    if not meeting.recording_is_available():
        return ""
    until = meeting.recording_available_until
    return f"Recording: {meeting.recording_url}" + (
        f" (available until {until:%b} {until.day}, {until.year})" if until else ""
    )


def material_lines(meeting) -> list[str]:
    """ "- Technical document: Settlement spec (see page 11): https://..." for each public
    material (none on events built before materials existed)."""
    lines = []
    for material in getattr(meeting, "materials", ()):
        line = f"- {material.kind}: {clean_text(material.title, single_line=True)}"
        if material.page:
            line += f" (see page {clean_text(material.page, single_line=True)})"
        line += f": {material.url}"
        if until := material.available_until:
            line += f" (available until {until:%b} {until.day}, {until.year})"
        lines.append(line)
    return ["Materials:", *lines] if lines else []


def _contact_line(meeting) -> str:
    contact = meeting.effective_contact
    if contact is None:
        return ""
    email = f", {contact.email}" if contact.email else ""
    return f"Questions and agenda requests: {contact.name}{email}"


def _cancellation_lines(meeting) -> list[str]:
    if not meeting.is_cancelled:
        return []
    reason = clean_text(meeting.cancellation_reason, single_line=True)
    lines = [f"This meeting is cancelled. {reason}".strip()]
    if meeting.replacement_url:
        lines.append(f"It is replaced by: {meeting.replacement_url}")
    return lines


def meeting_description(meeting, *, now) -> str:
    """The event's DESCRIPTION: why it changed (while recent), the agenda with facilitators,
    how to join by web and by phone, the recording, the page and the contact. A cancelled
    meeting keeps why and its replacement but no way to join: nobody should dial into it."""
    agenda = agenda_lines(meeting)
    sections = [
        [change_note(meeting, now=now)],
        _cancellation_lines(meeting),
        ["Agenda:", *agenda] if agenda else [],
        join_lines(meeting),
        dial_in_lines(meeting),
        ["This meeting is recorded."] if meeting.is_recorded and not meeting.is_cancelled else [],
        [_recording_line(meeting)],
        material_lines(meeting),
        [f"Meeting page: {meeting.page_url}", _contact_line(meeting)],
    ]
    blocks = ["\n".join(line for line in section if line) for section in sections]
    return clean_text("\n\n".join(block for block in blocks if block))
