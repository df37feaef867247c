"""Logins for trying the portal on the embedded default: an ISO staff editor, a view-only ISO
viewer and a superuser.

Passwords are generated once and kept in var/demo-logins.txt (readable by its owner only), so
every `make run` prints the same ones. Not for production: there, create users with
`createsuperuser` and the admin.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse
from django.utils.crypto import get_random_string

from tug_portal.common.files import write_private
from tug_portal.common.site import absolute_url
from tug_portal.common.staff import ensure_iso_staff_group, ensure_iso_viewer_group

LOGINS_FILE = settings.VAR_DIR / "demo-logins.txt"
# username: (superuser?, the group of a non-superuser, what the listing calls the role)
LOGINS = {
    "editor": (False, ensure_iso_staff_group, "ISO staff"),
    "viewer": (False, ensure_iso_viewer_group, "ISO viewer: view only"),
    "admin": (True, None, "superuser"),
}


def _stored_passwords() -> dict[str, str]:
    if not LOGINS_FILE.exists():
        return {}
    pairs = (line.split(" ", 1) for line in LOGINS_FILE.read_text().splitlines() if " " in line)
    return dict(pairs)


class Command(BaseCommand):
    help = (
        "Create (once) the demo logins 'editor' (ISO staff), 'viewer' (ISO viewer) and "
        "'admin' (superuser)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=absolute_url(reverse("admin:index")))

    def handle(self, *args, url, **options):
        passwords = _stored_passwords()
        User = get_user_model()
        for username, (superuser, ensure_group, _role) in LOGINS.items():
            password = passwords.setdefault(username, get_random_string(16))
            user, _ = User.objects.get_or_create(username=username)
            if not user.check_password(password) or user.is_superuser != superuser:
                user.set_password(password)
                user.is_staff, user.is_superuser = True, superuser
                user.save()
            if ensure_group is not None:
                user.groups.add(ensure_group())
        write_private(LOGINS_FILE, "".join(f"{u} {p}\n" for u, p in passwords.items()))
        self.stdout.write(f"Staff login at {url}")
        for username, password in passwords.items():
            role = LOGINS[username][2] if username in LOGINS else "?"
            self.stdout.write(f"  {username:7} / {password}   ({role})")
