"""The answer to a subscribed calendar's poll, before the rest of the stack.

Nearly every request for a feed is a client asking, every hour or so, whether the copy it holds
is still current (If-None-Match / If-Modified-Since). Answering that takes the feed's
validators, which this process holds in memory for a few seconds after it read or published
them (feed_store.py); it needs no session, user, URL resolver, CSRF check or fair-use budget
(a 304 poll is never refused). This middleware sits early in MIDDLEWARE, after the ones that put
security headers on every answer, and answers such polls there. Anything else (a full download,
validators this process does not hold, a bad query, an old copy) goes on to the view, which
reads the validators from the cache.
"""

import re

from .ics_responses import is_conditional
from .serving import feed_not_modified

# The feed URLs of urls.py: /calendar/all.ics and /calendar/<slug>.ics (Django's slug).
FEED_PATH = re.compile(r"^/calendar/(?P<slug>[-a-zA-Z0-9_]+)\.ics$")


class FeedNotModifiedMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self._not_modified_or_none(request) or self.get_response(request)

    @staticmethod
    def _not_modified_or_none(request):
        if not is_conditional(request):  # (the method is checked with the validators)
            return None
        match = FEED_PATH.match(request.path_info)
        if match is None:
            return None
        return feed_not_modified(request, match["slug"], recent_only=True)
