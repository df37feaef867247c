"""The one retry idiom of the portal's Celery tasks, and the beat heartbeat.

Every task is idempotent (it compares stored state with the data, or only acts on rows it
claimed), so a retry or a duplicate costs little. Transient database trouble ("database is
locked" on SQLite, a dropped connection on PostgreSQL) is retried a few times with a growing
delay; anything else is a bug to see in the log, and the beat sweeps catch up meanwhile.
"""

import smtplib

from celery import shared_task
from django.db import OperationalError

from .services import heartbeat_record

TRANSIENT_DB_ERRORS = (OperationalError,)
# Sending mail: a connection lost or a 4xx from the server is also worth a few more tries.
TRANSIENT_MAIL_ERRORS = (*TRANSIENT_DB_ERRORS, OSError, smtplib.SMTPException)


def portal_task(*, retry_for=TRANSIENT_DB_ERRORS, max_retries: int = 3, **options):
    """`shared_task` with the portal's retry idiom: retried on `retry_for`, with an exponential
    backoff, at most `max_retries` times; results are never kept."""
    return shared_task(
        autoretry_for=retry_for,
        max_retries=max_retries,
        retry_backoff=True,
        ignore_result=True,
        **options,
    )


@shared_task(ignore_result=True)  # a missed beat is the next minute's
def record_beat_heartbeat():
    heartbeat_record(name="beat")
