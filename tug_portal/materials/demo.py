"""The demo's materials (idempotent, like the core's demo loader it follows): the seed agenda's
technical specification, as the agenda cites it (a link, page 11), and an example recording
link of the seed meeting with its retention date."""

from datetime import datetime, time

from django.db import transaction
from django.utils import timezone

from tug_portal.meetings.demo import SPEC_URL
from tug_portal.meetings.models import AgendaTopic, Meeting

from . import services
from .models import Material

SEED_SLUG = "tug-2018-10-16"
RECORDING_URL = "https://example.org/recordings/tug-2018-10-16.mp3"


@transaction.atomic
def load_demo_materials() -> int:
    """Returns how many demo materials exist afterwards; nothing without the core's demo."""
    seed = Meeting.objects.select_related("program").filter(slug=SEED_SLUG).first()
    if seed is None:
        return 0
    posted_at = timezone.make_aware(
        datetime.combine(seed.local_start.date(), time(11, 30)), seed.zone
    )
    topic = AgendaTopic.objects.filter(meeting=seed, title__startswith="DRRS").first()
    rows = [
        {
            "title": "DRRS Technical Specification document",
            "kind": Material.Kind.TECHNICAL_DOCUMENT,
            "external_url": SPEC_URL,
            "page": "11",
            "topic": topic,
        },
        {
            "title": f"Recording of the {seed.program.acronym} meeting",
            "kind": Material.Kind.RECORDING,
            "external_url": RECORDING_URL,
            "available_until": services.default_available_until(
                meeting=seed, kind=Material.Kind.RECORDING
            ),
        },
    ]
    today = timezone.localdate()
    for row in rows:
        # Published when created (expired at once when its last day has passed, as the beat
        # task would); a later run leaves its state alone.
        past = row.get("available_until") and row["available_until"] < today
        state = {"state": Material.State.EXPIRED, "expired_at": timezone.now()} if past else {}
        Material.objects.update_or_create(
            meeting=seed,
            title=row["title"],
            defaults={**row, "posted_at": posted_at},
            create_defaults={
                **row,
                "posted_at": posted_at,
                "state": Material.State.PUBLISHED,
                **state,
            },
        )
    return Material.objects.filter(meeting=seed).count()
