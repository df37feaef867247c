"""Files holding secrets are readable by their owner only: the embedded secret key and the demo
passwords."""

import io
import os
import stat

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.support.processes import run_python
from tug_portal.common.files import write_private


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_private_files_are_0600_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_private(tmp_path / "secret", "s3cret")
        (tmp_path / "open").write_text("x")
        (tmp_path / "open").chmod(0o644)
        write_private(tmp_path / "open", "now private")
    finally:
        os.umask(old)

    assert mode(tmp_path / "secret") == 0o600
    assert mode(tmp_path / "open") == 0o600
    assert (tmp_path / "open").read_text() == "now private"


def test_embedded_secret_key_is_created_0600(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    env |= {"TUG_EMBEDDED": "1", "TUG_VAR_DIR": str(tmp_path)}
    program = "import os; os.umask(0o022); import django; django.setup()"
    result = run_python(
        program,
        env=env | {"DJANGO_SETTINGS_MODULE": "tug_portal.settings"},
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "secret_key") == 0o600


@pytest.mark.django_db
def test_demo_logins_are_kept_0600_and_include_a_viewer(tmp_path, monkeypatch):
    from tug_portal.common.management.commands import create_demo_logins

    logins = tmp_path / "demo-logins.txt"
    monkeypatch.setattr(create_demo_logins, "LOGINS_FILE", logins)
    old = os.umask(0o022)
    try:
        call_command("create_demo_logins", stdout=io.StringIO())
    finally:
        os.umask(old)

    assert mode(logins) == 0o600
    assert {line.split()[0] for line in logins.read_text().splitlines()} == {
        "editor",
        "viewer",
        "admin",
    }
    viewer = get_user_model().objects.get(username="viewer")
    assert viewer.is_staff and not viewer.is_superuser
    assert [group.name for group in viewer.groups.all()] == [settings.TUG_ISO_VIEWER_GROUP]
    assert not viewer.has_perm("meetings.change_person")
    assert viewer.has_perm("meetings.view_person")
