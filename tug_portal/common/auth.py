"""Staff log in through Django auth; django-axes stops password guessing at the login form.

Failures are counted per client address and per (username, address) pair
(AXES_LOCKOUT_PARAMETERS), never per username alone: a username's lock would be a way for
anyone to keep its owner out, from other addresses, for as long as they liked. A password
guessed from many addresses is made useless by two-factor login (TUG_STAFF_2FA), not by a lock.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come over HTTP.

    Axes refuses to authenticate without a request. A login without one is made by our own code
    (a management command, a test's `client.login`), never by someone guessing over the network,
    so it is simply not throttled.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response, credentials):
    """AXES_LOCKOUT_CALLABLE: the lockout page, in the admin's own frame (its header and
    title), answered 429 like the acceptable use policy's refusals."""
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "is_nav_sidebar_enabled": False,  # nobody is logged in: there is nothing to list
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    # Rendered now: axes swaps it in after the view, past where a TemplateResponse is rendered.
    return render(request, "admin/locked_out.html", context, status=429)
