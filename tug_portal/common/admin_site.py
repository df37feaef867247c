"""The admin site, with optional two-factor login for staff (TUG_STAFF_2FA).

When it is on, the admin is django-otp's OTPAdminSite: the login form asks for a TOTP token
besides the password, and a session counts as staff only once a device of the user verified a
token (`request.user.is_verified()`, set by django_otp's OTPMiddleware). Staff then need a TOTP
device (admin: "TOTP devices", or `manage.py add_totp_device <username>`). When it is off, the
admin is Django's own. The setting is read on every request, so that it can be switched by the
environment alone, and tested both ways in one process.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


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
