"""“Materials posted” mails: one per meeting and posting batch to each opted-in subscriber, sent
exactly as the reminders are (reminders/dispatcher.py and README.md there): a row per mail with
a unique key, claimed by one batch with a committed UPDATE, handed to the SMTP server with a
Message-ID derived from the key, and marked sent by a committed UPDATE the moment the server
accepts it. A worker killed between the last two steps repeats that one mail, with the same
Message-ID, after the claim timeout; never a batch, never a different mail.

A posting batch: the materials of a meeting that became public since its last mail was
planned. Files posted one after another within TUG_MATERIALS_NOTICE_DELAY_SECONDS join the
batch whose mails are still waiting, so staff uploading five files one by one send one mail.
"""

import logging
import os
import smtplib
import socket
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from tug_portal.meetings.models import Meeting
from tug_portal.meetings.timeutil import format_meeting_when
from tug_portal.reminders.mail import message_id_domain, one_line, subscriber_links
from tug_portal.reminders.selectors import subscriptions_matching_meeting
from tug_portal.reminders.services import subscriber_mark_bouncing
from tug_portal.reminders.smtp_errors import SmtpFailure, classify

from .models import Material, MaterialsNotice
from .selectors import material_link, materials_public

logger = logging.getLogger(__name__)

State = MaterialsNotice.State
# Materials posted longer ago than this when first seen (the demo's, a backfill) are marked as
# announced without a mail: a posting mail is news or nothing.
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
        is_news = fresh.filter(posted_at__gte=now - NEWS_WINDOW).exists()
        waiting = MaterialsNotice.objects.filter(
            meeting=meeting, state=State.PENDING, attempts=0
        ).aggregate(batch=Max("batch"))["batch"]
        last = Material.objects.filter(meeting=meeting).aggregate(batch=Max("notice_batch"))
        batch = waiting or (last["batch"] or 0) + 1
        # .update(): bookkeeping, not an edit (no history row, no calendar sync).
        Material.objects.filter(pk__in=fresh_ids).update(notice_batch=batch)
        if not is_news:
            return 0
        due = now + timedelta(seconds=settings.TUG_MATERIALS_NOTICE_DELAY_SECONDS)
        recipients = subscriptions_matching_meeting(meeting=meeting).filter(
            materials_opt_in__materials_posted=True
        )
        of_batch = MaterialsNotice.objects.filter(meeting=meeting, batch=batch)
        before = of_batch.count()
        MaterialsNotice.objects.bulk_create(
            (
                MaterialsNotice(
                    subscription_id=pk,
                    meeting=meeting,
                    batch=batch,
                    due_at=due,
                    next_attempt_at=due,
                )
                for pk in recipients.values_list("pk", flat=True)
            ),
            ignore_conflicts=True,
        )
        # The batch's mails wait for files posted right after these.
        MaterialsNotice.objects.filter(
            meeting=meeting, batch=batch, state=State.PENDING, attempts=0
        ).update(due_at=due, next_attempt_at=due)
        # (bulk_create with ignore_conflicts returns every row it was given: count instead.)
        return of_batch.count() - before


# --- Sending --------------------------------------------------------------------------------

MARK_SENT = (
    f"UPDATE {MaterialsNotice._meta.db_table} "  # noqa: S608 - the model's own table name
    "SET state = %s, sent_at = %s, note = '', next_attempt_at = NULL, attempts = attempts + 1 "
    "WHERE id = %s AND claimed_by = %s AND state = %s"
)


def notices_due(*, now: datetime):
    return MaterialsNotice.objects.filter(
        state__in=MaterialsNotice.WAITING, next_attempt_at__lte=now
    ).order_by("next_attempt_at", "pk")


def notices_release_stale_claims(*, now: datetime | None = None) -> int:
    """Take back rows claimed by a worker that died: sent again, with the same Message-ID."""
    now = now or timezone.now()
    stale = MaterialsNotice.objects.filter(
        state=State.CLAIMED,
        claimed_at__lt=now - timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS),
    )
    note = "claim timed out (its worker stopped); taken back"
    given_up = stale.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS - 1).update(
        state=State.FAILED, next_attempt_at=None, attempts=F("attempts") + 1, note=note
    )
    released = stale.update(
        state=State.PENDING, next_attempt_at=now, attempts=F("attempts") + 1, note=note
    )
    return given_up + released


@transaction.atomic
def _claim(*, claim: str, limit: int, now: datetime) -> int:
    due = notices_due(now=now)
    if db_connection.features.has_select_for_update_skip_locked:
        ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        rows = MaterialsNotice.objects.filter(pk__in=ids)
    else:
        rows = MaterialsNotice.objects.filter(
            pk__in=due.values("pk")[:limit], state__in=MaterialsNotice.WAITING
        )
    return rows.update(state=State.CLAIMED, claimed_by=claim, claimed_at=now)


def notice_message_id(notice: MaterialsNotice) -> str:
    """A function of the row's key alone."""
    key = f"materials.{notice.subscription_id}.{notice.meeting.uid}.{notice.batch}"
    return f"<{key}@{message_id_domain()}>"


