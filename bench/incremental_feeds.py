"""Rows 3c and 3d (issue 17): the whole-archive feed built cold, and the feeds rebuilt after one
meeting edit, now that feeds are assembled from stored events (`calendars.event_store`).

Each round takes, in turns: one meeting edited (untimed: the save and the core's calendar sync
that bumps its SEQUENCE), then the Celery task's work for it timed, with the ids the core's
`meetings_changed` named (`feeds_refresh_for_meetings`: the feeds that held or hold the meeting
are rebuilt from their stored layouts), with each rebuilt feed's bytes assembled as the first
request for it does; every stored event forgotten (untimed), then the whole-archive feed built
cold (every event written) and its bytes assembled; then the bare icalendar serialization of
the same events (row 3's baseline). Row 3c is cold / bare, row 3d is one-edit / cold. Every
default feed is stored first, as the sweep leaves them after a deploy, once the dataset's saves
are more than a minute old (`_archive_saved_a_while_ago`).
"""

import statistics
import time

from .ical_baseline import bare_build, plain_calendar
from .rows import with_profile
from .table import Row, Target
from .timing import elapsed

COLD_TARGET = Target("<=", 1.0)
ONE_EDIT_TARGET = Target("<=", 0.05)


def _edit_one_meeting(round_number: int) -> dict:
    """Rename the TUG meeting nearest today (it is in the recent and the archive feeds);
    returns what the core's `meetings_changed` said (the task's arguments). Outside a
    transaction the core syncs it at once."""
    from django.utils import timezone

    from tug_portal.meetings.models import Meeting
    from tug_portal.meetings.signals import meetings_changed

    said = {"meeting_ids": set(), "program_ids": set()}

    def listen(sender, *, meeting_ids, program_ids, **kwargs):
        said["meeting_ids"] |= set(meeting_ids)
        said["program_ids"] |= set(program_ids)

    meeting = (
        Meeting.objects.published()
        .filter(program__slug="tug", starts_at__gte=timezone.now())
        .order_by("starts_at")
        .first()
    )
    meetings_changed.connect(listen, dispatch_uid="bench.incremental_feeds")
    try:
        meeting.title = f"Technology User Group (edit {round_number})"
        meeting.save()
    finally:
        meetings_changed.disconnect(dispatch_uid="bench.incremental_feeds")
    return said


def _archive_saved_a_while_ago() -> None:
    """Wait, untimed, until the dataset's last save is older than what a one-edit refresh reads
    again (`SAVED_SINCE_MARGIN`, a minute): a real archive was not saved a minute ago, and a
    refresh that finds thousands of meetings just saved checks every feed instead."""
    from django.db.models import Max
    from django.utils import timezone

    from tug_portal.calendars.services import SAVED_SINCE_MARGIN
    from tug_portal.meetings.models import AgendaTopic, Meeting

    saves = [
        Meeting.objects.aggregate(last=Max("updated_at"))["last"],
        AgendaTopic.objects.aggregate(last=Max("updated_at"))["last"],
    ]
    last = max((saved for saved in saves if saved), default=None)
    if last is not None:
        wait = (last + SAVED_SINCE_MARGIN - timezone.now()).total_seconds() + 1
        if wait > 0:
            print(f"(waiting {wait:.0f} s: the archive was saved less than a minute ago)")
            time.sleep(wait)


def _refreshed_bytes(said: dict) -> list[str]:
    """The refresh an edit leads to, and the bytes of each feed it rebuilt, assembled as the
    first request for them does (`feed_bytes.feed_content`; the refresh stores no bytes, and
    the bare baseline makes them): the same work as when a build joined them itself."""
    from tug_portal.calendars.feed_bytes import feed_content
    from tug_portal.calendars.models import StoredFeed
    from tug_portal.calendars.services import feeds_refresh_for_meetings

    keys = feeds_refresh_for_meetings(**said)
    for feed in StoredFeed.objects.filter(key__in=keys):
        feed_content(feed)
    return keys


