"""Logins for trying the portal on the embedded default: an ISO staff editor and a superuser.

Passwords are generated once and kept in var/demo-logins.txt, so every `make run` prints the
same ones. Not for production: there, create users with `createsuperuser` and the admin.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils.crypto import get_random_string

from tug_portal.common.site import absolute_url
from tug_portal.common.staff import ensure_iso_staff_group

LOGINS_FILE = settings.VAR_DIR / "demo-logins.txt"


def _stored_passwords() -> dict[str, str]:
    if not LOGINS_FILE.exists():
        return {}
    pairs = (line.split(" ", 1) for line in LOGINS_FILE.read_text().splitlines() if " " in line)
    return dict(pairs)


class Command(BaseCommand):
    help = "Create (once) the demo logins 'editor' (ISO staff) and 'admin' (superuser)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=absolute_url(reverse("admin:index")))

    def handle(self, *args, url, **options):
        passwords = _stored_passwords()
        group = ensure_iso_staff_group()
        User = get_user_model()
        for username, superuser in (("editor", False), ("admin", True)):
            password = passwords.setdefault(username, get_random_string(16))
            user, _ = User.objects.get_or_create(username=username)
            if not user.check_password(password) or user.is_superuser != superuser:
                user.set_password(password)
                user.is_staff, user.is_superuser = True, superuser
                user.save()
            if not superuser:
                user.groups.add(group)
        LOGINS_FILE.write_text("".join(f"{u} {p}\n" for u, p in passwords.items()))
        self.stdout.write(f"Staff login at {url}")
        for username, password in passwords.items():
            role = "superuser" if username == "admin" else "ISO staff"
            self.stdout.write(f"  {username:7} / {password}   ({role})")
