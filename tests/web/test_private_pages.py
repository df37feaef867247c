"""Pages rendered for one visitor (staff, who see drafts) are private to every cache:
Cache-Control: private besides Vary: Cookie."""

from datetime import date

import pytest

from tug_portal.meetings.models import Announcement, Program
from tug_portal.meetings.services import meeting_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/meetings/tug-draft/", "/announcements/draft-notice/", "/", "/announcements/"]
)
def test_staff_pages_are_private_to_every_cache(staff_client, demo, url):
    tug = Program.objects.get(slug="tug")
    meeting_create(program=tug, day=date(2030, 1, 8), slug="tug-draft")
    Announcement.objects.create(slug="draft-notice", title="Draft notice", is_published=False)

    response = staff_client.get(url)

    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_anonymous_pages_are_not_private(client, demo):
    response = client.get("/")

    assert "private" not in response.get("Cache-Control", "")
