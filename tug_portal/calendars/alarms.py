"""Alarms a subscriber asks for in the feed URL (?alarm=1440,30): parsed from the query, then
spliced as VALARM blocks into the stored bytes, so that a request with alarms builds nothing."""

from .feed_specs import BadFeedRequest

ALARM_MINUTES_MAX = 4 * 7 * 24 * 60  # four weeks
ALARMS_MAX = 4


def parse_alarms(value: str | None) -> tuple[int, ...]:
    """ "30" or "1440,30" → minutes before the start, largest first."""
    if not value:
        return ()
    try:
        minutes = {int(part) for part in value.split(",") if part.strip()}
    except ValueError:
        minutes = {-1}
    if (
        not minutes
        or len(minutes) > ALARMS_MAX
        or not all(0 <= m <= ALARM_MINUTES_MAX for m in minutes)
    ):
        raise BadFeedRequest(
            f"alarm takes up to {ALARMS_MAX} numbers of minutes before the meeting, "
            f"from 0 to {ALARM_MINUTES_MAX}, e.g. ?alarm=30 or ?alarm=1440,15."
        )
    return tuple(sorted(minutes, reverse=True))


def _valarm(minutes: int) -> bytes:
    trigger = f"-PT{minutes}M" if minutes else "PT0S"
    when = f"in {minutes} minutes" if minutes else "now"
    return (
        f"BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Meeting starts {when}\r\n"
        f"TRIGGER:{trigger}\r\nEND:VALARM\r\n"
    ).encode()


def with_alarms(content: bytes, alarms: tuple[int, ...]) -> bytes:
    """Insert a VALARM per value before the end of every event that is not cancelled. A byte
    splice on serialized output: the request builds nothing. (Folded lines start with a space
    and text escapes line breaks, so "END:VEVENT" and "STATUS:CANCELLED" only match as lines.)"""
    if not alarms:
        return content
    block = b"".join(_valarm(minutes) for minutes in alarms)
    *events, tail = content.split(b"END:VEVENT\r\n")
    return (
        b"".join(
            event + (b"" if b"\r\nSTATUS:CANCELLED\r\n" in event else block) + b"END:VEVENT\r\n"
            for event in events
        )
        + tail
    )
