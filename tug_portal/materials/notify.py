"""“Materials posted” mails: one per meeting and posting batch to each opted-in subscriber.

Planned here as rows (`MaterialsNotice`, a reminders `MailRow`) and sent by the reminders'
dispatcher given `MATERIALS_NOTICES`, the channel below: claimed by one batch, handed to the
SMTP server with a Message-ID derived from the row's key, marked sent the moment the server
accepts it (reminders/dispatcher.py and README.md there). A worker killed between the last two
steps repeats that one mail, with the same Message-ID, after the claim timeout.

A posting batch: the materials of a meeting that became public since its last mail was
planned. Files posted one after another within TUG_MATERIALS_NOTICE_DELAY_SECONDS join the
batch whose mails are all still waiting, so staff uploading five files one by one send one
mail; once a dispatcher has begun a batch, later files start the next one.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from tug_portal.common.mail import Envelope, message_id_domain, smtp_envelope
from tug_portal.common.site import absolute_url
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.timeutil import format_meeting_when
from tug_portal.reminders.dispatcher import Channel
from tug_portal.reminders.mail import one_line, subscriber_links
from tug_portal.reminders.selectors import subscriptions_matching_meeting

from . import selectors
from . import tokens as materials_tokens
from .models import Material, MaterialsNotice
from .selectors import material_link, materials_public

State = MaterialsNotice.State
# Materials posted longer ago than this when first seen (the demo's, a backfill) are marked as
# announced without a mail: a posting mail is news or nothing. For the same reason a mail not
# sent within this long after it was due is skipped, not sent late.
NEWS_WINDOW = timedelta(days=2)


# --- Planning -------------------------------------------------------------------------------


def notices_plan(*, meeting_id: int, now: datetime | None = None) -> int:
    """Put the meeting's newly public materials in a batch and plan its mails; returns the mails
    planned. Idempotent: materials already in a batch are not looked at again."""
    now = now or timezone.now()
    with transaction.atomic():
        # One planner per meeting at a time (the core's sync takes the same lock).
        meeting = Meeting.objects.select_for_update().filter(pk=meeting_id).first()
        if meeting is None:
            return 0
        fresh = materials_public(now=now).filter(meeting=meeting, notice_batch=0)
        fresh_ids = list(fresh.values_list("pk", flat=True))
        if not fresh_ids:
            return 0
        since = now - NEWS_WINDOW
        is_news = fresh.filter(Q(posted_at__gte=since) | Q(replaced_at__gte=since)).exists()
        # A new version leaves its batch (notice_batch back to 0): count the mails' batches too.
        last = max(
            Material.objects.filter(meeting=meeting).aggregate(b=Max("notice_batch"))["b"] or 0,
            MaterialsNotice.objects.filter(meeting=meeting).aggregate(b=Max("batch"))["b"] or 0,
        )
        batch = _waiting_batch(meeting) or last + 1
        # .update(): bookkeeping, not an edit (no history row, no calendar sync).
        Material.objects.filter(pk__in=fresh_ids).update(notice_batch=batch)
        if not is_news:
            return 0
        of_batch = MaterialsNotice.objects.filter(meeting=meeting, batch=batch)
        due = notice_due_at(first=of_batch.aggregate(first=Min("created_at"))["first"], now=now)
        timing = {"due_at": due, "expires_at": due + NEWS_WINDOW, "next_attempt_at": due}
        recipients = subscriptions_matching_meeting(meeting=meeting).filter(
            materials_opt_in__materials_posted=True
        )
        before = of_batch.count()
        MaterialsNotice.objects.bulk_create(
            (
                MaterialsNotice(
                    subscription_id=pk,
                    meeting=meeting,
                    batch=batch,
                    **timing,
                )
                for pk in recipients.values_list("pk", flat=True)
            ),
            ignore_conflicts=True,
        )
        # The batch's mails wait for files posted right after these.
        MaterialsNotice.objects.filter(
            meeting=meeting, batch=batch, state=State.PENDING, attempts=0
        ).update(**timing)
        # (bulk_create with ignore_conflicts returns every row it was given: count instead.)
        return of_batch.count() - before


def notice_due_at(*, first: datetime | None, now: datetime) -> datetime:
    """A batch's mails wait `TUG_MATERIALS_NOTICE_DELAY_SECONDS` after its latest posting for
    more files, but never longer than `TUG_MATERIALS_NOTICE_MAX_WAIT_SECONDS` after its first
    (`first`: when its earliest mail was planned; None for a new batch): a file posted every few
    minutes would otherwise put the mail off for ever."""
    first = first or now
    return min(
        now + timedelta(seconds=settings.TUG_MATERIALS_NOTICE_DELAY_SECONDS),
        first + timedelta(seconds=settings.TUG_MATERIALS_NOTICE_MAX_WAIT_SECONDS),
    )


def _waiting_batch(meeting) -> int | None:
    """The newest batch whose mails all still wait untouched, which new files may join; None
    when a dispatcher has begun it (a row sent, claimed or tried): its subscribers who already
    had the mail would never hear of the newcomers, so they start a batch of their own. The
    batch's rows are locked until commit, so no dispatcher claims one meanwhile (PostgreSQL's
    claim skips locked rows; SQLite's writers take turns)."""
    newest = MaterialsNotice.objects.filter(meeting=meeting).aggregate(batch=Max("batch"))
    if newest["batch"] is None:
        return None
    rows = MaterialsNotice.objects.select_for_update().filter(
        meeting=meeting, batch=newest["batch"]
    )
    untouched = all(
        state == State.PENDING and not attempts and claimed_at is None
        for state, attempts, claimed_at in rows.values_list("state", "attempts", "claimed_at")
    )
    return newest["batch"] if untouched else None


