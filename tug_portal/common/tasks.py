from celery import shared_task

from .services import heartbeat_record


@shared_task(ignore_result=True)
def record_beat_heartbeat():
    heartbeat_record(name="beat")
