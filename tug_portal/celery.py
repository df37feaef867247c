"""The Celery application. Broker, schedule and routing come from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tug_portal.settings")

app = Celery("tug_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
