"""The Celery application. Broker, schedule and routing come from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import beat_init
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tug_portal.settings")

# `filesystem://` (the embedded default's broker) is kombu's transport with its messages written
# atomically: see tug_portal/common/file_broker.py.
TRANSPORT_ALIASES["filesystem"] = "tug_portal.common.file_broker:Transport"

app = Celery("tug_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def heartbeat_as_beat_starts(sender=None, **kwargs):
    """Beat's first scheduled heartbeat comes a whole interval (a minute) after it starts; until
    then /readyz and the admin tell staff that background jobs have never run. So beat queues
    one as it starts, and a worker answers it within seconds."""
    from tug_portal.common.queue import enqueue
    from tug_portal.common.tasks import record_beat_heartbeat

    enqueue(record_beat_heartbeat)
