import pytest
from django.contrib.auth import get_user_model

from tug_portal.common.staff import ensure_iso_staff_group, ensure_iso_viewer_group


def login(client, username, group):
    user = get_user_model().objects.create_user(username, is_staff=True)
    user.groups.add(group)
    client.force_login(user)
    return client


@pytest.fixture
def viewer(client):
    """The `client`, signed in as a member of the view-only "ISO viewer" group."""
    return login(client, "viewer", ensure_iso_viewer_group())


@pytest.fixture
def editor(client):
    """The `client`, signed in as a member of the "ISO staff" group."""
    return login(client, "editor", ensure_iso_staff_group())
