# A pytest plugin (-p tests.env_plugin), imported before Django reads its settings: the suite
# runs on the embedded default unless the environment (CI: DATABASE_URL, CELERY_BROKER_URL,
# CACHE_URL) says otherwise.
import os

os.environ.setdefault("TUG_EMBEDDED", "1")
# The links the tests expect are the default site's, whatever PORT a developer's `make run`
# (which exports it) serves on.
os.environ.pop("PORT", None)
