from tug_portal.celery import app
import os
def test_debug():
    print("\nDEBUG", app.conf.broker_url, os.environ.get("CELERY_BROKER_URL"))