def measure(*, rounds: int, total_seconds: float) -> dict:
    from tug_portal.calendars import event_store
    from tug_portal.calendars.feed_bytes import feed_content
    from tug_portal.calendars.feed_specs import FeedSpec
    from tug_portal.calendars.services import feed_build, feeds_sweep

    archive = FeedSpec(full_history=True)
    _archive_saved_a_while_ago()
    feeds_sweep()  # every default feed stored
    plain = plain_calendar(feed_content(feed_build(spec=archive)))
    results, rebuilt = [], []
    started = time.perf_counter()
    for round_number in range(rounds):
        if results and time.perf_counter() - started >= total_seconds:
            break
        said = _edit_one_meeting(round_number)
        one_edit = elapsed(lambda: rebuilt.append(_refreshed_bytes(said)))  # noqa: B023
        event_store.forget_all()
        cold = elapsed(lambda: feed_content(feed_build(spec=archive)))
        bare = elapsed(lambda: bare_build(plain))
        results.append((one_edit, cold, bare))
    content = feed_content(feed_build(spec=archive))
    return {
        "one_edit_s": statistics.median(r[0] for r in results),
        "cold_s": statistics.median(r[1] for r in results),
        "bare_s": statistics.median(r[2] for r in results),
        "cold_ratio": statistics.median(r[1] / r[2] for r in results),
        "one_edit_ratio": statistics.median(r[0] / r[1] for r in results),
        "rounds": len(results),
        "feeds_rebuilt": len(rebuilt[-1]) if rebuilt else 0,
        "events": content.count(b"BEGIN:VEVENT"),
        "same_bytes_as_bare": bare_build(plain_calendar(content)) == content,
    }


def _cold_row(key, name, target, result):
    note = f"{result['events']} events; {result['rounds']} rounds."
    if not result["same_bytes_as_bare"]:
        note += " The baseline's bytes differ from the feed's: check ical_baseline.py."
    return Row(
        key=key,
        name=name,
        measured=f"{result['cold_s']:.3f} s",
        baseline=f"bare icalendar {result['bare_s']:.3f} s",
        ratio=result["cold_ratio"],
        target=target,
        note=note,
        figures={k: result[k] for k in ("cold_s", "bare_s", "events", "rounds")},
    )


def _one_edit_row(key, name, target, result):
    return Row(
        key=key,
        name=name,
        measured=f"{result['one_edit_s'] * 1000:.1f} ms",
        baseline=f"cold archive build {result['cold_s']:.3f} s",
        ratio=result["one_edit_ratio"],
        target=target,
        note=(
            f"{result['feeds_rebuilt']} feeds rebuilt (all holding the meeting), patched from "
            "their stored layouts, and their bytes assembled; the others' layouts checked, not "
            "their data versions."
        ),
        figures={
            k: result[k] for k in ("one_edit_s", "cold_s", "events", "feeds_rebuilt", "rounds")
        },
    )


def incremental_feed_rows(settings) -> list[Row]:
    cold_name = "build all.ics, whole archive, cold (every event written)"
    edit_name = "rebuild the feeds holding one edited meeting"
    try:
        result = measure(rounds=settings.rounds, total_seconds=settings.build_seconds)
    except Exception as error:
        import traceback

        traceback.print_exc()
        return [
            Row.failed("3c", cold_name, COLD_TARGET, error),
            Row.failed("3d", edit_name, ONE_EDIT_TARGET, error),
        ]
    return [
        _cold_row("3c", cold_name, COLD_TARGET, result).settle(),
        with_profile(
            _one_edit_row("3d", edit_name, ONE_EDIT_TARGET, result),
            settings,
            _profiled_edits,
            times=PROFILED_EDITS,
        ),
    ]


PROFILED_EDITS = 10
_profiled = iter(range(1000, 10**6))


def _profiled_edits() -> None:
    """One round of row 3d (`--profile`): an edit, then the refresh it leads to. The edit's
    save shows in the profile too; the row times only `_refreshed_bytes`."""
    _refreshed_bytes(_edit_one_meeting(next(_profiled)))
