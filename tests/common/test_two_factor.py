"""Two-factor login for staff (TUG_STAFF_2FA): with it on, the admin takes a password only
together with a valid TOTP token from the user's device."""

import io

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def device(editor):
    return TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)


@pytest.fixture
def two_factor(settings):
    settings.TUG_STAFF_2FA = True


def log_in(client, **extra):
    return client.post(
        LOGIN, {"username": "editor", "password": "right-horse", **extra}, REMOTE_ADDR="192.0.2.1"
    )


def current_token(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_login_page_asks_for_a_token_when_on(client, two_factor):
    page = client.get(LOGIN)

    assert 'name="otp_token"' in page.content.decode()


def test_password_alone_is_refused_when_on(client, device, two_factor):
    response = log_in(client)

    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_wrong_token_is_refused(client, device, two_factor):
    wrong = f"{(int(current_token(device)) + 1) % 1_000_000:06d}"

    response = log_in(client, otp_device=device.persistent_id, otp_token=wrong)

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_password_and_a_valid_token_log_in(client, device, two_factor):
    response = log_in(client, otp_device=device.persistent_id, otp_token=current_token(device))

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_session_without_a_verified_device_is_not_staff_when_on(client, editor, two_factor):
    client.force_login(editor)

    assert client.get("/admin/").status_code == 302  # to the login page


def test_password_alone_is_enough_when_off(client, device, settings):
    settings.TUG_STAFF_2FA = False

    assert log_in(client).status_code == 302


def test_add_totp_device_enrols_staff(editor):
    out = io.StringIO()

    call_command("add_totp_device", "editor", stdout=out)

    assert TOTPDevice.objects.get(user=editor).confirmed
    assert "otpauth://totp/" in out.getvalue()
