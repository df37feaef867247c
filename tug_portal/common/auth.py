"""Staff log in through Django auth; django-axes stops password guessing at the login form."""

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib import admin
from django.db.models import Sum
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


class LoginThrottleHandler(AxesDatabaseHandler):
    """Failures counted per client address and per username (AXES_LOCKOUT_PARAMETERS, in that
    order), each against its own limit.

    axes compares one number with one limit (AXES_FAILURE_LIMIT, the address's). A username's
    failures are scaled onto it: the username pauses after TUG_LOGIN_USERNAME_FAILURE_LIMIT,
    whatever addresses they came from. So a guesser who varies their address (many machines,
    or a proxy network) is stopped too, while locking a colleague out takes more than the few
    tries that pause an address.
    """

    def get_failures(self, request, credentials=None) -> int:
        by_address, by_username = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        address_limit = settings.AXES_FAILURE_LIMIT
        username_limit = settings.TUG_LOGIN_USERNAME_FAILURE_LIMIT
        return max(by_address, by_username * address_limit // username_limit)


def lockout_response(request, original_response, credentials):
    """AXES_LOCKOUT_CALLABLE: the lockout page, in the admin's own frame (its header and
    title), answered 429 like the acceptable use policy's refusals."""
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "is_nav_sidebar_enabled": False,  # nobody is logged in: there is nothing to list
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "username_failure_limit": settings.TUG_LOGIN_USERNAME_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    # Rendered now: axes swaps it in after the view, past where a TemplateResponse is rendered.
    return render(request, "admin/locked_out.html", context, status=429)
