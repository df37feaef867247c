"""The digest as a channel of the reminders' dispatcher: which rows, which mail, and what is
checked once more just before sending (the subscriber's own checks, bouncing and unsubscribed,
are the dispatcher's)."""

from tug_portal.reminders.dispatcher import Channel

from . import schedule, selectors
from .mail import DigestRenderer
from .models import Digest
from .selectors import MOVED, TURNED_OFF


def reason_not_to_send(digest: Digest, renderer: DigestRenderer) -> str:
    subscription = digest.subscription
    preference = getattr(subscription, "digest_preference", None)
    if preference is None or not preference.enabled:
        return TURNED_OFF
    if not subscription.program.is_active:
        return "program not active"
    moment = schedule.send_moment(
        week=digest.week,
        weekday=preference.weekday,
        hour=preference.hour,
        time_zone=preference.time_zone,
    )
    if moment != digest.due_at:
        return MOVED  # the planner makes it due at the new moment
    if not renderer.sections(digest):
        return selectors.NOTHING_THIS_WEEK
    return ""


DIGESTS = Channel(
    model=Digest,
    due=lambda now: selectors.digests_due(now=now),
    claimed=lambda claim: selectors.digests_claimed(claim=claim),
    renderer=DigestRenderer,
    reason_not_to_send=reason_not_to_send,
)
