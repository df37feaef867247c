"""A signed-in request reads its session and its user from the cache, not the database
(common/auth.py `CachedUserBackend`, sessions `cached_db`); every change to the user that can
sign them out (deactivated, password changed, deleted) does so at the next request."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.db import transaction

from tests.support.queries import counted_queries
from tug_portal.common.auth import CachedUserBackend

pytestmark = pytest.mark.django_db

SIGNED_IN_ONLY = "/admin/password_change/"  # staff only: a signed-out browser is sent to log in


def _user_row_reads(queries) -> list[str]:
    return [sql for sql in queries if 'FROM "auth_user"' in sql and "_groups" not in sql]


def _signed_in(response) -> bool:
    return response.status_code == 200


def test_a_signed_in_request_reads_neither_session_nor_user_from_the_database(staff_client):
    staff_client.get(SIGNED_IN_ONLY)  # the first request reads them and keeps them

    with counted_queries() as queries:
        response = staff_client.get(SIGNED_IN_ONLY)

    assert _signed_in(response)
    assert _user_row_reads(queries) == []
    assert not [sql for sql in queries if "django_session" in sql]


def test_logging_in_uses_the_cached_backend(client, editor):
    client.post("/admin/login/?next=/admin/", {"username": "editor", "password": "right-horse"})

    assert client.session[BACKEND_SESSION_KEY] == "tug_portal.common.auth.CachedUserBackend"


def test_a_deactivated_user_is_signed_out_at_their_next_request(staff_client):
    assert _signed_in(staff_client.get(SIGNED_IN_ONLY))
    user = staff_client.user
    user.is_active = False
    user.save()

    assert not _signed_in(staff_client.get(SIGNED_IN_ONLY))


def test_a_password_change_signs_out_the_users_other_browsers(staff_client):
    assert _signed_in(staff_client.get(SIGNED_IN_ONLY))
    user = get_user_model().objects.get(pk=staff_client.user.pk)
    user.set_password("a-new-long-passphrase")
    user.save()

    assert not _signed_in(staff_client.get(SIGNED_IN_ONLY))


def test_a_deleted_user_is_signed_out(staff_client):
    assert _signed_in(staff_client.get(SIGNED_IN_ONLY))
    get_user_model().objects.filter(pk=staff_client.user.pk).delete()

    assert not _signed_in(staff_client.get(SIGNED_IN_ONLY))


def test_a_user_read_by_another_request_before_the_save_commits_is_forgotten_at_commit(
    staff_client, django_capture_on_commit_callbacks
):
    """A request of the user's own, between the admin's save and its commit, reads the row
    still active and keeps it: the commit forgets it again."""
    backend = CachedUserBackend()
    user = staff_client.user
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        user.is_active = False
        user.save()
        get_user_model().objects.filter(pk=user.pk).update(is_active=True)  # the old row...
        backend.get_user(user.pk)  # ...read and kept, as by that request
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)

    assert backend.get_user(user.pk) is None
    assert not _signed_in(staff_client.get(SIGNED_IN_ONLY))


def test_a_cached_user_is_a_fresh_instance_each_time(staff_client):
    """No permission cache or attribute set on one request's user reaches the next's."""
    backend = CachedUserBackend()
    first = backend.get_user(staff_client.user.pk)
    first.has_perm("meetings.change_meeting")  # fills the instance's permission cache
    second = backend.get_user(staff_client.user.pk)

    assert second is not first
    assert not hasattr(second, "_perm_cache")
    assert second.username == "editor"


def test_an_unknown_user_id_is_nobody(db):
    assert CachedUserBackend().get_user(987654) is None
