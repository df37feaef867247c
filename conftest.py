# Loaded before Django's settings: the test suite runs on the embedded default unless the
# environment (CI: DATABASE_URL, CELERY_BROKER_URL, CACHE_URL) says otherwise.
import os

os.environ.setdefault("TUG_EMBEDDED", "1")
