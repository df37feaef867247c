"""Staff log in through Django auth; django-axes stops password guessing at the login form."""

from axes.backends import AxesStandaloneBackend


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
