"""Row 9: the weekly digest to every subscriber of TUG, planned by the digest's planner and sent
by the reminders' dispatcher (the digest's channel) to a local SMTP server (the suite's aiosmtpd
sink, in a thread of this process), against a bare `smtplib` loop that sends the very same
messages (as the server received them) over one connection.

Every TUG subscription gets the digest on Monday at 08:00 Pacific; the planner plans next
Monday's digests as it will at that moment, and they are made due now (the content is the
dataset's week before that Monday and the 14 days after it). The portal's figure is planning
plus sending: the rows are planned (timed), then sent in parts, one per round, each part by the
dispatcher (batch after batch until none is due, as one worker process does) and then by the
bare loop. The ratio is the bare loop's
total time over the portal's (planning included).
"""

from datetime import timedelta

from django.utils import timezone

from .fanout import make_due, send_in_parts, send_sent_again
from .rows import FANOUT_TARGET, Settings, budget_note, guarded, module_exists, with_profile
from .table import Row
from .timing import elapsed

NAME = "weekly digest to SMTP"
ROW = "9"  # its key in the table and in --rows


def _next_monday_eight():
    from tug_portal.digest import schedule

    return schedule.next_moment(
        now=timezone.now(), weekday=0, hour=8, time_zone="America/Los_Angeles"
    )


def opt_in_everyone() -> int:
    """Every confirmed TUG subscription takes the digest, Monday 08:00 Pacific (not timed)."""
    from tug_portal.digest.models import DigestPreference
    from tug_portal.reminders.models import Subscription

    subscriptions = Subscription.objects.filter(
        program__slug="tug", status=Subscription.Status.CONFIRMED
    ).values_list("pk", flat=True)
    DigestPreference.objects.bulk_create(
        (
            DigestPreference(
                subscription_id=pk,
                enabled=True,
                weekday=0,
                hour=8,
                time_zone="America/Los_Angeles",
            )
            for pk in subscriptions.iterator()
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    return DigestPreference.objects.filter(enabled=True).count()


def _send_digests() -> dict:
    """How the digests are made due and sent (`fanout.one_round`'s arguments)."""
    from tug_portal.digest.channel import DIGESTS

    return {"due": make_due, "channel": DIGESTS}


def measure_digests(*, rounds: int, budget_seconds: float) -> dict:
    from tug_portal.digest import planner
    from tug_portal.digest.models import Digest

    subscribers = opt_in_everyone()
    moment = _next_monday_eight()
    planning = elapsed(lambda: planner.digests_plan(now=moment + timedelta(minutes=1)))
    ids, results = send_in_parts(
        Digest.objects.filter(due_at=moment),
        rounds=rounds,
        budget_seconds=budget_seconds,
        **_send_digests(),
    )
    mails = sum(n for n, _, _ in results)
    portal = sum(p for _, p, _ in results)
    bare = sum(b for _, _, b in results)
    # Planning is charged in proportion to the digests sent (all of it when all were sent).
    planning_share = planning * mails / max(len(ids), 1)
    return {
        "subscribers": subscribers,
        "planned": len(ids),
        "mails": mails,
        "rounds": len(results),
        "planning_s": planning,
        "sending_s": portal,
        "bare_s": bare,
        "portal_per_s": mails / (planning_share + portal),
        "bare_per_s": mails / bare,
        "ratio": bare / (planning_share + portal),
        "send_only_ratio": bare / portal,
    }


def send_again(count: int) -> None:
    """Send `count` of the digests once more (the row's profile)."""
    from tug_portal.digest.models import Digest

    send_sent_again(Digest.objects.all(), count, **_send_digests())


@guarded
def digest_row(key, name, target, settings: Settings):
    result = measure_digests(rounds=settings.rounds, budget_seconds=settings.fanout_seconds)
    note = (
        f"{result['planned']:,} digests; planning {result['planning_s']:.1f} s and sending "
        f"{result['sending_s']:.1f} s (both in the figure; sending alone: ratio "
        f"{result['send_only_ratio']:.2f})."
    )
    row = Row(
        key=key,
        name=f"weekly digest, {result['planned']:,} subscribers planned and sent, SMTP",
        measured=f"{result['portal_per_s']:.0f} digests/s",
        baseline=f"bare smtplib {result['bare_per_s']:.0f} mails/s",
        ratio=result["ratio"],
        target=target,
        note=note + budget_note(result, settings),
        figures=result,
    )
    return with_profile(row, settings, lambda: send_again(300), times=1)


def digest_rows(settings: Settings, subscribers_ready: bool) -> list[Row]:
    if not (subscribers_ready and module_exists("tug_portal.digest.planner")):
        why = "no digest app or subscriber tables yet"
        return [Row.not_available(ROW, NAME, FANOUT_TARGET, why)]
    return [digest_row(ROW, NAME, FANOUT_TARGET, settings)]
