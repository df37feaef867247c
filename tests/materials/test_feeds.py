"""Materials in the calendars (ATTACH with FMTTYPE, a description section) and the Atom feed:
published ones only, and the feeds change when materials are posted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from icalendar import Calendar

from tug_portal.calendars.feed_bytes import feed_content
from tug_portal.calendars.feed_specs import FeedSpec
from tug_portal.calendars.services import feed_build
from tug_portal.materials import services
from tug_portal.materials.models import Material

pytestmark = pytest.mark.django_db


def add_file(meeting, pdf, title="Road map slides", publish=True):
    upload = SimpleUploadedFile("slides.pdf", pdf)
    return services.material_create(meeting=meeting, title=title, upload=upload, publish=publish)


def add_link(meeting, title="Technical specification", publish=True):
    return services.material_create(
        meeting=meeting,
        title=title,
        kind=Material.Kind.TECHNICAL_DOCUMENT,
        external_url="https://example.org/spec.pdf",
        page="11",
        publish=publish,
    )


def meeting_event(client, meeting):
    body = b"".join(client.get(f"/meetings/{meeting.slug}.ics").streaming_content)
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    return body, event


def test_the_meetings_event_attaches_published_materials_with_their_type(
    client, meeting, pdf, media_root
):
    material = add_file(meeting, pdf)
    add_link(meeting)
    add_file(meeting, pdf, title="Unposted draft", publish=False)
    body, event = meeting_event(client, meeting)
    attachments = event.get("attach")
    assert [str(a) for a in attachments][1:] == ["https://example.org/spec.pdf"]
    assert str(attachments[0]).endswith(f"/materials/{material.public_id}/slides.pdf")
    assert attachments[0].params["FMTTYPE"] == "application/pdf"
    assert "FMTTYPE" not in attachments[1].params
    description = str(event["description"])
    assert "Materials:" in description
    assert "- Presentation: Road map slides: " in description
    spec_line = (
        "- Technical document: Technical specification (see page 11): https://example.org/spec.pdf"
    )
    assert spec_line in description
    assert b"Unposted draft" not in body
    assert b"ATTACH;FMTTYPE=application/pdf:" in body


def test_the_program_feed_holds_the_attachments_and_changes_when_one_is_posted(
    meeting, pdf, media_root
):
    spec = FeedSpec(program=meeting.program.slug, full_history=True)
    before = feed_build(spec=spec)
    assert b"ATTACH" not in feed_content(before)
    add_link(meeting)
    from tug_portal.meetings.models import Meeting
    from tug_portal.meetings.services import meetings_sync_calendar_state

    meetings_sync_calendar_state(meetings=Meeting.objects.filter(pk=meeting.pk))
    after = feed_build(spec=spec)
    assert after.etag != before.etag
    assert b"ATTACH:https://example.org/spec.pdf" in feed_content(after)


def test_the_atom_feed_gets_one_entry_per_meeting_posting(client, meeting, pdf, media_root):
    add_file(meeting, pdf, title="Slides one")
    add_file(meeting, pdf, title="Slides two")
    add_file(meeting, pdf, title="Hidden draft", publish=False)
    feed = client.get("/announcements/feed/").content.decode()
    assert feed.count("Materials posted: TUG Technology User Group") == 1
    assert "Slides one" in feed and "Slides two" in feed
    assert "Hidden draft" not in feed
    from tests.web.test_feeds import atom_errors

    assert atom_errors(feed.encode()) == []


def test_the_demo_gets_the_seed_specification_and_a_recording_with_its_retention(client, demo):
    from datetime import date

    from tug_portal.materials.demo import load_demo_materials

    assert load_demo_materials() == 2
    assert load_demo_materials() == 2  # idempotent
    spec = Material.objects.get(kind=Material.Kind.TECHNICAL_DOCUMENT)
    assert (spec.page, spec.topic.title) == ("11", "DRRS – Acceptable Use Policy Changes")
    recording = Material.objects.get(kind=Material.Kind.RECORDING)
    assert recording.available_until == date(2019, 1, 14)  # the program's 90 days
    page = client.get("/meetings/tug-2018-10-16/").content.decode()
    assert "DRRS Technical Specification document" in page and "see page 11" in page
    assert "Available until 14 Jan 2019" in page


def test_materials_posted_after_a_move_keep_the_move_reported_and_mail_nobody_twice(
    meeting, pdf, media_root
):
    """Found from outside: posting slides after a move wiped "time moved from ..." from the
    page, the feeds and the digest (the materials' change has no words of its own, and its
    empty summary replaced the move's). The move stays the change reported; its update notice
    is not planned a second time."""
    from datetime import timedelta

    from tests.factories import make_subscription
    from tug_portal.meetings.models import Meeting
    from tug_portal.meetings.services import meetings_sync_calendar_state
    from tug_portal.reminders import planner
    from tug_portal.reminders.models import Delivery

    def sync():
        meetings_sync_calendar_state(meetings=Meeting.objects.filter(pk=meeting.pk))
        meeting.refresh_from_db()

    sync()
    make_subscription("ann@example.com", meeting.program)
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    Delivery.objects.filter(offset=timedelta(days=1)).update(
        state=Delivery.State.SENT, sent_at=meeting.created_at
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=meeting.starts_at + timedelta(hours=1),
        ends_at=meeting.ends_at + timedelta(hours=1),
    )
    sync()
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)
    moved, moved_at = meeting.change_summary, meeting.calendar_sequence
    assert moved.startswith("time moved from")

    add_link(meeting)
    sync()
    planner.meeting_plan_deliveries(meeting_id=meeting.pk)

    assert meeting.calendar_sequence == moved_at + 1  # the event changed: ATTACH
    assert meeting.change_summary == moved
    notices = Delivery.objects.filter(kind=Delivery.Kind.UPDATE)
    assert list(notices.values_list("revision", "detail")) == [(moved_at, moved)]
    body = feed_content(feed_build(spec=FeedSpec(program=meeting.program.slug)))
    assert b"time moved from" in body.replace(b"\r\n ", b"")
