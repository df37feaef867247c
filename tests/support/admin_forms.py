"""What the admin's meeting forms post, for tests that save a meeting as staff do."""

# The inline formsets' management fields with no rows: no topic, dial-in or material is posted.
NO_INLINE_ROWS = {
    "topics-TOTAL_FORMS": "0",
    "topics-INITIAL_FORMS": "0",
    "dial_ins-TOTAL_FORMS": "0",
    "dial_ins-INITIAL_FORMS": "0",
    "materials-TOTAL_FORMS": "0",
    "materials-INITIAL_FORMS": "0",
}


def posted(data: dict, changes: dict) -> dict:
    """`data` with `changes` on top; a field changed to "" is left out, as a browser leaves out
    an unticked box."""
    return {key: value for key, value in {**data, **changes}.items() if value != ""}


def meeting_change_form(meeting, **changes) -> dict:
    """The change form's POST data for `meeting` as it stands (its date and times in its own
    zone, its join details), with no topic or dial-in rows, then `changes`."""
    local_start, local_end = meeting.local_start, meeting.local_end
    data = {
        "program": meeting.program_id,
        "title": meeting.title,
        "slug": meeting.slug,
        "status": meeting.status,
        "is_published": "on" if meeting.is_published else "",
        "date": local_start.date().isoformat(),
        "start_time": local_start.strftime("%H:%M"),
        "end_time": local_end.strftime("%H:%M"),
        "time_zone": meeting.time_zone,
        "web_conference_url": meeting.web_conference_url,
        "meeting_number": meeting.meeting_number,
        "web_access_code": meeting.web_access_code,
        "is_recorded": "on",
        **NO_INLINE_ROWS,
    }
    return posted(data, changes)
