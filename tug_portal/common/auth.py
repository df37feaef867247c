"""Staff log in through Django auth; django-axes stops password guessing at the login form.

Failures are counted per client address and per (username, address) pair
(AXES_LOCKOUT_PARAMETERS), never per username alone: a username's lock would be a way for
anyone to keep its owner out, from other addresses, for as long as they liked. A password
guessed from many addresses is made useless by two-factor login (TUG_STAFF_2FA), not by a lock.
"""

import hashlib
from functools import cache as once

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction
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


# --- The signed-in user, from the cache -------------------------------------------------------

# How long a user's row is kept at most. Every save or delete of the user forgets it at once
# (and again when that transaction commits); only a write that bypasses the model's signals (a
# queryset `update`, SQL by hand) waits this long to take effect on a signed-in browser.
USER_CACHE_SECONDS = 300


@once
def _user_fields() -> tuple[str, ...]:
    """The user model's columns, read once per process (a model does not change while it runs)."""
    return tuple(field.attname for field in get_user_model()._meta.concrete_fields)


@once
def _user_key_prefix() -> str:
    # The field names are in the key: a row kept before a migration changed the user model is
    # never read back into the new model.
    digest = hashlib.sha256(" ".join(_user_fields()).encode()).hexdigest()[:12]
    return f"auth-user:{digest}"


def _user_cache_key(user_id) -> str:
    return f"{_user_key_prefix()}:{user_id}"


class CachedUserBackend(ModelBackend):
    """Django's ModelBackend, but a signed-in request reads its user's row from the cache: one
    query fewer on every staff page (the session comes from the cache too: `cached_db`). The
    row's values are kept, not the instance: each request gets a fresh user, with no permission
    cache or attribute left by another. The password hash is among the values (Django checks
    the session against it); the cache holds the sessions already, and is as private."""

    def get_user(self, user_id):
        model = get_user_model()
        fields = _user_fields()
        key = _user_cache_key(user_id)
        values = cache.get(key)
        if values is None:
            values = model._default_manager.filter(pk=user_id).values_list(*fields).first()
            if values is None:
                return None
            cache.set(key, values, USER_CACHE_SECONDS)
        user = model.from_db(model._default_manager.db, fields, values)
        return user if self.user_can_authenticate(user) else None


def forget_cached_user(sender, instance, **kwargs):
    """post_save / post_delete of the user model: forget the kept row now, and again when the
    transaction commits (a request of the user's own may read and keep the old row between the
    two)."""
    key = _user_cache_key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
