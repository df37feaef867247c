"""What a calendar shows of a meeting, as plain data, and what changed between two versions.

The snapshot is what SEQUENCE tracks: when it differs from the stored one, calendars must be
told (SEQUENCE + 1, LAST-MODIFIED now) and the change is summarised for subscribers.
"""

import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime

from .timeutil import format_clock, zone_abbreviation

# More of a meeting that its calendar event shows, held by apps that consume the core (the
# materials): each registers, in its apps.ready, a reader {meeting id: JSON-able value} for a
# list of meeting ids. The core calls them without knowing them, so a change there bumps
# SEQUENCE and sends `meetings_changed` like any other edit.
SnapshotPart = Callable[[list[int]], dict[int, object]]
_snapshot_parts: dict[str, SnapshotPart] = {}


def snapshot_part_register(name: str, reader: SnapshotPart) -> None:
    _snapshot_parts[name] = reader


def snapshot_parts(meeting_ids: Iterable[int]) -> dict[int, dict]:
    """{meeting id: {part name: value}}, one call per registered part (not per meeting)."""
    ids = list(meeting_ids)
    parts: dict[int, dict] = {}
    for name, reader in _snapshot_parts.items():
        for meeting_id, value in reader(ids).items():
            parts.setdefault(meeting_id, {})[name] = value
    return parts


def meeting_snapshot(meeting, parts: dict | None = None) -> dict:
    """Expects topics (with facilitators and systems) and dial-ins prefetched, as the selectors
    `meetings_with_calendar_facts` provide. `parts`: the meeting's registered parts (only
    non-empty ones, so that the snapshots stored before a part existed stay equal)."""
    contact = meeting.effective_contact
    return (
        {
            "title": meeting.title,
            "program": [meeting.program.acronym, meeting.program.name],
            "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(),
            "time_zone": meeting.time_zone,
            "status": meeting.status,
            "published": meeting.is_published,
            "join": [meeting.web_conference_url, meeting.meeting_number, meeting.web_access_code],
            "dial_ins": [[d.label, d.number, d.access_code] for d in meeting.dial_ins.all()],
            "topics": [
                [t.title, [p.name for p in t.facilitators.all()], [s.code for s in t.systems.all()]]
                for t in meeting.topics.all()
            ],
            "contact": [contact.name, contact.email] if contact else None,
        }
        | _cancellation(meeting)
        | {name: value for name, value in (parts or {}).items() if value}
    )


def _cancellation(meeting) -> dict:
    # Only when there is one: the snapshots stored before these fields existed stay equal.
    if not (meeting.cancellation_reason or meeting.replacement_id):
        return {}
    replacement = meeting.replacement.slug if meeting.replacement_id else ""
    return {"cancellation": [meeting.cancellation_reason, replacement]}


def _describe_moment(iso: str, tz_name: str) -> str:
    """ "Mon Mar 2 7:35 PM PT": the zone named, since the reader may live in another one."""
    local = datetime.fromisoformat(iso).astimezone(zoneinfo.ZoneInfo(tz_name))
    return f"{local:%a %b} {local.day} {format_clock(local)} {zone_abbreviation(tz_name)}"


# How a summary says a cancellation was withdrawn (the update notice's subject reads it).
NO_LONGER_CANCELLED = "no longer cancelled"


def describe_changes(old: dict, new: dict, tz) -> str:
    """One line a subscriber reads first: "time moved from ... to ...; topic added: ..."."""
    parts = []
    if old.get("status") != new["status"]:
        back_on = old.get("status") == "cancelled"
        parts.append(
            f"{NO_LONGER_CANCELLED} (now {new['status']})" if back_on else f"now {new['status']}"
        )
    if old.get("starts_at") != new["starts_at"] or old.get("ends_at") != new["ends_at"]:
        # Each moment in the zone the meeting had then (a move may change the zone too).
        before = _describe_moment(old["starts_at"], old.get("time_zone") or tz.key)
        after = _describe_moment(new["starts_at"], new["time_zone"])
        parts.append(f"time moved from {before} to {after}")
    old_titles = [topic[0] for topic in old.get("topics", [])]
    new_titles = [topic[0] for topic in new["topics"]]
    added = [title for title in new_titles if title not in old_titles]
    removed = [title for title in old_titles if title not in new_titles]
    if added:
        parts.append("topic added: " + ", ".join(added))
    if removed:
        parts.append("topic removed: " + ", ".join(removed))
    if not added and not removed and old.get("topics") != new["topics"]:
        parts.append("agenda updated")
    if old.get("join") != new["join"] or old.get("dial_ins") != new["dial_ins"]:
        parts.append("join details changed")
    if old.get("title") != new["title"] and old.get("title"):
        # The reader knows the meeting by its old name.
        parts.append(f"title changed from “{old['title']}” to “{new['title']}”")
    elif old.get("title") != new["title"] or old.get("program") != new["program"]:
        parts.append("title changed")
    if old.get("contact") != new["contact"]:
        parts.append("contact changed")
    return "; ".join(parts)
