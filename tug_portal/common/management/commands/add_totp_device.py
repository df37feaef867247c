"""Enrol a staff member for two-factor login (TUG_STAFF_2FA): a TOTP device, and the otpauth://
URL to put into their authenticator app (most take it as a QR code; the admin's "TOTP devices"
page shows the same URL)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a TOTP device for a staff user and print its otpauth:// URL."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="authenticator app")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff user named {username!r}.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        self.stdout.write(f"TOTP device {device.pk} for {username}. Add it to the app with:")
        self.stdout.write(device.config_url)
