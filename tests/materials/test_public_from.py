"""A material whose "public from" passes after its meeting left the feeds' sweep window still
reaches the calendars: the materials' beat task notes its meeting, and the core re-syncs it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_meeting, make_program
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.services import feed_build
from tug_portal.materials import services
from tug_portal.materials.models import Material
from tug_portal.materials.tasks import expire_materials
from tug_portal.meetings.models import Meeting
from tug_portal.meetings.signals import meetings_changed

pytestmark = pytest.mark.django_db

SPEC_LINK = b"ATTACH:https://example.org/spec.pdf"


@pytest.fixture
def old_meeting(time_machine, django_capture_on_commit_callbacks):
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        return make_meeting(make_program(), starts_at=timezone.now() - timedelta(days=60))


def post_for_later(meeting, *, public_from):
    return services.material_create(
        meeting=meeting,
        title="Specification",
        kind=Material.Kind.TECHNICAL_DOCUMENT,
        external_url="https://example.org/spec.pdf",
        publish=True,
        public_from=public_from,
    )


def test_a_material_of_an_old_meeting_reaches_the_feed_when_its_public_from_passes(
    old_meeting, time_machine, django_capture_on_commit_callbacks
):
    spec = FeedSpec(program=old_meeting.program.slug, full_history=True)
    with django_capture_on_commit_callbacks(execute=True):
        post_for_later(old_meeting, public_from=timezone.now() + timedelta(hours=1))
    assert SPEC_LINK not in feed_content(feed_build(spec=spec))
    sequence = Meeting.objects.get(pk=old_meeting.pk).calendar_sequence

    told = []

    def listener(sender, meeting_ids, **kwargs):
        told.append(meeting_ids)

    meetings_changed.connect(listener)
    time_machine.shift(timedelta(hours=2))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            expire_materials()
    finally:
        meetings_changed.disconnect(listener)

    assert told == [{old_meeting.pk}]  # its listeners: feeds, pages, the "materials posted" mail
    assert SPEC_LINK in feed_content(feed_build(spec=spec))
    assert Meeting.objects.get(pk=old_meeting.pk).calendar_sequence == sequence + 1
    # Twice is once.
    with django_capture_on_commit_callbacks(execute=True):
        expire_materials()
    assert Meeting.objects.get(pk=old_meeting.pk).calendar_sequence == sequence + 1


def test_materials_of_meetings_whose_public_from_has_not_passed_are_not_synced(
    old_meeting, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_for_later(old_meeting, public_from=timezone.now() + timedelta(days=3))
    time_machine.shift(timedelta(hours=2))

    assert services.materials_expire()["public_from_passed"] == 0
