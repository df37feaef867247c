"""Expiry by the beat task: on time (time-machine), page, feed and API change with it; stored
files deleted after the grace period when the program says so; safe to run twice."""

from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_meeting, make_program
from tests.support.demo import PACIFIC
from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.services import feed_build
from tug_portal.materials import services
from tug_portal.materials.models import Material, MaterialPolicy
from tug_portal.materials.tasks import expire_materials

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(db, time_machine, django_capture_on_commit_callbacks):
    """A meeting held on 8 Jan 2019, its recording posted that day, synced as edits are."""
    time_machine.move_to(datetime(2019, 1, 8, 12, tzinfo=PACIFIC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(make_program(), date(2019, 1, 8))
    return meeting


def post_recording(meeting, pdf_or_none=None, **values):
    if pdf_or_none:
        values["upload"] = SimpleUploadedFile("rec.mp3", pdf_or_none)
    else:
        values.setdefault("external_url", "https://example.org/rec.mp3")
    return services.material_create(
        meeting=meeting, title="Recording", kind=Material.Kind.RECORDING, publish=True, **values
    )


def test_a_recording_defaults_to_the_programs_retention(held):
    assert post_recording(held).available_until == date(2019, 4, 8)  # 90 days
    MaterialPolicy.objects.filter(program=held.program).update(
        recording_retention=timedelta(days=7)
    )
    assert post_recording(held).available_until == date(2019, 1, 15)


def test_expiry_on_time_changes_page_feed_and_api(
    client, held, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_recording(held, available_until=date(2019, 1, 15))
    spec = FeedSpec(program=held.program.slug, full_history=True)
    assert b"ATTACH:https://example.org/rec.mp3" in feed_content(feed_build(spec=spec))
    held.refresh_from_db()
    sequence = held.calendar_sequence

    time_machine.move_to(datetime(2019, 1, 15, 23, 50, tzinfo=PACIFIC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        expire_materials()
    assert Material.objects.get().state == Material.State.PUBLISHED  # its last day still

    time_machine.move_to(datetime(2019, 1, 16, 0, 10, tzinfo=PACIFIC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        expire_materials()
    material = Material.objects.get()
    assert material.state == Material.State.EXPIRED and material.expired_at
    held.refresh_from_db()
    assert held.calendar_sequence == sequence + 1  # feeds and cached pages follow
    page = client.get(held.get_absolute_url()).content.decode()
    assert "The recording was available until 15 Jan 2019." in page
    assert "https://example.org/rec.mp3" not in page
    assert client.get(f"/api/v1/meetings/{held.slug}").json()["materials"] == []
    assert b"rec.mp3" not in feed_content(feed_build(spec=spec))

    # Twice is once.
    with django_capture_on_commit_callbacks(execute=True):
        expire_materials()
    held.refresh_from_db()
    assert held.calendar_sequence == sequence + 1
    assert material.history.count() == Material.objects.get().history.count()


def test_expired_files_are_deleted_after_the_grace_period_when_the_program_says_so(
    held, time_machine, media_root, pdf
):
    mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 100
    material = post_recording(held, mp3, available_until=date(2019, 1, 15))
    stored = media_root / material.file_key
    assert stored.exists()
    services.material_policy_ensure(program=held.program)
    MaterialPolicy.objects.filter(program=held.program).update(
        delete_expired_files=True, deletion_grace=timedelta(days=10)
    )
    time_machine.move_to(datetime(2019, 1, 16, 1, tzinfo=PACIFIC), tick=False)
    assert services.materials_expire() == {
        "expired": 1,
        "files_deleted": 0,
        "public_from_passed": 0,
    }
    time_machine.move_to(datetime(2019, 1, 25, 1, tzinfo=PACIFIC), tick=False)
    assert services.materials_expire() == {
        "expired": 0,
        "files_deleted": 0,
        "public_from_passed": 0,
    }
    assert stored.exists()
    time_machine.move_to(datetime(2019, 1, 26, 2, tzinfo=PACIFIC), tick=False)
    assert services.materials_expire() == {
        "expired": 0,
        "files_deleted": 1,
        "public_from_passed": 0,
    }
    assert not stored.exists()
    assert services.materials_expire() == {
        "expired": 0,
        "files_deleted": 0,
        "public_from_passed": 0,
    }
    material.refresh_from_db()
    assert material.file_deleted_at


def test_files_stay_when_the_program_keeps_them(held, time_machine, media_root):
    mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 100
    material = post_recording(held, mp3, available_until=date(2019, 1, 15))
    time_machine.move_to(datetime(2019, 6, 1, tzinfo=PACIFIC), tick=False)
    assert services.materials_expire() == {
        "expired": 1,
        "files_deleted": 0,
        "public_from_passed": 0,
    }
    assert (media_root / material.file_key).exists()


def test_a_material_set_expired_before_it_was_ever_published_is_not_named_on_the_page(held, client):
    Material.objects.create(
        meeting=held,
        title="Never public",
        kind=Material.Kind.OTHER,
        external_url="https://example.org/secret",
        state=Material.State.EXPIRED,
    )

    page = client.get(held.get_absolute_url()).content.decode()

    assert "Never public" not in page


def test_the_last_day_ends_at_midnight_in_the_portals_zone_whatever_the_meetings(
    held, time_machine
):
    from zoneinfo import ZoneInfo

    from tug_portal.materials.selectors import materials_public
    from tug_portal.meetings.models import Meeting

    Meeting.objects.filter(pk=held.pk).update(time_zone="America/New_York")
    post_recording(held, available_until=date(2019, 1, 15))

    # 01:00 on the 16th in New York is still the 15th in the portal's zone (Pacific).
    time_machine.move_to(datetime(2019, 1, 16, 1, tzinfo=ZoneInfo("America/New_York")), tick=False)
    assert materials_public().count() == 1
    assert services.materials_expire()["expired"] == 0

    time_machine.move_to(datetime(2019, 1, 16, 0, 10, tzinfo=PACIFIC), tick=False)
    assert materials_public().count() == 0
    assert services.materials_expire()["expired"] == 1


def test_the_recording_box_agrees_with_the_materials_section(
    client, held, time_machine, django_capture_on_commit_callbacks
):
    # Found from outside: Materials listed the recording (or said it was available until a
    # day past) while the Recording box said "The recording has not been posted yet".
    held.is_recorded = True
    with django_capture_on_commit_callbacks(execute=True):
        held.save()
        post_recording(held, available_until=date(2019, 1, 15))

    posted = client.get(held.get_absolute_url()).content.decode()
    time_machine.move_to(datetime(2019, 1, 16, 0, 10, tzinfo=PACIFIC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        expire_materials()
    gone = client.get(held.get_absolute_url()).content.decode()

    assert 'The recording is under <a href="#materials">Materials</a>.' in posted
    assert "Recording no longer available." in gone
    assert "has not been posted yet" not in posted + gone
