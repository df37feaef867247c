"""Celery tasks: thin wrappers that call one service each. Both are idempotent (a refresh
compares data versions first), so a retry or a duplicate costs little; the retry idiom is the
portal's one (common/tasks.py)."""

import logging

from tug_portal.common.tasks import portal_task

from . import services

logger = logging.getLogger(__name__)


@portal_task()
def refresh_feeds(program_ids: list[int]):
    """Rebuild the stored feeds that may hold meetings of these programs, if their data moved."""
    rebuilt = services.feeds_refresh_for_programs(program_ids=program_ids)
    if rebuilt:
        logger.info("Feeds rebuilt: %s", ", ".join(rebuilt))


@portal_task()
def sweep_feeds():
    """Beat, every few minutes (settings.CELERY_BEAT_SCHEDULE): catch up lost change events."""
    services.feeds_sweep()
