"""What gunicorn's master imports with --preload (tug_portal/wsgi.py): every worker is a fork of
it, so it must hold nothing a fork cannot share: no database or cache connection, no thread."""

import os

from tests.support.processes import run_python

REPORT = """
import os, sys, threading
from tug_portal import wsgi
from django.db import connections
sockets = [
    fd for fd in os.listdir("/proc/self/fd")
    if os.path.exists(f"/proc/self/fd/{fd}")
    and os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
]
print(len(threading.enumerate()), sum(c.connection is not None for c in connections.all()),
      len(sockets), "tug_portal.web.views" in sys.modules)
"""


def test_preloaded_application_holds_no_connection_or_thread():
    environment = {**os.environ, "TUG_EMBEDDED": "1"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    report = run_python(REPORT, env=environment).stdout.split()

    threads, database_connections, sockets, views_loaded = report
    assert (threads, database_connections, sockets) == ("1", "0", "0")
    assert views_loaded == "True"  # a forked worker has nothing left to load
