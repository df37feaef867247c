"""Logging filters for lines a flood would repeat once per request (settings.LOGGING)."""

import logging
import threading
import time


class OncePerInterval(logging.Filter):
    """Lets one record through every `seconds` (per process, per logger it is attached to),
    without its traceback, saying how many were held back since the last one. For lines an
    attacker can make the portal write at will: a wrong Host header (Django's DisallowedHost,
    an ERROR and a 14-line traceback each: 6 MB of log in 10 s), a busy 503."""

    def __init__(self, seconds: float = 10):
        super().__init__()
        self.seconds = float(seconds)
        self.lock = threading.Lock()
        self.held = 0
        self.passed_at: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        with self.lock:
            now = time.time()
            if self.passed_at is not None and now - self.passed_at < self.seconds:
                self.held += 1
                return False
            held, self.held, self.passed_at = self.held, 0, now
        record.exc_info = record.exc_text = record.stack_info = None
        if held:
            record.msg = f"{record.msg} (and {held} more like it, not logged)"
        return True


# The longest text of a request (its path, mostly) a client error's line repeats.
LONGEST_LOGGED_TEXT = 200


class NoClientErrorTracebacks(logging.Filter):
    """Django logs every refused request (403, 400, 404, 405) with the exception's traceback
    and the whole path: 45 lines for a 403, which a signed-in user repeating a refused page
    writes at will, and 120 KB for a 404 of a 60,000-letter path. A client error is the
    request's fault, so its line stays, its path cut to 200 characters, and its traceback
    goes; a server error (5xx) keeps both."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = record.exc_text = record.stack_info = None
            if isinstance(record.args, tuple):
                record.args = tuple(_cut(arg) for arg in record.args)
        return True


class _CutText(str):
    """A text already cut (a logger's filters may be set up twice: it is cut once)."""


def _cut(value):
    too_long = isinstance(value, str) and len(value) > LONGEST_LOGGED_TEXT
    if too_long and not isinstance(value, _CutText):
        return _CutText(f"{value[:LONGEST_LOGGED_TEXT]}… ({len(value)} characters)")
    return value
