"""The admin site, with optional two-factor login for staff (TUG_STAFF_2FA).

When it is on, the admin is django-otp's OTPAdminSite: the login form asks for a TOTP token
besides the password, and a session counts as staff only once a device of the user verified a
token (`request.user.is_verified()`, set by django_otp's OTPMiddleware). Staff then need a TOTP
device (admin: "TOTP devices", or `manage.py add_totp_device <username>`). When it is off, the
admin is Django's own. The setting is read on every request, so that it can be switched by the
environment alone, and tested both ways in one process.

Its list of apps and models (every admin page's sidebar) is Django's, its addresses reversed once
per process (`_build_app_dict`, common/admin_urls.py), and the whole list is built once per
permission state (`get_app_list`): asking each of 32 model admins for four permissions through
the lazy `request.user` was 1-3 ms of every admin page, the same answer for the same user.
"""

from django.apps import apps
from django.conf import settings
from django.contrib.admin import AdminSite
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf
from django.utils.text import capfirst
from django.utils.translation import get_language
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from tug_portal.common.admin_search import bounded_search
from tug_portal.common.admin_urls import reverse_once

# Lists kept by permission state (StaffAdminSite.get_app_list), in this process. Bounded:
# cleared whole when it holds more (a few dozen staff, each with a whole list and an app's, in a
# language or two). The site is installed on `admin.site` by changing its class (common.apps),
# so its __init__ never runs: the lists live here, not on it.
KEPT_APP_LISTS = 512
_kept_app_lists: dict[tuple, list] = {}


class StaffAdminSite(OTPAdminSite):
    """Installed on `admin.site` (common.apps), keeping its name and registrations."""

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.TUG_STAFF_2FA else None

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.TUG_STAFF_2FA else None

    def has_permission(self, request):
        if settings.TUG_STAFF_2FA:
            return super().has_permission(request)  # and a verified device
        return AdminSite.has_permission(self, request)

    def admin_view(self, view, cacheable=False):
        """Django's, with every search bounded (common/admin_search.py)."""
        return super().admin_view(bounded_search(view), cacheable)

    def get_app_list(self, request, app_label=None):
        """Django's list, built once per permission state and copied out to each caller.

        What the list holds follows only from what the user may do (every model admin's
        `has_*_permission` here asks the user's permissions, or nothing), the language of its
        names and the addresses' URLconf and prefix, so those are the key. The permissions are
        read as they are now, every time, never kept: a permission granted or taken shows on the
        next page, as it did."""
        key = (
            self.name,
            _permission_state(request.user),
            app_label,
            get_language(),
            get_script_prefix(),
            get_resolver(get_urlconf()),
        )
        kept = _kept_app_lists.get(key)
        if kept is None:
            kept = super().get_app_list(request, app_label)
            if len(_kept_app_lists) >= KEPT_APP_LISTS:
                _kept_app_lists.clear()
            _kept_app_lists[key] = kept
        return _copied(kept)

    def forget_app_lists(self) -> None:
        _kept_app_lists.clear()

    def register(self, *args, **kwargs):
        super().register(*args, **kwargs)
        self.forget_app_lists()

    def unregister(self, *args, **kwargs):
        super().unregister(*args, **kwargs)
        self.forget_app_lists()

    def _build_app_dict(self, request, label=None):
        """Django's own (AdminSite._build_app_dict, Django 5.2), each address reversed once
        per process (common/admin_urls.py) instead of twice per model on every admin page.
        tests/common/test_admin_app_list.py holds it equal to Django's."""
        app_dict = {}
        models = {
            model: model_admin
            for model, model_admin in self._registry.items()
            if not label or model._meta.app_label == label
        }
        for model, model_admin in models.items():
            app_label, model_name = model._meta.app_label, model._meta.model_name
            has_module_perms = model_admin.has_module_permission(request)
            if not has_module_perms:
                continue
            perms = model_admin.get_model_perms(request)
            if True not in perms.values():
                continue
            model_dict = {
                "model": model,
                "name": capfirst(model._meta.verbose_name_plural),
                "object_name": model._meta.object_name,
                "perms": perms,
                "admin_url": None,
                "add_url": None,
            }
            if perms.get("change") or perms.get("view"):
                model_dict["view_only"] = not perms.get("change")
                model_dict["admin_url"] = self._url_or_none(
                    f"admin:{app_label}_{model_name}_changelist"
                )
            if perms.get("add"):
                model_dict["add_url"] = self._url_or_none(f"admin:{app_label}_{model_name}_add")
            if app_label in app_dict:
                app_dict[app_label]["models"].append(model_dict)
            else:
                app_dict[app_label] = {
                    "name": apps.get_app_config(app_label).verbose_name,
                    "app_label": app_label,
                    "app_url": reverse_once(
                        "admin:app_list", kwargs={"app_label": app_label}, current_app=self.name
                    ),
                    "has_module_perms": has_module_perms,
                    "models": [model_dict],
                }
        return app_dict

    def _url_or_none(self, name: str) -> str | None:
        try:
            return reverse_once(name, current_app=self.name)
        except NoReverseMatch:
            return None


def _permission_state(user) -> tuple:
    """Everything Django's permission checks read of a user (not who they are: two editors in
    the same group share a list). An active superuser may do anything, whatever their groups
    say; anyone else may do what `get_all_permissions` lists (read once per request and user,
    as the first permission check would; an inactive or anonymous user's is empty)."""
    if user.is_active and user.is_superuser:
        permissions = None
    else:
        permissions = frozenset(user.get_all_permissions())
    return (user.is_active, user.is_superuser, permissions)


def _copied(app_list: list[dict]) -> list[dict]:
    """A copy of the list, its apps, models and permission flags (the model classes are
    shared): a caller that changes its list changes nobody else's."""
    return [
        {
            **app,
            "models": [{**model, "perms": dict(model["perms"])} for model in app["models"]],
        }
        for app in app_list
    ]
