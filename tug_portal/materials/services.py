"""Writes. Each is one transaction. A change to what the public sees of a meeting's materials
reaches its calendar state through the core (`receivers.py` notes the meeting on every save;
the core recomputes its snapshot, of which the public materials are a part, on commit), so
feeds, cached pages and mails follow as for any other edit."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tug_portal.meetings import changes
from tug_portal.meetings.models import Program

from . import storage
from .models import Material, MaterialPolicy, MaterialsOptIn
from .selectors import policy_defaults
from .uploads import upload_check

logger = logging.getLogger(__name__)

State = Material.State

# How far back `materials_expire` looks for "public from" times that passed: far more than its
# 10 minutes, so runs missed while beat was down are caught up (noting a meeting twice is safe).
PUBLIC_FROM_LOOKBACK = timedelta(days=1)


def material_policy_ensure(*, program: Program) -> MaterialPolicy:
    policy, _created = MaterialPolicy.objects.get_or_create(
        program=program, defaults=policy_defaults()
    )
    return policy


def default_available_until(*, meeting, kind: str):
    """Recordings: the meeting's local day plus the program's retention. Others: no end.
    (That day then ends at midnight in the portal's zone: selectors.public_materials_filter.)"""
    if kind != Material.Kind.RECORDING:
        return None
    policy = material_policy_ensure(program=meeting.program)
    return meeting.local_start.date() + policy.recording_retention


def material_file_attach(*, material: Material, upload) -> Material:
    """Check `upload` (MaterialRefused says why, and nothing is stored), store it under a new
    random key and point the material at it. A replaced file is not deleted: the history row of
    the previous version still names it. The caller saves the material."""
    checked = upload_check(upload, kind=material.kind)
    key = storage.new_key(
        meeting_uid=material.meeting.uid, file_name=checked.name, today=timezone.localdate()
    )
    stored = storage.file_store(key=key, upload=upload)
    if material.file_key:
        # A new version is a posting of its own: the "materials posted" planner takes it again
        # (notify.notices_plan), once, into the meeting's next (or waiting) batch.
        material.version += 1
        material.replaced_at = timezone.now()
        material.notice_batch = 0
    material.file_key = stored
    material.file_name = checked.name
    material.content_type = checked.file_type.mime
    material.size = checked.size
    return material


def material_prepare(*, material: Material, user=None, now: datetime | None = None) -> Material:
    """Fill in what staff need not type: a recording's last day, and who posted it and when
    once it is published (kept from the first publication)."""
    now = now or timezone.now()
    if material.available_until is None and not material.pk:
        material.available_until = default_available_until(
            meeting=material.meeting, kind=material.kind
        )
    if material.state == State.PUBLISHED and material.posted_at is None:
        material.posted_at = now
        if user is not None and user.is_authenticated:
            material.posted_by = user
    if material.state == State.PUBLISHED:
        material.expired_at = None
    return material


@transaction.atomic
def material_create(
    *,
    meeting,
    title: str,
    kind: str = Material.Kind.PRESENTATION,
    upload=None,
    external_url: str = "",
    topic=None,
    page: str = "",
    publish: bool = False,
    public_from=None,
    available_until=None,
    user=None,
) -> Material:
    """A material from a file (checked: MaterialRefused stores nothing) or a link."""
    if bool(upload) == bool(external_url):
        raise ValueError("A material is a file or a link, one of the two.")
    material = Material(
        meeting=meeting,
        topic=topic,
        kind=kind,
        title=title,
        external_url=external_url,
        page=page,
        state=State.PUBLISHED if publish else State.DRAFT,
        public_from=public_from,
        available_until=available_until,
    )
    if upload:
        material_file_attach(material=material, upload=upload)
    material_prepare(material=material, user=user)
    material.save()
    return material


@transaction.atomic
def material_replace_file(*, material: Material, upload) -> Material:
    """A new version of the material's file (checked: MaterialRefused stores nothing)."""
    material_file_attach(material=material, upload=upload)
    material.external_url = ""
    material.save()
    return material


@transaction.atomic
def material_publish(*, material: Material, user=None) -> bool:
    locked = Material.objects.order_by().select_for_update().get(pk=material.pk)
    if locked.state == State.PUBLISHED:
        return False
    locked.state = State.PUBLISHED
    material_prepare(material=locked, user=user)
    locked.save()
    material.state, material.posted_at = locked.state, locked.posted_at
    return True


def materials_expire(*, now: datetime | None = None) -> dict[str, int]:
    """Beat: unpublish every material past its last day (the page then says until when it was
    available), tell the core of meetings whose materials' "public from" passed, and delete
    the stored files of those expired longer than their program's grace period when the
    program says so. Idempotent: a second run finds nothing to do."""
    now = now or timezone.now()
    noted = _note_public_from_passed(now=now)
    today = timezone.localdate(now)
    expired = 0
    for pk in Material.objects.filter(state=State.PUBLISHED, available_until__lt=today).values_list(
        "pk", flat=True
    ):
        expired += _expire_one(pk, now=now, today=today)
    deleted = 0
    due = Material.objects.filter(
        state=State.EXPIRED,
        file_deleted_at__isnull=True,
        meeting__program__material_policy__delete_expired_files=True,
    ).exclude(file_key="")
    for material in due.select_related("meeting__program__material_policy"):
        grace = material.meeting.program.material_policy.deletion_grace
        if material.expired_at and material.expired_at + grace <= now:
            deleted += _delete_file(material.pk, now=now)
    return {"expired": expired, "files_deleted": deleted, "public_from_passed": noted}


def _note_public_from_passed(*, now) -> int:
    """A "public from" passing changes no row, so no save notes the meeting, and the feeds'
    sweep re-syncs only the last 31 days' meetings: an older meeting's calendars would never
    show the material. Noted here, the core re-syncs them on commit (SEQUENCE, stored event,
    `meetings_changed`: feeds, pages, the "materials posted" mail); one already in step is
    compared and left alone. Returns the meetings noted."""
    meeting_ids = set(
        Material.objects.filter(
            state=State.PUBLISHED,
            public_from__gt=now - PUBLIC_FROM_LOOKBACK,
            public_from__lte=now,
        ).values_list("meeting_id", flat=True)
    )
    if meeting_ids:
        with transaction.atomic():
            changes.note(meeting_ids=meeting_ids)
    return len(meeting_ids)


@transaction.atomic
def _expire_one(pk: int, *, now, today) -> int:
    material = Material.objects.order_by().select_for_update().filter(pk=pk).first()
    if not material or material.state != State.PUBLISHED or not material.available_until:
        return 0
    if material.available_until >= today:
        return 0
    material.state, material.expired_at = State.EXPIRED, now
    material._change_reason = "expired: past its available-until date"
    material.save()
    return 1


def _delete_file(pk: int, *, now) -> int:
    with transaction.atomic():
        material = Material.objects.order_by().select_for_update().filter(pk=pk).first()
        if not material or material.file_deleted_at:
            return 0
        key = material.file_key
        material.file_deleted_at = now
        material._change_reason = "stored file deleted after the grace period"
        material.save()
    # After the commit: a failed delete leaves an object to retry, never a row without its file.
    storage.file_delete(key=key)
    logger.info("Deleted the stored file of expired material %s (%s).", pk, key)
    return 1


@transaction.atomic
def materials_unsubscribe(*, subscription_id: int) -> None:
    """The one-click link of a "materials posted" mail: those mails stop, nothing else."""
    MaterialsOptIn.objects.update_or_create(
        subscription_id=subscription_id, defaults={"materials_posted": False}
    )


@transaction.atomic
def materials_opt_ins_set(*, subscriptions, wanted: set[int]) -> None:
    """Each subscription wants "materials posted" mails or not, as ticked: all or none."""
    for subscription in subscriptions:
        MaterialsOptIn.objects.update_or_create(
            subscription=subscription,
            defaults={"materials_posted": subscription.pk in wanted},
        )