def notice_message(notice: MaterialsNotice, materials: list[Material]) -> EmailMessage:
    meeting, subscription = notice.meeting, notice.subscription
    links = subscriber_links(subscription)
    lines = [
        f"New materials for the {meeting.program.acronym} meeting of "
        f"{format_meeting_when(meeting)}:",
        "",
    ]
    for material in materials:
        page = f" (see page {material.page})" if material.page else ""
        lines.append(f"- {material.get_kind_display()}: {one_line(material.title)}{page}")
        lines.append(f"  {material_link(material)}")
    lines += [
        "",
        f"The meeting's page: {meeting_page(meeting)}",
        "",
        f"You get this because you asked for materials mails about {meeting.program.acronym}.",
        f"Your preferences: {links['preferences_url']}",
        f"Unsubscribe: {links['unsubscribe_url']}",
    ]
    return EmailMessage(
        subject=one_line(
            f"Materials posted: {meeting.program.acronym} meeting, {format_meeting_when(meeting)}"
        )[:200],
        body="\n".join(lines) + "\n",
        to=[subscription.subscriber.email],
        headers={
            "Message-ID": notice_message_id(notice),
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def meeting_page(meeting) -> str:
    from tug_portal.common.site import absolute_url

    return absolute_url(meeting.get_absolute_url()) + "#materials"


def notices_send_batch(*, limit: int | None = None) -> int:
    """Claim due mails and send them over one SMTP connection; returns how many were sent."""
    now = timezone.now()
    claim = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    if not _claim(claim=claim, limit=limit or settings.REMINDER_BATCH_SIZE, now=now):
        return 0
    notices = list(
        MaterialsNotice.objects.filter(claimed_by=claim, state=State.CLAIMED)
        .select_related("subscription__subscriber", "subscription__program", "meeting__program")
        .order_by("next_attempt_at", "pk")
    )
    by_batch: dict[tuple[int, int], list[Material]] = {}
    for material in materials_public().filter(
        meeting_id__in={n.meeting_id for n in notices},
        notice_batch__in={n.batch for n in notices},
    ):
        by_batch.setdefault((material.meeting_id, material.notice_batch), []).append(material)
    ours = MaterialsNotice.objects.filter(claimed_by=claim, state=State.CLAIMED)
    sent = 0
    connection = get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as error:
        for notice in notices:
            _fail(ours, notice, classify(error))
        return 0
    try:
        for index, notice in enumerate(notices):
            materials = by_batch.get((notice.meeting_id, notice.batch), [])
            if reason := _reason_not_to_send(notice, materials):
                ours.filter(pk=notice.pk).update(
                    state=State.SKIPPED, note=reason, next_attempt_at=None
                )
                continue
            try:
                connection.send_messages([notice_message(notice, materials)])
            except (smtplib.SMTPException, OSError) as error:
                failure = classify(error)
                if failure.bounces:
                    _bounce(ours, notice, failure)
                    continue
                _fail(ours, notice, failure)
                if failure.stops_batch:
                    for rest in notices[index + 1 :]:
                        _fail(ours, rest, failure)
                    break
                continue
            # Accepted by the server: record it at once, so at most this one mail can repeat.
            with db_connection.cursor() as cursor:
                cursor.execute(
                    MARK_SENT,
                    [State.SENT.value, _db_now(), notice.pk, claim, State.CLAIMED.value],
                )
            sent += 1
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            logger.info("SMTP connection did not close cleanly", exc_info=True)
    return sent


def _db_now():
    return db_connection.ops.adapt_datetimefield_value(timezone.now())


def _reason_not_to_send(notice: MaterialsNotice, materials: list[Material]) -> str:
    subscription = notice.subscription
    if subscription.subscriber.is_bouncing:
        return "address bouncing"
    if not subscription.is_confirmed:
        return "unsubscribed"
    opt_in = getattr(subscription, "materials_opt_in", None)
    if opt_in is None or not opt_in.materials_posted:
        return "no longer wants materials mails"
    if not materials:
        return "its materials are no longer public"
    return ""


def _bounce(ours, notice: MaterialsNotice, failure: SmtpFailure) -> None:
    ours.filter(pk=notice.pk).update(
        state=State.FAILED, next_attempt_at=None, note=f"bounced: {failure.text}"[:500]
    )
    subscriber_mark_bouncing(subscriber_id=notice.subscription.subscriber_id, reason=failure.text)


def _fail(ours, notice: MaterialsNotice, failure: SmtpFailure) -> None:
    attempts = notice.attempts + 1
    if attempts >= settings.REMINDER_MAX_ATTEMPTS:
        retry_at, note = None, f"gave up after {attempts} attempts: {failure.text}"
    else:
        backoff = settings.REMINDER_RETRY_BACKOFF_SECONDS * 2 ** (attempts - 1)
        retry_at, note = timezone.now() + timedelta(seconds=backoff), failure.text
    ours.filter(pk=notice.pk).update(
        state=State.FAILED, next_attempt_at=retry_at, note=note[:500], attempts=F("attempts") + 1
    )