def notices_plan_missed(*, now: datetime | None = None) -> int:
    """The dispatch beat's catch-up: plan for meetings with public materials in no batch yet
    that were posted within the news window, whose planning task was lost (the broker was
    down at commit). Returns the mails planned; idempotent, as `notices_plan` is."""
    now = now or timezone.now()
    meeting_ids = (
        materials_public(now=now)
        .filter(notice_batch=0)
        .filter(Q(posted_at__gte=now - NEWS_WINDOW) | Q(replaced_at__gte=now - NEWS_WINDOW))
        .order_by("meeting_id")
        .values_list("meeting_id", flat=True)
        .distinct()
    )
    return sum(notices_plan(meeting_id=pk, now=now) for pk in list(meeting_ids))


def notice_message_id(notice: MaterialsNotice) -> str:
    """A function of the row's key alone."""
    key = f"materials.{notice.subscription_id}.{notice.meeting.uid}.{notice.batch}"
    return f"<{key}@{message_id_domain()}>"


def notice_message(notice: MaterialsNotice, materials: list[Material]) -> EmailMessage:
    meeting, subscription = notice.meeting, notice.subscription
    links = subscriber_links(subscription)
    stop_url = absolute_url(
        reverse(
            "materials:notices_unsubscribe",
            args=[materials_tokens.unsubscribe_token(subscription.pk)],
        )
    )
    lines = [
        f"New materials for the {meeting.program.acronym} meeting of "
        f"{format_meeting_when(meeting)}:",
        "",
    ]
    for material in materials:
        page = f" (see page {material.page})" if material.page else ""
        title = one_line(material.title)
        if material.is_update:
            lines.append(f"- Updated: {title}, version {material.version}{page}")
        else:
            lines.append(f"- {material.get_kind_display()}: {title}{page}")
        lines.append(f"  {material_link(material)}")
    lines += [
        "",
        f"The meeting's page: {meeting_page(meeting)}",
        "",
        f"You get this because you asked for materials mails about {meeting.program.acronym}.",
        f"Your preferences: {links['preferences_url']}",
        f"Stop these materials mails (your reminders stay): {stop_url}",
    ]
    return EmailMessage(
        subject=one_line(
            f"Materials posted: {meeting.program.acronym} meeting, {format_meeting_when(meeting)}"
        )[:200],
        body="\n".join(lines) + "\n",
        to=[subscription.subscriber.email],
        headers={
            "Message-ID": notice_message_id(notice),
            "List-Unsubscribe": f"<{stop_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def meeting_page(meeting) -> str:
    return absolute_url(meeting.get_absolute_url()) + "#materials"


# --- Sending: the reminders' dispatcher, given this channel ---------------------------------


class NoticeRenderer:
    """A dispatcher batch's mails; each posting batch's materials are read once."""

    def __init__(self):
        self._materials: dict[tuple[int, int], list[Material]] = {}

    def materials(self, notice: MaterialsNotice) -> list[Material]:
        key = (notice.meeting_id, notice.batch)
        if key not in self._materials:
            self._materials[key] = list(
                materials_public().filter(meeting_id=notice.meeting_id, notice_batch=notice.batch)
            )
        return self._materials[key]

    def delivery_message(self, notice: MaterialsNotice) -> EmailMessage:
        return notice_message(notice, self.materials(notice))

    def delivery_envelope(self, notice: MaterialsNotice) -> Envelope:
        return smtp_envelope(self.delivery_message(notice))


def reason_not_to_send(notice: MaterialsNotice, renderer: NoticeRenderer) -> str:
    """Checked just before sending, after the subscriber's own (bouncing, unsubscribed)."""
    opt_in = getattr(notice.subscription, "materials_opt_in", None)
    if opt_in is None or not opt_in.materials_posted:
        return "no longer wants materials mails"
    if not renderer.materials(notice):
        return "its materials are no longer public"
    return ""


MATERIALS_NOTICES = Channel(
    model=MaterialsNotice,
    due=lambda now: selectors.notices_due(now=now),
    claimed=lambda claim: selectors.notices_claimed(claim=claim),
    renderer=NoticeRenderer,
    reason_not_to_send=reason_not_to_send,
)
