"""Celery tasks: thin wrappers that call one service each. Both are idempotent (a refresh
compares data versions first), so a retry or a duplicate costs little."""

import logging

from celery import shared_task
from django.db import OperationalError

from . import services

logger = logging.getLogger(__name__)

# Transient database trouble (a lock held too long, a dropped connection) is retried a few
# times; anything else is a bug to see in the log, and the sweep catches up meanwhile.
RETRY_COUNTDOWN_S = 15
MAX_RETRIES = 3


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def refresh_feeds(self, program_ids: list[int]):
    """Rebuild the stored feeds that may hold meetings of these programs, if their data moved."""
    try:
        rebuilt = services.feeds_refresh_for_programs(program_ids=program_ids)
    except OperationalError as error:
        raise self.retry(exc=error, countdown=RETRY_COUNTDOWN_S) from error
    if rebuilt:
        logger.info("Feeds rebuilt: %s", ", ".join(rebuilt))


@shared_task(bind=True, ignore_result=True, max_retries=MAX_RETRIES)
def sweep_feeds(self):
    """Beat, every few minutes (settings.CELERY_BEAT_SCHEDULE): catch up lost change events."""
    try:
        services.feeds_sweep()
    except OperationalError as error:
        raise self.retry(exc=error, countdown=RETRY_COUNTDOWN_S) from error
