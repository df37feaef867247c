# A pytest plugin (-p tests.env_plugin), imported before Django reads its settings: the suite
# runs on the embedded default unless the environment (CI: DATABASE_URL, CELERY_BROKER_URL,
# CACHE_URL) says otherwise.
import os
from pathlib import Path

os.environ.setdefault("TUG_EMBEDDED", "1")

# The session's files (test database, broker folders, cache, mail, screenshots) live in a
# folder of their own, `test/` under the var folder: a `make run` up in the same checkout
# would otherwise eat the tests' tasks from the shared broker folders (and the tests would
# clear its cache). Worker processes the tests start inherit it.
VAR_DIR = Path(os.environ.get("TUG_VAR_DIR") or Path(__file__).resolve().parents[1] / "var")
os.environ["TUG_VAR_DIR"] = str(VAR_DIR / "test")
# The links the tests expect are the default site's, whatever PORT a developer's `make run`
# (which exports it) serves on.
os.environ.pop("PORT", None)
# A refused client asking again at once is answered after a pause of up to a second
# (common/fair_use_gate.py): the suite's flooding scenarios would sleep through it. The tests of
# the pause turn it on, with the sleep counted, not slept.
os.environ["TUG_FAIR_USE_REPEAT_PAUSE_SECONDS"] = "0"
