"""Issue 17: Markdown is rendered once, when it is saved, and pages show the stored HTML."""

import importlib

import pytest
from django.apps import apps

from tug_portal.common import markdown
from tug_portal.common.markdown import render_markdown
from tug_portal.meetings.models import AgendaTopic, Announcement, Meeting, Program

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module(
    "tug_portal.meetings.migrations.0005_stored_html_and_meeting_span"
)


def test_saving_a_topic_stores_its_body_rendered(demo):
    topic = AgendaTopic.objects.filter(meeting__slug="tug-2018-10-16").first()

    topic.body = "- **Bold** point\n- [link](https://example.org)"
    topic.save()
    topic.refresh_from_db()

    assert topic.body_rendered == render_markdown(topic.body)
    assert "<strong>Bold</strong>" in topic.body_rendered
    assert 'rel="noopener noreferrer nofollow"' in topic.body_rendered


def test_a_save_of_only_the_markdown_field_stores_its_html_too(demo):
    meeting = Meeting.objects.get(slug="tug-2018-10-16")

    meeting.notes = "*Slides* posted."
    meeting.save(update_fields=["notes"])

    assert Meeting.objects.get(pk=meeting.pk).notes_rendered == "<p><em>Slides</em> posted.</p>"


def test_every_model_with_markdown_stores_it_rendered(demo):
    program = Program.objects.get(slug="tug")
    program.description = "The **TUG**."
    program.save()
    announcement = Announcement.objects.first()
    announcement.body = "> quoted"
    announcement.save()

    assert Program.objects.get(pk=program.pk).description_html == "<p>The <strong>TUG</strong>.</p>"
    assert "<blockquote>" in Announcement.objects.get(pk=announcement.pk).body_rendered


def test_the_meeting_page_shows_stored_html_without_rendering_markdown(client, demo, monkeypatch):
    def no_rendering(*args, **kwargs):
        raise AssertionError("Markdown rendered while serving a page")

    monkeypatch.setattr(markdown.markdown_lib, "markdown", no_rendering)

    response = client.get("/meetings/tug-2018-10-16/")

    assert response.status_code == 200
    topic = AgendaTopic.objects.filter(meeting__slug="tug-2018-10-16").exclude(body="").first()
    assert topic.body_rendered in response.content.decode()


def test_a_row_written_without_its_html_is_still_shown_rendered(demo):
    AgendaTopic.objects.filter(meeting__slug="tug-2018-10-16").update(body_rendered="")
    topic = AgendaTopic.objects.filter(meeting__slug="tug-2018-10-16").exclude(body="").first()

    assert topic.body_html == render_markdown(topic.body)


def test_the_data_migration_renders_the_rows_written_before_the_field(demo):
    Meeting.objects.filter(slug="tug-2018-10-16").update(notes="Minutes *to follow*.")
    Program.objects.filter(slug="tug").update(description="The **TUG**.")
    AgendaTopic.objects.update(body_rendered="")
    Announcement.objects.update(body_rendered="")
    Meeting.objects.update(notes_rendered="")
    Program.objects.update(description_rendered="")

    MIGRATION.render_existing_rows(apps, None)

    for model, source, stored in (
        (AgendaTopic, "body", "body_rendered"),
        (Announcement, "body", "body_rendered"),
        (Meeting, "notes", "notes_rendered"),
        (Program, "description", "description_rendered"),
    ):
        rows = model.objects.exclude(**{source: ""})
        assert rows.exists(), model
        for row in rows:
            assert getattr(row, stored) == render_markdown(getattr(row, source))
