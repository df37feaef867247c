"""WSGI entry point for gunicorn: `gunicorn tug_portal.wsgi`.

Imported once in gunicorn's master with `--preload` (Procfile): the URLs, and with them every
view module, are loaded here too, so that a worker forked from it (at start, or replacing one
recycled by --max-requests) answers its first request without loading anything. Nothing here
opens a database or cache connection or starts a thread: those would be shared by the forks
(tests/common/test_wsgi.py).
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tug_portal.settings")

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - loads the URLconf and the views it names
