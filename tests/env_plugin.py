# A pytest plugin (-p tests.env_plugin), imported before Django reads its settings: the suite
# runs on the embedded default unless the environment (CI: DATABASE_URL, CELERY_BROKER_URL,
# CACHE_URL) says otherwise.
import os

os.environ.setdefault("TUG_EMBEDDED", "1")
