"""Celery tasks: thin wrappers that call one service each. Both are idempotent (a refresh
compares data versions first), so a retry or a duplicate costs little; the retry idiom is the
portal's one (common/tasks.py)."""

import logging

from tug_portal.common.tasks import portal_task

from . import services

logger = logging.getLogger(__name__)


@portal_task()
def refresh_feeds(
    program_ids: list[int], meeting_ids: list[int] | None = None, system_ids: list[int] = ()
):
    """Rebuild the stored feeds that held or hold these meetings, and those of these systems
    (without `meeting_ids`, a task queued before they were passed: every feed of these programs
    whose data moved)."""
    if meeting_ids is None:
        rebuilt = services.feeds_refresh_for_programs(program_ids=program_ids)
    else:
        rebuilt = services.feeds_refresh_for_meetings(
            meeting_ids=meeting_ids, program_ids=program_ids, system_ids=system_ids
        )
    if rebuilt:
        logger.info("Feeds rebuilt: %s", ", ".join(rebuilt))


@portal_task()
def sweep_feeds():
    """Beat, every few minutes (settings.CELERY_BEAT_SCHEDULE): catch up lost change events."""
    services.feeds_sweep()
